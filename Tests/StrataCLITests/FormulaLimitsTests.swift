import Foundation
import Testing
import _StrataTestSupport

/// Formulas and expressions that crashed the process (stack overflow, integer traps, a model
/// matrix larger than memory) end in one clear error naming the column, term and limit; `.`
/// expands as R does; rows lost to `log()` of negative values are told apart from missing ones.
/// Every input is made here, and every input file is checked unchanged.
@Suite("formula limits through the CLI")
struct FormulaLimitsCLITests {
  /// The limit of `FormulaLimits.maximumDepth`, as documented in Guides/Reliability.md.
  static let depthLimit = 1024  // FormulaLimits.maximumDepth

  /// A CSV of `rows` rows with columns y, x, z (and a text column g with `groups` levels).
  func dataFile(rows: Int = 60, groups: Int = 4) throws -> String {
    var text = "y,x,z,g\n"
    for i in 0..<rows {
      let x = Double(i % 17) / 4 + 0.5
      let z = Double((i * 7) % 13)
      let y = 1 + 0.3 * x - 0.1 * z + Double((i * 5) % 9) / 10
      text += "\(y),\(x),\(z),G\(i % groups)\n"
    }
    return try temporaryFile("data.csv", text)
  }

  /// Runs strata, expecting a clear error with `fragments`, and checks `input` is unchanged.
  @discardableResult
  func expectError(
    _ arguments: [String], input: String, mentions fragments: [String],
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> CLIRun {
    let before = try Data(contentsOf: URL(fileURLWithPath: input))
    let run = try runStrata(arguments)
    #expect(run.status == 1, "exit status \(run.status): \(run.stderr.prefix(400))", sourceLocation: sourceLocation)
    #expect(run.stdout.isEmpty, "stdout: \(run.stdout.prefix(200))", sourceLocation: sourceLocation)
    #expect(run.stderr.hasPrefix("strata: error: "), "stderr: \(run.stderr.prefix(400))", sourceLocation: sourceLocation)
    for f in fragments {
      #expect(run.stderr.contains(f), "'\(f)' not in: \(run.stderr.prefix(600))", sourceLocation: sourceLocation)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before, "input changed", sourceLocation: sourceLocation)
    return run
  }

  @Test func nestedParenthesesInAFormula() throws {
    let data = try dataFile()
    let formula = "y ~ " + String(repeating: "(", count: 30_000) + "x" + String(repeating: ")", count: 30_000)
    let run = try expectError(
      ["fit", "ols", formula, "--data", data], input: data,
      mentions: ["expression nested too deeply at column \(4 + Self.depthLimit + 1)", "more than \(Self.depthLimit) levels"])
    #expect(run.stderr.count < 1_000, "the message quotes a window of the formula, not all of it")
  }

  @Test func longChainInsideI() throws {
    let data = try dataFile()
    let formula = "y ~ I(a" + String(repeating: "+1", count: 40_000) + ")"
    try expectError(["fit", "ols", formula, "--data", data], input: data, mentions: ["nested too deeply", "column "])
  }

  @Test func unaryMinusSignsInSubset() throws {
    let data = try dataFile()
    let subset = String(repeating: "-", count: 50_000) + "x > 0"
    try expectError(
      ["fit", "ols", "y ~ x", "--data", data, "--subset=" + subset], input: data,
      mentions: ["nested too deeply at column \(Self.depthLimit + 1)"])
  }

  @Test func deepScenario() throws {
    let data = try dataFile()
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-limits-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let saved = dir.appendingPathComponent("fit.json").path
    let fit = try runStrata(["fit", "ols", "y ~ x + z", "--data", data, "--save", saved])
    #expect(fit.status == 0, "\(fit.stderr)")
    let scenario = "x = " + String(repeating: "(", count: 20_000) + "x" + String(repeating: ")", count: 20_000)
    try expectError(
      ["predict", saved, "--scenario", scenario], input: saved,
      mentions: ["nested too deeply at column \(4 + Self.depthLimit + 1)"])
  }

  /// Just under the limit every pass works, including margins, which differentiates the
  /// formula on two worker threads (blocks of 16,384 rows, two threads from 65,536 rows).
  @Test func deepButAllowedFormulaOnWorkerThreads() throws {
    let data = try dataFile(rows: 70_000)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-limits-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let saved = dir.appendingPathComponent("deep.json").path
    // I( is one level, x + 1 + ... a chain of limit − 3 operators: limit − 1 levels in all.
    let formula = "y ~ I(x" + String(repeating: " + 1", count: Self.depthLimit - 3) + ") + z"
    let fit = try runStrata(["fit", "ols", formula, "--data", data, "--save", saved])
    #expect(fit.status == 0, "\(fit.stderr.prefix(600))")
    let margins = try runStrata(["margins", saved, "--format", "json"])
    #expect(margins.status == 0, "\(margins.stderr.prefix(600))")
    // y depends on x with slope 0.3 by construction (plus a small periodic term).
    #expect(margins.stdout.contains("\"x\""), "\(margins.stdout.prefix(400))")
    // One level more is refused.
    let tooDeep = "y ~ I(x" + String(repeating: " + 1", count: Self.depthLimit - 1) + ") + z"
    try expectError(["fit", "ols", tooDeep, "--data", data], input: data, mentions: ["more than \(Self.depthLimit) levels"])
  }

  @Test func hugePolynomialDegreeAndPower() throws {
    let data = try dataFile()
    try expectError(
      ["fit", "ols", "y ~ poly(x, 9223372036854775807, raw = TRUE)", "--data", data], input: data,
      mentions: ["in 'poly(x, ", "expected a whole polynomial degree from 1 to 100"])
    try expectError(
      ["fit", "ols", "y ~ (x + z)^99999999999999999999", "--data", data], input: data,
      mentions: ["invalid number 1e+20 in '(x + z)^1e+20'", "from 2 to 2147483647"])
    try expectError(
      ["fit", "ols", "y ~ poly(x, -2, raw = TRUE)", "--data", data], input: data,
      mentions: ["invalid number -2", "polynomial degree"])
  }

  /// 120,000 rows, each its own level of g: a 230 GB model, refused before allocating.
  @Test func factorWithTooManyLevels() throws {
    var text = "y,x,g\n"
    text.reserveCapacity(120_000 * 20)
    for i in 0..<120_000 { text += "\((i * 7) % 13),\((i * 3) % 11),L\(i)\n" }
    let data = try temporaryFile("levels.csv", text)
    try expectError(
      ["fit", "ols", "y ~ x + factor(g)", "--data", data], input: data,
      mentions: [
        "the model needs 230 GB", "120,000 rows × 120,001 columns", "factor(g) has 120,000 levels",
        "absorb it as a fixed effect with '| g'",
      ])
  }

  @Test func dotExpandsToTheOtherColumns() throws {
    let data = try dataFile()
    let run = try runStrata(["fit", "ols", "y ~ .", "--data", data, "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    // R: names(coef(lm(y ~ ., d))) with g a character column of levels G0..G3.
    let names = ["(Intercept)", "x", "z", "gG1", "gG2", "gG3"]
    var last = run.stdout.startIndex
    for name in names {
      guard let r = run.stdout.range(of: "\"\(name)\"", range: last..<run.stdout.endIndex) else {
        Issue.record("'\(name)' missing or out of order in \(run.stdout.prefix(800))")
        return
      }
      last = r.upperBound
    }
    try expectError(["fit", "ols", "y ~ log(.)", "--data", data], input: data, mentions: ["'.' stands for all other columns"])
    try expectError(
      ["fit", "ols", "y ~ . | g", "--data", data], input: data,
      mentions: ["invalid '.' in formula", "only in a one-part formula", "at column 5"])
  }

  @Test func logOfNegativeValuesCountedApartFromMissing() throws {
    var text = "y,income,x\n"
    for i in 0..<40 {
      let income = i < 3 ? "-5" : String((i + 1) * 100)
      let x = (3..<12).contains(i) ? "NA" : String(i % 7)
      text += "\(i % 5),\(income),\(x)\n"
    }
    let data = try temporaryFile("income.csv", text)
    let before = try Data(contentsOf: URL(fileURLWithPath: data))
    let run = try runStrata(["fit", "ols", "y ~ log(income) + x", "--data", data])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(
      (run.stdout + run.stderr).contains(
        "12 row(s) dropped: log(income) of negative values (NaN) in 3, missing values in 9"),
      "\(run.stdout.prefix(1200))")
    #expect(try Data(contentsOf: URL(fileURLWithPath: data)) == before)
  }

  @Test func tabOfAVariableWithItself() throws {
    let data = try dataFile()
    try expectError(
      ["tab", "g", "g", "--data", data], input: data,
      mentions: ["tab needs two different variables", "'g' is both the row and the column variable", "strata prop g"])
  }
}
