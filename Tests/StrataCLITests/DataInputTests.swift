import Foundation
import Testing
import _StrataTestSupport

/// Odd data files read through the CLI: each gives a result or one clear error naming the file
/// (and line and field where there is one), never a signal; the input file is left unchanged.
@Suite("strata data input")
struct DataInputTests {
  /// Writes `bytes` to a fresh temporary file named `name` and returns its path.
  func temporaryBytes(_ name: String, _ bytes: [UInt8]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-data-input-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  /// Runs `strata` with `arguments` on `path` and checks that the file's bytes did not change.
  func runKeepingInput(_ path: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIRun {
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let run = try runStrata(arguments)
    let after = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(before == after, "the input file \(path) changed", sourceLocation: sourceLocation)
    return run
  }

  func expectError(_ run: CLIRun, mentions fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(run.status == 1, "exit status \(run.status); stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stdout.isEmpty, "stdout: \(run.stdout)", sourceLocation: sourceLocation)
    #expect(run.stderr.hasPrefix("strata: error: "), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    for f in fragments {
      #expect(run.stderr.contains(f), "'\(f)' not in: \(run.stderr)", sourceLocation: sourceLocation)
    }
  }

  /// A 30,000-column file (a few rows; numbers and one text column in three) read with a 1 MiB
  /// stack and 600 MB of address space: the column buffers are not held by nested scopes per
  /// column any more (that overflowed the stack: SIGSEGV). Both the unquoted fast path and the
  /// quoted general path.
  @Test(arguments: [false, true])
  func thirtyThousandColumnsOnASmallStack(quoted: Bool) throws {
    let n = 30_000
    var text = (0..<n).map { "v\($0)" }.joined(separator: ",") + "\n"
    for r in 0..<3 {
      text += (0..<n).map { j in
        j % 3 != 0 ? String(r + j) : (r % 2 == 1 ? (quoted ? "\"a,x\"" : "a") : "b")
      }.joined(separator: ",") + "\n"
    }
    let path = try temporaryBytes("wide.csv", Array(text.utf8))
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", "ulimit -s 1024 && ulimit -v 600000 && exec \"$0\" describe \"$1\"", try strataBinary().path, path]
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit, "killed by signal \(process.terminationStatus)")
    #expect(process.terminationStatus == 0, "stderr: \(stderr.prefix(500))")
    #expect(stdout.contains(": 3 rows, 30000 variables\n"))
    #expect(stdout.contains("\nv29998    numeric    3        0  29999   1  29998  30000\n"))
    // The last text column, v29997, holds b, a, b.
    let level = quoted ? "a,x      " : "a        "
    #expect(stdout.hasSuffix("\nv29997:\n  level  count\n  \(level)  1\n  b          2\n"), "\(stdout.suffix(300))")
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
  }

  /// `describe` output for `path`, without its first line (which names the file).
  func describeBody(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let run = try runKeepingInput(path, ["describe", path], sourceLocation: sourceLocation)
    #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stdout.hasPrefix("\(path): "), sourceLocation: sourceLocation)
    return String(run.stdout.drop { $0 != "\n" })
  }

  static let reference = "y,x,g\n1,2.5,ä\n2,NA,b\n3,-4e3,\"q,r\"\n4,7,b\n"

  /// UTF-16 with a byte-order mark (either order), a UTF-8 byte-order mark and CR-only line
  /// ends read as the plain UTF-8 file does.
  @Test func encodingsAndLineEndsReadAsUTF8() throws {
    let expected = try describeBody(try temporaryBytes("plain.csv", Array(Self.reference.utf8)))
    #expect(expected.contains("g         factor(3)  4        0"))
    let units = Array(Self.reference.utf16)
    let variants: [(String, [UInt8])] = [
      ("utf16le.csv", [0xFF, 0xFE] + units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
      ("utf16be.csv", [0xFE, 0xFF] + units.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }),
      ("bom.csv", [0xEF, 0xBB, 0xBF] + Array(Self.reference.utf8)),
      ("mac.csv", Array(Self.reference.replacingOccurrences(of: "\n", with: "\r").utf8)),
    ]
    for (name, bytes) in variants {
      #expect(try describeBody(try temporaryBytes(name, bytes)) == expected, "\(name)")
    }
  }

  @Test func notUTF8TextIsAClearError() throws {
    let utf16 = Array(Self.reference.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let bare = try temporaryBytes("bare16.csv", utf16)
    expectError(
      try runKeepingInput(bare, ["describe", bare]),
      mentions: ["\(bare):1: NUL byte in the header (byte 2)", "iconv -f UTF-16 -t UTF-8 \(bare) > bare16-utf8.csv"])
    let utf32: [UInt8] = [0xFF, 0xFE, 0, 0] + Self.reference.unicodeScalars.flatMap { s in
      (0..<4).map { UInt8((s.value >> (8 * UInt32($0))) & 0xFF) }
    }
    let wide = try temporaryBytes("u32.csv", utf32)
    expectError(
      try runKeepingInput(wide, ["fit", "ols", "y ~ x", "--data", wide]),
      mentions: ["\(wide):1: the file is UTF-32 text; convert it to UTF-8: iconv -f UTF-32 -t UTF-8 \(wide) > u32-utf8.csv"])
  }

  /// NA tokens are one set: empty, NA, ., and NaN in any spelling are missing in a model.
  @Test func missingTokensInAModel() throws {
    let rows = ["1,2", "2,4.5", "3,nan", "4,NAN", "5,NaN", "6,.", "7,", "8,NA", "9,-nan", "10,7", "11,9.5"]
    let path = try temporaryBytes("na.csv", Array(("y,x\n" + rows.joined(separator: "\n") + "\n").utf8))
    let body = try describeBody(path)
    #expect(body.contains("\nx         numeric   4        7"), "\(body)")
    let fit = try runKeepingInput(path, ["fit", "ols", "y ~ x", "--data", path, "--format", "json"])
    #expect(fit.status == 0, "\(fit.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(fit.stdout.utf8)) as? [String: Any])
    #expect(json["nobs"] as? Int == 4)
    // The complete rows (1, 2), (2, 4.5), (10, 7), (11, 9.5): slope 47.5 / 31.25.
    let slope = try #require((json["coefficients"] as? [[String: Any]])?.first { $0["term"] as? String == "x" }?["estimate"] as? Double)
    #expect(abs(slope - 1.52) <= 1e-12 * 1.52)
  }

  /// `"1,000"` in a numeric-looking column: the model names the file, line, field and says to
  /// remove the separators; `describe` still reads it (as text, as R does).
  @Test func thousandsSeparators() throws {
    let path = try temporaryBytes("inc.csv", Array("y,income\n1,900\n2,\"1,000\"\n3,\"12,500\"\n4,\"2,000\"\n".utf8))
    expectError(
      try runKeepingInput(path, ["fit", "ols", "y ~ income", "--data", path]),
      mentions: ["\(path):3:2: value '1,000' in column 'income' has thousands separators", "remove the separators from the file (write 1000)"])
    #expect(try describeBody(path).contains("income    factor(4)"))
  }

  /// A `;` file with decimal commas fits as the same file with points and commas does.
  @Test func decimalCommas() throws {
    let points = "y,x\n1,1.5\n2.25,2.5\n2,2.75\n4.5,5\n5,4.25\n"
    let commas = points.replacingOccurrences(of: ",", with: ";").replacingOccurrences(of: ".", with: ",")
    let a = try temporaryBytes("points.csv", Array(points.utf8))
    let b = try temporaryBytes("commas.csv", Array(commas.utf8))
    #expect(try describeBody(a) == describeBody(b))
    let fa = try runKeepingInput(a, ["fit", "ols", "y ~ x", "--data", a])
    let fb = try runKeepingInput(b, ["fit", "ols", "y ~ x", "--data", b])
    #expect(fa.status == 0 && fb.status == 0, "\(fa.stderr) \(fb.stderr)")
    #expect(fa.stdout.replacingOccurrences(of: a, with: "DATA") == fb.stdout.replacingOccurrences(of: b, with: "DATA"))
  }

  /// Truncated Stata and SPSS files: exit 1 with a message naming the file, never a signal
  /// (one test, run in sequence: the runs are many). Not covered: an old-format `.dta` (≤ 115,
  /// no closing tag) that lost only the end of its value-label table reads without those labels
  /// (ReadStat does not notice and nothing in the file tells).
  @Test func truncatedStatFiles() throws {
    for fixture in ["labels.dta", "partial.dta", "latin1.dta", "labels.sav", "partial.sav"] {
      let full = try Array(Data(contentsOf: repositoryRoot.appendingPathComponent("Tests/Fixtures/data/\(fixture)")))
      let old = fixture.hasSuffix(".dta") && full.first != UInt8(ascii: "<")
      for cut in [0, 1, 10, 100, full.count / 2] + (old ? [] : [full.count - 1]) {
        let path = try temporaryBytes(fixture, Array(full.prefix(cut)))
        let run = try runKeepingInput(path, ["describe", path])
        let note = "\(fixture) cut at \(cut): status \(run.status), stderr: \(run.stderr)"
        #expect(run.status == 1 && run.stdout.isEmpty, "\(note)")
        #expect(run.stderr.hasPrefix("strata: error: cannot read \(path): "), "\(note)")
        let advice = run.stderr.contains("copy or export it again") || run.stderr.contains("give it that format's extension")
        #expect(advice, "\(note)")
        if fixture == "partial.dta" && cut >= 100 {
          #expect(run.stderr.contains("the file is truncated (it does not end with </stata_dta>"), "\(note)")
        }
      }
    }
  }

  /// A file under another format's extension names the file and the format it is not.
  @Test func wrongExtensions() throws {
    let csv = try Array(Data(contentsOf: repositoryRoot.appendingPathComponent("datasets/mroz.csv")))
    let dta = try Array(Data(contentsOf: repositoryRoot.appendingPathComponent("Tests/Fixtures/data/labels.dta")))
    let csvAsDta = try temporaryBytes("mroz.dta", csv)
    expectError(try runKeepingInput(csvAsDta, ["describe", csvAsDta]), mentions: ["\(csvAsDta): this is not a Stata .dta file"])
    let csvAsSav = try temporaryBytes("mroz.sav", csv)
    expectError(try runKeepingInput(csvAsSav, ["describe", csvAsSav]), mentions: ["\(csvAsSav): this is not an SPSS .sav/.zsav file"])
    let dtaAsCSV = try temporaryBytes("labels.csv", dta)
    expectError(try runKeepingInput(dtaAsCSV, ["describe", dtaAsCSV]), mentions: ["\(dtaAsCSV):1: NUL byte in the header"])
  }

  /// A CSV truncated by another process while `strata` reads it: a result or the error "changed
  /// while it was read", never a signal (the timing varies; the deterministic cases are in
  /// `CSVRobustnessTests`).
  @Test func truncatedByAnotherProcessWhileRead() throws {
    var text = "a,b,c\n"
    for i in 0..<300_000 { text += "\(i),\(i % 97),\(i % 13)\n" }
    for delay in [0, 20_000, 80_000, 200_000] {
      let path = try temporaryBytes("t.csv", Array(text.utf8))
      let process = Process()
      process.executableURL = try strataBinary()
      process.arguments = ["describe", path]
      let out = Pipe()
      let err = Pipe()
      process.standardOutput = out
      process.standardError = err
      try process.run()
      usleep(UInt32(delay))
      #expect(truncate(path, 1 << 16) == 0)
      let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      _ = out.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      #expect(process.terminationReason == .exit, "delay \(delay) µs: signal \(process.terminationStatus)")
      if process.terminationStatus != 0 {
        // Truncated during the read, or (the process started late) before it: then the 64 KiB
        // left end inside a record.
        let changed = stderr.contains("cannot read \(path): the file changed while it was read")
        let cut = stderr.contains("\(path):") && stderr.contains(": expected 3 fields, found ")
        #expect(changed || cut, "\(stderr)")
      }
    }
  }

  /// `--newdata` with a word in a numeric column names the file, line and field.
  @Test func newdataNonNumericValueNamesTheCell() throws {
    let data = try temporaryBytes("fit.csv", Array("y,x\n1,2\n2,3.5\n3,4\n4,4.5\n5,7\n6,8\n".utf8))
    let saved = URL(fileURLWithPath: data).deletingLastPathComponent().appendingPathComponent("fit.json").path
    let fit = try runKeepingInput(data, ["fit", "ols", "y ~ x", "--data", data, "--save", saved])
    #expect(fit.status == 0, "\(fit.stderr)")
    let newdata = try temporaryBytes("new.csv", Array("x\n1\nabc\n3\n".utf8))
    expectError(
      try runKeepingInput(newdata, ["predict", saved, "--newdata", newdata]),
      mentions: ["\(newdata):3:1: non-numeric value 'abc' in column 'x'"])
  }
}
