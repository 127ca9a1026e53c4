import Foundation
import Testing
import _StrataTestSupport

/// Saved fits and JSON results that were edited or truncated are errors naming the file and the
/// field in every command that reads them (never a crash or a wrong number), and a saved fit
/// whose data file changed stops margins, predict and elasticities unless --allow-changed-data.
/// Every input is made here, in a fresh temporary folder.
@Suite struct SavedFitValidationTests {
  /// A fresh folder with `data.csv` (40 rows: y, x, z, g) and `fit.json` saved from
  /// `strata fit ols "y ~ x + z + g"`.
  struct Saved {
    var dir: URL
    var data: String
    var fit: String

    func file(_ name: String) -> String { dir.appendingPathComponent(name).path }
  }

  static func dataText(rows: Int = 40) -> String {
    var text = "y,x,z,g\n"
    for i in 0..<rows {
      let x = Double(i % 7) * 0.5 - 1
      let z = Double((i * 3) % 11) / 2 + 1
      let g = ["a", "b", "c"][i % 3]
      let y = 1 + 0.5 * x - 0.3 * z + (g == "b" ? 0.7 : 0) + Double((i * 37) % 13) / 13 - 0.5
      text += "\(y),\(x),\(z),\(g)\n"
    }
    return text
  }

  static func saved() throws -> Saved {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-savedfit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let data = dir.appendingPathComponent("data.csv").path
    try Data(dataText().utf8).write(to: URL(fileURLWithPath: data))
    let fit = dir.appendingPathComponent("fit.json").path
    let run = try runStrata(["fit", "ols", "y ~ x + z + g", "--data", data, "--save", fit])
    #expect(run.status == 0, "\(run.stderr)")
    return Saved(dir: dir, data: data, fit: fit)
  }

  static func object(_ path: String) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
  }

  static func write(_ object: [String: Any], to path: String) throws {
    try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
  }

  /// The commands that read a saved fit, on `path`.
  static func readers(_ path: String) -> [[String]] {
    [
      ["margins", path], ["predict", path, "--scenario", "x = x + 1"], ["elasticities", path], ["table", path],
      ["plot", "predict", path, "--x", "x"], ["plot", "coef", path],
    ]
  }

  /// Runs every reader on a copy of the fit edited by `edit` and expects exit 1 with `message`
  /// (and the file's path) on standard error, and the edited file unchanged.
  func expectRejected(
    _ name: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation,
    edit: (inout [String: Any]) -> Void
  ) throws {
    let s = try Self.saved()
    var o = try Self.object(s.fit)
    edit(&o)
    let path = s.file("\(name).json")
    try Self.write(o, to: path)
    try expectRejected(path, message, sourceLocation: sourceLocation)
  }

  func expectRejected(_ path: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    for args in Self.readers(path) {
      let run = try runStrata(args)
      #expect(run.status == 1, "\(args.joined(separator: " ")): \(run.stderr)", sourceLocation: sourceLocation)
      #expect(run.stderr.contains(path), "\(args[0]): \(run.stderr)", sourceLocation: sourceLocation)
      #expect(run.stderr.contains(message), "\(args[0]): \(run.stderr)", sourceLocation: sourceLocation)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "the saved fit was changed")
  }

  // MARK: Edited or truncated saved fits

  @Test func unchangedFitLoadsEverywhere() throws {
    let s = try Self.saved()
    for args in Self.readers(s.fit) {
      let run = try runStrata(args)
      #expect(run.status == 0, "\(args.joined(separator: " ")): \(run.stderr)")
      #expect(!run.stderr.contains("fingerprint"), "\(run.stderr)")
    }
  }

  @Test func coefficientsShorterThanKept() throws {
    try expectRejected("short", "field 'coefficients' has 4 values but 'kept' lists 5 terms") { o in
      o["coefficients"] = Array((o["coefficients"] as! [Double]).dropLast())
    }
  }

  @Test func vcovWithAMissingRow() throws {
    try expectRejected("rows", "field 'vcov' has 4 rows; it must be 5 × 5") { o in
      o["vcov"] = Array((o["vcov"] as! [[Double]]).dropLast())
    }
  }

  @Test func nonSquareVcov() throws {
    try expectRejected("square", "field 'vcov[1]' has 4 values; vcov must be 5 × 5") { o in
      var v = o["vcov"] as! [[Double]]
      v[1].removeLast()
      o["vcov"] = v
    }
  }

  @Test func termsOfAnotherLength() throws {
    try expectRejected("terms", "field 'recipe.columnNames' has 5 columns that differ from the 6 terms") { o in
      o["terms"] = (o["terms"] as! [String]) + ["extra"]
    }
  }

  @Test func keptIndexOutOfRange() throws {
    try expectRejected("kept", "field 'kept[4]' is 99, outside the 5 terms") { o in
      var k = o["kept"] as! [Int]
      k[4] = 99
      o["kept"] = k
    }
  }

  @Test func missingKey() throws {
    try expectRejected("missing", "field 'vcov' is missing") { o in o["vcov"] = nil }
    try expectRejected("missing-recipe-part", "field 'recipe.columnNames' is missing") { o in
      var r = o["recipe"] as! [String: Any]
      r["columnNames"] = nil
      o["recipe"] = r
    }
  }

  @Test func wrongType() throws {
    try expectRejected("type", "field 'nobs' is not a Int") { o in o["nobs"] = "forty" }
  }

  @Test func wrongVersion() throws {
    try expectRejected("version", "has version 99; this strata reads versions 1 to 3") { o in o["version"] = 99 }
  }

  @Test func unknownModel() throws {
    try expectRejected("model", "field 'model' is 'tobit', not one of") { o in o["model"] = "tobit" }
  }

  @Test func negativeVariance() throws {
    try expectRejected("variance", "field 'vcov[2][2]' is -0.5, a negative variance") { o in
      var v = o["vcov"] as! [[Double]]
      v[2][2] = -0.5
      o["vcov"] = v
    }
  }

  @Test func asymmetricVcov() throws {
    try expectRejected("symmetric", "vcov must be symmetric") { o in
      var v = o["vcov"] as! [[Double]]
      v[3][1] += 1
      o["vcov"] = v
    }
  }

  @Test func notANumber() throws {
    let s = try Self.saved()
    var o = try Self.object(s.fit)
    var c = o["coefficients"] as! [Double]
    c[0] = 123_456.5
    o["coefficients"] = c
    let path = s.file("nan.json")
    let text = String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
    try #require(text.contains("123456.5"))
    try Data(text.replacingOccurrences(of: "123456.5", with: "NaN").utf8).write(to: URL(fileURLWithPath: path))
    try expectRejected(path, "is not valid JSON")
  }

  @Test func truncatedFile() throws {
    let s = try Self.saved()
    let bytes = try Data(contentsOf: URL(fileURLWithPath: s.fit))
    let path = s.file("truncated.json")
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
    try expectRejected(path, "is not valid JSON")
  }

  // MARK: The data's fingerprint

  @Test func saveRecordsTheDataFingerprint() throws {
    let s = try Self.saved()
    let o = try Self.object(s.fit)
    #expect(o["version"] as? Int == 3)
    let f = try #require(o["data_fingerprint"] as? [String: Any])
    let size = try FileManager.default.attributesOfItem(atPath: s.data)[.size] as? Int
    #expect(f["size"] as? Int == size)
    let hash = try #require(f["hash"] as? String)
    #expect(hash.hasPrefix("fnv1a64:") && hash.count == 24, "\(hash)")
    // FNV-1a 64 of the file's bytes, computed here independently.
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in try Data(contentsOf: URL(fileURLWithPath: s.data)) { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let hex = String(h, radix: 16)
    #expect(hash == "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex)
    #expect(f["modified"] is NSNumber)
  }

  /// Rewrites the data with one value changed, keeping its size.
  static func changeOneValue(_ data: String) throws {
    let text = try String(contentsOfFile: data, encoding: .utf8)
    var lines = text.components(separatedBy: "\n")
    let fields = lines[5].components(separatedBy: ",")
    let g = fields[3] == "a" ? "b" : "a"
    lines[5] = (fields[0..<3] + [g]).joined(separator: ",")
    let changed = lines.joined(separator: "\n")
    #expect(changed.utf8.count == text.utf8.count && changed != text)
    try Data(changed.utf8).write(to: URL(fileURLWithPath: data))
  }

  @Test func changedDataStopsMarginsPredictAndElasticities() throws {
    let s = try Self.saved()
    try Self.changeOneValue(s.data)
    let message = "\(s.data) changed since the fit \(s.fit) was saved (same size, hash differs); refit, or pass --allow-changed-data"
    for args in [["margins", s.fit], ["predict", s.fit, "--scenario", "x = x + 1"], ["elasticities", s.fit]] {
      let run = try runStrata(args)
      #expect(run.status == 1, "\(args[0]): \(run.stderr)")
      #expect(run.stderr.contains(message), "\(args[0]): \(run.stderr)")
      let allowed = try runStrata(args + ["--allow-changed-data"])
      #expect(allowed.status == 0, "\(args[0]): \(allowed.stderr)")
      #expect(allowed.stderr.contains("going on as --allow-changed-data asks"), "\(allowed.stderr)")
      #expect(!allowed.stdout.isEmpty)
    }
  }

  @Test func dataOfAnotherSizeNamesTheSizes() throws {
    let s = try Self.saved()
    let before = try Data(contentsOf: URL(fileURLWithPath: s.data))
    let after = before + Data("1,0,1,a\n".utf8)
    try after.write(to: URL(fileURLWithPath: s.data))
    let run = try runStrata(["margins", s.fit])
    #expect(run.status == 1)
    #expect(run.stderr.contains("(size \(before.count) -> \(after.count) bytes)"), "\(run.stderr)")
  }

  @Test func touchedDataStillRuns() throws {
    let s = try Self.saved()
    let first = try runStrata(["margins", s.fit, "--format", "json"])
    #expect(first.status == 0, "\(first.stderr)")
    try FileManager.default.setAttributes(
      [.modificationDate: Date().addingTimeInterval(86_400)], ofItemAtPath: s.data)
    let again = try runStrata(["margins", s.fit, "--format", "json"])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stdout == first.stdout)
    #expect(!again.stderr.contains("changed"), "\(again.stderr)")
  }

  @Test func fitWithoutFingerprintLoadsWithANote() throws {
    let s = try Self.saved()
    var o = try Self.object(s.fit)
    o["data_fingerprint"] = nil
    o["version"] = 1
    let old = s.file("old.json")
    try Self.write(o, to: old)
    let expected = try runStrata(["margins", s.fit, "--format", "json"])
    let run = try runStrata(["margins", old, "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.contains("saved fit \(old) records no fingerprint of its data"), "\(run.stderr)")
    #expect(run.stdout == expected.stdout)
  }

  @Test func badFingerprintIsAFieldError() throws {
    try expectRejected("hash", "field 'data_fingerprint.hash' is 'abc'") { o in
      var f = o["data_fingerprint"] as! [String: Any]
      f["hash"] = "abc"
      o["data_fingerprint"] = f
    }
  }

  // MARK: JSON results of margins and fit for table and plot

  @Test func editedMarginsResultsNameTheField() throws {
    let s = try Self.saved()
    let margins = s.file("margins.json")
    let m = try runStrata(["margins", s.fit, "--format", "json", "--output", margins])
    #expect(m.status == 0, "\(m.stderr)")
    let ok = try runStrata(["table", margins])
    #expect(ok.status == 0, "\(ok.stderr)")
    var o = try Self.object(margins)
    var entries = try #require(o["margins"] as? [[String: Any]])
    entries[1]["estimate"] = nil
    o["margins"] = entries
    let missing = s.file("missing.json")
    try Self.write(o, to: missing)
    entries[1]["estimate"] = "0.5"
    o["margins"] = entries
    let text = s.file("text.json")
    try Self.write(o, to: text)
    for (path, message) in [
      (missing, "field 'margins[1].estimate' is missing"), (text, "field 'margins[1].estimate' is not a number"),
    ] {
      for args in [["table", path], ["plot", "margins", path]] {
        let run = try runStrata(args)
        #expect(run.status == 1, "\(args[0]): \(run.stderr)")
        #expect(run.stderr.contains("results \(path): \(message)"), "\(args[0]): \(run.stderr)")
      }
    }
  }

  @Test func editedFitReportNamesTheField() throws {
    let s = try Self.saved()
    let report = s.file("report.json")
    let f = try runStrata(["fit", "ols", "y ~ x + z + g", "--data", s.data, "--format", "json", "--output", report])
    #expect(f.status == 0, "\(f.stderr)")
    var o = try Self.object(report)
    var rows = try #require(o["coefficients"] as? [[String: Any]])
    rows[2]["term"] = nil
    o["coefficients"] = rows
    try Self.write(o, to: report)
    let run = try runStrata(["table", report])
    #expect(run.status == 1)
    #expect(run.stderr.contains("results \(report): field 'coefficients[2].term' is missing"), "\(run.stderr)")
  }
}
