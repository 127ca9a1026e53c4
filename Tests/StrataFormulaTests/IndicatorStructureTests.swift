import StrataData
import StrataLinalg
import Testing

@testable import StrataFormula

/// The dummies of a factor term recorded while the model matrix is built agree with a scan of the
/// matrix, and are dropped when the matrix is replaced.
@Suite("ModelMatrix.indicatorStructure")
struct IndicatorStructureTests {
  @Test func builtStructureEqualsTheScan() throws {
    let n = 1 << 14 + 37
    let levels = ["a", "b", "c", "d", "e", "f"]
    let g = (0..<n).map { Int32(($0 + $0 / 6) % levels.count) }
    let z = (0..<n).map { Double($0 % 13) / 3 }
    let d = (0..<n).map { Double(($0 / 3) % 2) }  // a 0/1 regressor that overlaps the dummies
    let y = (0..<n).map { Double($0 % 5) }
    let frame = DataFrame(
      columns: [
        Column(name: "y", storage: .numeric(NumericColumn(values: y))),
        Column(name: "z", storage: .numeric(NumericColumn(values: z))),
        Column(name: "d", storage: .numeric(NumericColumn(values: d))),
        Column(name: "g", storage: .factor(FactorColumn(codes: g, levels: levels))),
      ], source: "test")
    var mm = try ModelMatrix.build(formula: Formula.parse("y ~ z + d + g + z:d"), data: frame)
    let built = try #require(mm.indicatorStructure)
    let scanned = try #require(mm.x.indicatorStructure())
    #expect(built.indicatorColumns == scanned.indicatorColumns)
    #expect(built.denseColumns == scanned.denseColumns)
    #expect(built.levelCodes == scanned.levelCodes)
    #expect(mm.columnNames.enumerated().filter { built.indicatorColumns.contains($0.offset) }.map(\.element)
      == ["gb", "gc", "gd", "ge", "gf"])
    mm.x = mm.x.selectingColumns(Array(1..<mm.x.cols))
    #expect(mm.indicatorStructure == nil)
    // Small data: no structure is recorded (the dense pass is used).
    let small = try ModelMatrix.build(formula: Formula.parse("y ~ z + g"), data: frame.rows(Array(0..<100)))
    #expect(small.indicatorStructure == nil)
  }
}
