import Testing
import _StrataTestSupport

/// The comparison the replay and snapshot tests use: text exactly, numbers to a tolerance.
@Suite("Printed output compared across machines")
struct TextComparisonTests {
  @Test func lastDigitsOfLongNumbersMayDiffer() {
    #expect(textDifference("b,0.27007677263519714\n", "b,0.2700767726351574\n") == nil)
    #expect(textDifference("x  -0.0018870801971828048", "x  -0.0018870801971828074") == nil)
    #expect(textDifference("3.1e-06", "3.1000000000001e-06") == nil)
  }

  @Test func roundedOutputMayFlipTheLastPrintedDigit() {
    #expect(textDifference("se 0.1235", "se 0.1234") == nil)
    #expect(textDifference("se 0.1236", "se 0.1234") != nil)
    #expect(textDifference("p 2.1e-05", "p 2.2e-05") == nil)
  }

  @Test func wholeNumbersAndTextMustMatch() {
    #expect(textDifference("n = 526", "n = 527") != nil)
    #expect(textDifference("educ 0.5", "exper 0.5") != nil)
    #expect(textDifference("a,b\n", "a,b\nc\n") != nil)
    #expect(textDifference("0.5 (robust)", "0.5 (classical)") != nil)
    #expect(textDifference("0.27007677", "0.27007679") != nil)
  }

  @Test func alignmentMayShiftOnlyWhenAWidthChanged() {
    let expected = "item      value\nslope  0.12345678901234567\n"
    let wider = "item       value\nslope  0.123456789012345671\n"
    #expect(textDifference(wider, expected) == nil)
    #expect(textDifference("item       value\nslope  0.12345678901234567\n", expected) != nil)
  }
}
