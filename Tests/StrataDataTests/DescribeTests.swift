import Foundation
import Testing
import _StrataTestSupport

@testable import StrataData

/// describe() against R (mean, sd, min, max, table) from make_data_fixtures.R.
@Suite("describe")
struct DescribeTests {
  // R's mean and sd accumulate in long double; describe() does the same with Float80 on
  // x86-64 and agrees with R (x86-64 build) bit for bit. Without Float80, Double
  // accumulation agrees to ~1e-14.
  #if arch(x86_64)
    static let rtol = 0.0
  #else
    static let rtol = 1e-14
  #endif

  @Test(arguments: ["wage1", "apistrat"])
  func matchesR(_ name: String) throws {
    let reference = try loadJSON(fixturePath("describe_\(name).json"))
    let data = try DataReader.read(path: datasetPath("\(name).csv"))
    let summaries = describe(data)
    #expect(summaries.count == reference.count)
    for s in summaries {
      let r = try #require(reference[s.name] as? [String: Any], "\(s.name)")
      #expect(s.missing == r["missing"] as? Int, "\(s.name)")
      if let levels = r["levels"] as? [String] {
        #expect(s.kind == .factor)
        #expect(s.levels.map(\.level) == levels, "\(s.name)")
        #expect(s.levels.map(\.count) == (r["counts"] as? [Int]), "\(s.name)")
        #expect(s.mean == nil)
      } else {
        #expect(s.kind == .numeric)
        #expect(s.nonMissing == r["n"] as? Int, "\(s.name)")
        for (value, key) in [(s.mean, "mean"), (s.sd, "sd"), (s.min, "min"), (s.max, "max")] {
          if let expected = number(r[key]) {
            let v = try #require(value, "\(s.name) \(key)")
            #expect(isClose(v, expected, rtol: key == "min" || key == "max" ? 0 : Self.rtol), "\(s.name) \(key): \(v) vs \(expected)")
          } else {
            #expect(value == nil, "\(s.name) \(key)")
          }
        }
      }
    }
  }

  @Test func labelledNumericAndFactorFromStata() throws {
    let data = try StatFileReader(path: fixturePath("partial.dta")).read()
    let s = describe(data)
    #expect(s[0].kind == .labelledNumeric)
    #expect(s[0].label == "Score 1-5")
    #expect(s[0].nonMissing == 5 && s[0].missing == 2)
    #expect(s[0].levels.map(\.level) == ["low", "high"])
    #expect(s[0].levels.map(\.count) == [1, 1])
    #expect(s[0].mean == 13.0 / 5)
    #expect(s[1].kind == .factor)
    #expect(s[1].levels.map(\.count) == [4, 3])
  }
}
