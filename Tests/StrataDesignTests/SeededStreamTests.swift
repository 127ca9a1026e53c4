import Strata
import Testing

/// The seeded streams that published results depend on: bootstrap replicates with a seed draw
/// from StrataSupport's SplitMix64 exactly as they did from the generator StrataDesign had.
@Suite("Seeded streams stay fixed")
struct SeededStreamTests {
  @Test("Row bootstrap with seed 42: the multipliers of the SplitMix64 stream (reference computed independently)")
  func rowBootstrapStreamIsFixed() {
    var resampler = BootstrapResampler(scheme: .rows(count: 12), seed: 42)
    // SplitMix64(42), 12 draws below 12 by rejection sampling, counted per row (computed with a
    // separate implementation of Steele, Lea and Flood's SplitMix64).
    #expect(resampler.nextMultipliers(rows: Array(0..<12)) == [1, 3, 1, 0, 0, 0, 2, 1, 1, 0, 2, 1])
  }

  @Test("SplitMix64: the published first output, next(below:) in range, init(seed:) = init(state:)")
  func splitMixIsTheReferenceAlgorithm() {
    var a = SplitMix64(seed: 0)
    #expect(a.next() == 0xE220_A839_7B1D_CDAF)
    var b = SplitMix64(seed: 99)
    var c = SplitMix64(state: 99)
    #expect((0..<5).map { _ in b.next(below: 7) } == (0..<5).map { _ in c.next(below: 7) })
    #expect((0..<100).allSatisfy { _ in b.next(below: 3) < 3 })
  }
}
