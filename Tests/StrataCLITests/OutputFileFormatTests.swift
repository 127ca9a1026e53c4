import Foundation
import Strata
import Testing
import _StrataTestSupport

@testable import StrataCLI

/// `OutputFile.write(_:to:)` for a data frame: the format follows the extension, with the safety
/// of every output (atomic replacement, devices written into).
@Suite("OutputFile writes a DataFrame as .dta or CSV")
struct OutputFileFormatTests {
  let frame = DataFrame(columns: [
    Column(
      name: "w", label: "Replicate weight 1",
      storage: .numeric(NumericColumn(values: [1.5, 2, .nan], missing: [false, false, true]))),
    Column(name: "group", storage: .factor(FactorColumn(codes: [1, -1, 0], levels: ["a", "b"]))),
  ])

  @Test func dtaByExtension() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-outfmt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    for name in ["w.dta", "W.DTA"] {
      let path = folder.appendingPathComponent(name).path
      try OutputFile.write(frame, to: path)
      let back = try DataReader.read(path: path)
      #expect(back.names == ["w", "group"])
      #expect(back.columns[0].label == "Replicate weight 1")
      guard case .numeric(let w) = back.columns[0].storage, case .factor(let group) = back.columns[1].storage else {
        Issue.record("\(name): column kinds changed")
        continue
      }
      #expect(w.missing == [false, false, true])
      #expect(Array(w.values.prefix(2)) == [1.5, 2])
      #expect(group.levels == ["a", "b"])
      #expect(group.codes == [1, -1, 0])
    }
    let csv = folder.appendingPathComponent("w.csv").path
    try OutputFile.write(frame, to: csv)
    #expect(try String(contentsOfFile: csv, encoding: .utf8) == "w,group\n1.5,b\n2,NA\nNA,a\n")
    // A device is written into, never replaced.
    try OutputFile.write(frame, to: "/dev/null")
    var info = stat()
    #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
  }

  @Test func valuesStataCannotHoldNameTheFileAndColumn() throws {
    let bad = DataFrame(columns: [Column(name: "x", storage: .numeric(NumericColumn(values: [-.infinity])))])
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-outfmt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("x.dta").path
    #expect {
      try OutputFile.write(bad, to: path)
    } throws: { error in
      (error as? OutputError)?.description
        == "cannot write \(path): column 'x' has an infinite value at row 1, which a Stata file cannot hold"
    }
    // Nothing was left behind.
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
  }

  @Test func onlyOneTableGoesIntoADTAFile() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-outfmt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("t.dta").path
    func message(_ text: String) -> String? {
      do {
        try OutputFile.writeStata(csvTable: text, to: path)
        return nil
      } catch {
        return (error as? OutputError)?.description
      }
    }
    #expect(
      message("term,estimate\nx,1\n\nterm,estimate\nx,2\n")
        == "cannot write \(path): this command's output is several tables, which one .dta file cannot hold; write it "
        + "with --format csv to a .csv file")
    #expect(
      message("Survey design for d.csv (linearization), 1200 observations\nDesign:  strata\n")
        == "cannot write \(path): this command's output is not a table of results, which a .dta file holds; write it "
        + "to a .txt file")
    #expect(message("term,estimate,p_value\n(Intercept),1.5,NA\nx,2,0.01\n") == nil)
    let back = try DataReader.read(path: path)
    #expect(back.names == ["term", "estimate", "p_value"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["t.dta"])
  }
}
