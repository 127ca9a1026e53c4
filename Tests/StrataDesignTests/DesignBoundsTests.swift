import Foundation
import Strata
import Testing
import _StrataTestSupport

/// Issue 16 in the design layer: non-finite design columns, replicate weights bounded before
/// they are allocated, bootstrap without replacement from large populations.
@Suite("Design bounds and non-finite values")
struct DesignBoundsTests {
  let base: [(String, [Double?])] = [
    ("y", [1, 2, 3, 4, 5, 6]), ("w", [2, 2, 3, 3, 4, 4]), ("h", [1, 1, 1, 2, 2, 2]), ("c", [1, 2, 3, 4, 5, 6]),
  ]

  @Test func nonFiniteValuesAreTheirOwnError() {
    var cols = base
    cols[1].1[1] = .infinity
    cols[1].1[4] = .nan
    #expect(throws: DesignError.nonFiniteValue(column: "w", row: 2, value: .infinity, count: 2)) {
      _ = try SampleDesign(DesignSpecification(weights: "w"), data: frame(cols))
    }
    var strata = base
    strata[2].1[3] = -.infinity
    #expect(throws: DesignError.nonFiniteValue(column: "h", row: 4, value: -.infinity, count: 1)) {
      _ = try SampleDesign(DesignSpecification(weights: "w", strata: "h"), data: frame(strata))
    }
  }

  /// Rows are the PSUs; each stratum of 3 is resampled without replacement from its population.
  func bootstrap(population: Double, replicates: Int = 20) throws -> ReplicateDesign {
    var cols = base
    cols.append(("N", Array(repeating: population, count: 6)))
    let design = try LinearizationDesign(DesignSpecification(weights: "w", strata: "h", fpc: ["N"]), data: frame(cols))
    return try ReplicateDesign(
      building: ReplicateConstruction(type: .bootstrap, replicates: replicates, seed: 9), from: design)
  }

  /// A population of a billion PSUs per stratum is resampled without materializing it (the
  /// partial shuffle keeps only the positions it moved): each replicate draws 3 PSUs per stratum.
  @Test func bootstrapFromAHugePopulation() throws {
    let d = try bootstrap(population: 1e9)
    #expect(d.replicateCount == 20)
    for r in 0..<d.replicateCount {
      let m = (0..<6).map { d.replicateWeights[$0, r] }
      #expect(m[0..<3].reduce(0, +) == 3 && m[3..<6].reduce(0, +) == 3, "replicate \(r): \(m)")
    }
    // A complete census of each stratum: drawing 3 of 3 without replacement takes each once.
    let census = try bootstrap(population: 3)
    for r in 0..<census.replicateCount {
      #expect((0..<6).allSatisfy { census.replicateWeights[$0, r] == 1 }, "replicate \(r)")
    }
    #expect(throws: DesignError.self) { _ = try bootstrap(population: 1e17) }
  }

  /// Built replicate weights above `maximumReplicateBytes` are refused with the size and a hint,
  /// before anything of that size is allocated.
  @Test func builtReplicatesAreBounded() throws {
    let n = 100_000
    let rows = (0..<n).map { Double($0) }
    let data = frame([("y", rows.map { $0 }), ("c", rows.map { $0 })])
    let design = try LinearizationDesign(DesignSpecification(psu: ["c"]), data: data)
    // JK1 with one replicate per PSU: 100 000 × (100 000 + 100 000) × 8 bytes = 160 GB.
    do {
      _ = try ReplicateDesign(building: ReplicateConstruction(type: .jk1), from: design)
      Issue.record("jk1 with 100 000 PSUs was built")
    } catch let error as DesignError {
      let text = error.description
      #expect(text.contains("jk1 replicates: 100000 replicates (one per PSU)"), "\(text)")
      #expect(text.contains("= 160 GB") && text.contains("the limit is 4 GB"), "\(text)")
      #expect(text.contains("at most `replicates: 2500`"), "\(text)")
    }
    #expect(throws: DesignError.self) {
      _ = try ReplicateDesign(building: ReplicateConstruction(type: .bootstrap, replicates: 1 << 40), from: design)
    }
    #expect(ReplicateDesign.maximumReplicateBytes == 4_000_000_000)
  }
}
