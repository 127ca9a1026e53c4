import Testing

@testable import StrataData

@Suite("DataFrame helpers")
struct DataFrameSubsetTests {
  let frame = DataFrame(
    columns: [
      Column(
        name: "x", label: "X", valueLabels: [1: "one"],
        storage: .numeric(NumericColumn(values: [1, .nan, 3, -0.0, 0], missing: [false, true, false, false, false]))),
      Column(name: "g", storage: .factor(FactorColumn(codes: [2, 0, -1, 2, 1], levels: ["a", "b", "c", "unused"]))),
      Column(name: "school", storage: .numeric(NumericColumn(values: [7, 3, 7, 9, 3]))),
    ], source: "mem.csv")

  @Test func numericValues() throws {
    #expect(try frame.numericValues(of: "school").values == [7, 3, 7, 9, 3])
    #expect(throws: DataError.notNumeric(name: "g", source: "mem.csv", levels: ["a", "b", "c", "unused"])) {
      try frame.numericValues(of: "g")
    }
    #expect(throws: DataError.unknownColumn(name: "schol", source: "mem.csv", suggestions: ["school"])) {
      try frame.numericValues(of: "schol")
    }
  }

  @Test func rowSubsetKeepsMetadata() throws {
    let sub = frame.rows([4, 0, 0, 2])
    #expect(sub.source == "mem.csv")
    #expect(sub.rowCount == 4)
    #expect(sub.columns[0].label == "X")
    #expect(sub.columns[0].valueLabels == [1: "one"])
    #expect(sub.columns[0].numeric?.values == [0, 1, 1, 3])
    #expect(sub.columns[1].factor?.levels == ["a", "b", "c", "unused"])
    #expect(sub.columns[1].factor?.codes == [1, 2, 2, -1])
  }

  @Test func groupCodes() throws {
    let s = try frame.groupCodes(of: "school", rows: [0, 1, 2, 3, 4])
    #expect(s.codes == [0, 1, 0, 2, 1])
    #expect(s.count == 3)
    let zeros = try frame.groupCodes(of: "x", rows: [3, 4, 0])
    #expect(zeros.codes == [0, 0, 1])
    let g = try frame.groupCodes(of: "g", rows: [4, 0, 3, 1])
    #expect(g.codes == [0, 1, 1, 2])
    #expect(g.count == 3)
    #expect(throws: DataError.missingValue(name: "g", source: "mem.csv", row: 3)) {
      try frame.groupCodes(of: "g", rows: [0, 2])
    }
  }
}
