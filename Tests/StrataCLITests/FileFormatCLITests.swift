import Foundation
import Testing
import _StrataTestSupport

/// The R reference values of Tests/Fixtures/formats/reference.csv (make_format_fixtures.R):
/// quantity → (estimate, standard error).
func formatReference() throws -> [String: (Double, Double)] {
  let text = try String(
    contentsOf: repositoryRoot.appendingPathComponent("Tests/Fixtures/formats/reference.csv"), encoding: .utf8)
  var out: [String: (Double, Double)] = [:]
  for line in text.split(separator: "\n").dropFirst() {
    let f = line.split(separator: ",").map(String.init)
    guard f.count == 3, let e = Double(f[1]), let s = Double(f[2]) else { continue }
    out[f[0]] = (e, s)
  }
  return out
}

@Suite("File formats on the command line: .xpt, .sas7bdat, .gz, --output x.dta")
struct FileFormatCLITests {
  static let files = [
    "nhanes.csv", "nhanes.xpt", "nhanes.sas7bdat", "nhanes.dta", "nhanes.csv.gz", "nhanes.tsv.gz", "nhanes.dta.gz",
    "nhanes.xpt.gz",
  ]
  static let design = ["--weights", "WTMEC2YR", "--strata", "SDMVSTRA", "--psu", "SDMVPSU", "--nest"]

  func path(_ name: String) -> String { "Tests/Fixtures/formats/\(name)" }

  func close(_ a: Double?, _ b: Double, rtol: Double = 1e-8) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= rtol * abs(b)
  }

  @Test("strata describe reads each format, with labels", arguments: files)
  func describe(_ name: String) throws {
    let run = try runStrata(["describe", path(name)])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("1200"), "\(run.stdout)")
    for variable in ["SDMVPSU", "WTMEC2YR", "LBXTC", "EXAMDATE"] { #expect(run.stdout.contains(variable), "\(name)") }
    if !name.hasPrefix("nhanes.csv") && !name.hasPrefix("nhanes.tsv") {
      // Labels wrap in their column at 100 columns; their words, in order, are what is checked.
      #expect(flattened(run.stdout).contains("Full sample 2 year MEC exam weight"), "\(name)")
      #expect(flattened(run.stdout).contains("Total cholesterol (mg/dL)"), "\(name)")
    }
  }

  @Test("describe --format json gives the CSV's numbers for every format", arguments: files.dropFirst())
  func describeSameAsCSV(_ name: String) throws {
    func variables(_ file: String) throws -> [[String: Any]] {
      let run = try runStrata(["describe", path(file), "--format", "json"])
      #expect(run.status == 0, "\(run.stderr)")
      return try #require(jsonObject(run.stdout)["variables"] as? [[String: Any]])
    }
    let csv = try variables("nhanes.csv")
    let other = try variables(name)
    #expect(other.count == csv.count)
    for (a, b) in zip(other, csv) {
      #expect(a["name"] as? String == b["name"] as? String)
      #expect(a["n"] as? Int == b["n"] as? Int, "\(name) \(a["name"] ?? "")")
      for key in ["mean", "sd", "min", "max"] where b[key] != nil {
        #expect((a[key] as? NSNumber)?.doubleValue == (b[key] as? NSNumber)?.doubleValue, "\(name) \(key)")
      }
    }
  }

  @Test("design mean and svyglm logit on each format match R", arguments: files)
  func designNumbers(_ name: String) throws {
    let reference = try formatReference()
    let mean = try runStrata(["mean", "HI_CHOL", "--data", path(name), "--format", "json"] + Self.design)
    #expect(mean.status == 0, "\(mean.stderr)")
    let estimate = try #require((jsonObject(mean.stdout)["estimates"] as? [[String: Any]])?.first)
    let (m, se) = try #require(reference["mean_HI_CHOL"])
    #expect(close((estimate["estimate"] as? NSNumber)?.doubleValue, m), "\(name) mean")
    #expect(close((estimate["std_error"] as? NSNumber)?.doubleValue, se), "\(name) SE")

    let fit = try runStrata(
      ["fit", "logit", "HI_CHOL ~ race + RIAGENDR", "--data", path(name), "--format", "json"] + Self.design)
    #expect(fit.status == 0, "\(fit.stderr)")
    let coefficients = try #require(jsonObject(fit.stdout)["coefficients"] as? [[String: Any]])
    #expect(coefficients.count == 3)
    for c in coefficients {
      let term = try #require(c["term"] as? String)
      let (b, s) = try #require(reference["coef_\(term)"], "\(term)")
      #expect(close((c["estimate"] as? NSNumber)?.doubleValue, b, ), "\(name) \(term)")
      #expect(close((c["std_error"] as? NSNumber)?.doubleValue, s, ), "\(name) \(term) SE")
    }
  }

  @Test func errorsNameTheFile() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-formats-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let gz = try Data(contentsOf: repositoryRoot.appendingPathComponent(path("nhanes.csv.gz")))
    let cut = dir.appendingPathComponent("cut.csv.gz")
    try gz.prefix(gz.count / 2).write(to: cut)
    var run = try runStrata(["describe", cut.path])
    #expect(run.status != 0)
    #expect(
      run.stderr.contains(
        "cannot read \(cut.path): the gzip file is truncated: its compressed data stops at byte \(gz.count / 2)"),
      "\(run.stderr)")
    let fake = dir.appendingPathComponent("fake.xpt")
    try Data("a,b\n1,2\n".utf8).write(to: fake)
    run = try runStrata(["describe", fake.path])
    #expect(run.status != 0)
    #expect(run.stderr.contains("cannot read \(fake.path): this is not a SAS transport (.xpt) file"), "\(run.stderr)")
    run = try runStrata(["describe", "data.parquet"])
    #expect(run.stderr.contains("data.parquet: unsupported file format (expected .csv"), "\(run.stderr)")
  }

  // MARK: --output x.dta

  @Test func fitTableAsStata() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-formats-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("fit.dta").path
    let args = ["fit", "logit", "HI_CHOL ~ race + RIAGENDR", "--data", path("nhanes.xpt")] + Self.design
    let run = try runStrata(args + ["--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    let csv = try runStrata(args + ["--format", "csv"])
    // The .dta holds the --format csv table: read it back and compare with that CSV, term by term.
    let back = try runStrata(["describe", out, "--format", "json"])
    #expect(back.status == 0, "\(back.stderr)")
    let names = (jsonObject(back.stdout)["variables"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    #expect(names == ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"])
    // The estimate column holds the CSV's numbers: describe's mean, min and max of it are theirs.
    let rows = csv.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
    let estimates = rows.compactMap { Double($0[1]) }
    #expect(estimates.count == 3)
    let variables = jsonObject(back.stdout)["variables"] as? [[String: Any]] ?? []
    let estimate = variables.first { $0["name"] as? String == "estimate" } ?? [:]
    #expect(close((estimate["mean"] as? NSNumber)?.doubleValue, estimates.reduce(0, +) / 3, rtol: 1e-12))
    // (Foundation's JSON reader on Linux may misread the last bit of a 17-digit number: 1e-14.)
    #expect(close((estimate["min"] as? NSNumber)?.doubleValue, estimates.min() ?? .nan, rtol: 1e-14))
    #expect(close((estimate["max"] as? NSNumber)?.doubleValue, estimates.max() ?? .nan, rtol: 1e-14))
    // JSON is not a table.
    let json = try runStrata(args + ["--output", out, "--format", "json"])
    #expect(json.status != 0)
    #expect(json.stderr.contains("writes the results table as a Stata file, which JSON is not"), "\(json.stderr)")
  }

  @Test func meanTableAsStataAndBack() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-formats-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("Mean.DTA").path
    let args = ["mean", "HI_CHOL", "LBXTC", "--data", path("nhanes.dta.gz")] + Self.design
    let run = try runStrata(args + ["-o", out])
    #expect(run.status == 0, "\(run.stderr)")
    let header = try Data(contentsOf: URL(fileURLWithPath: out)).prefix(11)
    #expect(String(decoding: header, as: UTF8.self) == "<stata_dta>")
    let csv = try runStrata(args + ["--format", "csv"])
    let back = try runStrata(["describe", out, "--format", "csv"])
    #expect(back.status == 0, "\(back.stderr)")
    // Every column of the CSV table is in the .dta, with as many rows.
    let columns = csv.stdout.split(separator: "\n").first.map { $0.split(separator: ",").map(String.init) } ?? []
    for column in columns { #expect(back.stdout.contains("\n\(column),"), "\(column)") }
  }

  @Test func stataOutputNeverReplacesTheInput() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-formats-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("in.dta")
    try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent(path("nhanes.dta")), to: input)
    let before = try Data(contentsOf: input)
    let run = try runStrata(["mean", "HI_CHOL", "--data", input.path, "--output", input.path] + Self.design)
    #expect(run.status != 0)
    #expect(run.stderr.contains("is the input file"), "\(run.stderr)")
    #expect(try Data(contentsOf: input) == before)
  }
}
