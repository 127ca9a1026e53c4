import Foundation
import Strata
import Testing
import _StrataTestSupport

@testable import StrataCLI

/// Issue 16 for designs and GLMs, through the `strata` binary with data made in each test:
/// results that do not depend on the weights' scale, clear errors for non-finite design columns,
/// replicate options, oversized replicate requests and FPCs that vary within a stratum, deff
/// without a design, and progress that appears only on a terminal.
@Suite("Design and GLM reliability (issue 16)")
struct DesignReliabilityTests {
  // MARK: - Data made in the test

  /// The package's SplitMix64 stream, for repeatable simulated surveys.
  struct Generator {
    var bits: SplitMix64
    init(state: UInt64) { bits = SplitMix64(state: state) }
    mutating func next() -> UInt64 { bits.next() }
    /// Uniform on (0, 1).
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }
    /// Standard normal (Box–Muller).
    mutating func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()) }
  }

  /// A stratified two-PSU-per-stratum survey of `n` rows with census-scale weights `w` (1e4–1e5,
  /// a population near 2.8e8 at n = 5000), the same weights times 1e6 (`wbig`) and divided by
  /// 1e4 (`wsmall`), and one outcome per model family.
  static func survey(rows n: Int, seed: UInt64) -> String {
    var g = Generator(state: seed)
    var lines = ["h,psu,w,wbig,wsmall,age,female,x,ybin,ycount,yfrac,ycont,yord,ycat"]
    for i in 0..<n {
      let h = i % 15 + 1
      let psu = (i / 15) % 2 + 1
      let w = 1e4 + 9e4 * g.uniform()
      let age = 20 + 60 * g.uniform()
      let female = g.uniform() < 0.5 ? 1 : 0
      let x = g.normal() + 0.1 * Double(h)
      let eta = -2.5 + 0.03 * (age - 50) + 0.4 * Double(female) + 0.3 * x
      let ybin = g.uniform() < 1 - exp(-exp(eta)) ? 1 : 0
      let lambda = exp(0.3 + 0.25 * x + 0.2 * Double(female))
      var count = 0
      var p = exp(-lambda)
      var cdf = p
      let u = g.uniform()
      while u > cdf && count < 100 {
        count += 1
        p *= lambda / Double(count)
        cdf += p
      }
      let yfrac = 1 / (1 + exp(-(0.2 * x - 0.3 + 0.5 * g.normal())))
      let ycont = 1 + 2 * x - 0.02 * age + g.normal()
      let latent = 0.6 * x + 0.5 * Double(female) + log(1 / g.uniform() - 1)
      let yord = latent < -0.5 ? 1 : latent < 1 ? 2 : 3
      let ycat = ["a", "b", "c"][min(2, Int(3 * (0.5 * g.uniform() + 0.5 / (1 + exp(-x)))))]
      let fields = [
        "\(h)", "\(h * 10 + psu)", num(w), num(w * 1e6), num(w / 1e4), num(age), "\(female)", num(x), "\(ybin)",
        "\(count)", num(yfrac), num(ycont), "\(yord)", ycat,
      ]
      lines.append(fields.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func num(_ v: Double) -> String { String(format: "%.17g", v) }

  /// Coefficient estimates and standard errors of `strata fit ... --format json`.
  static func coefficients(_ run: CLIRun) throws -> [(term: String, estimate: Double, se: Double)] {
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "stdout: \(run.stdout)")
    let rows = try #require(json["coefficients"] as? [[String: Any]])
    return rows.map {
      ($0["term"] as? String ?? "", ($0["estimate"] as? NSNumber)?.doubleValue ?? .nan,
       ($0["std_error"] as? NSNumber)?.doubleValue ?? .nan)
    }
  }

  func expectFailure(_ arguments: [String], mentions fragments: [String], sourceLocation: SourceLocation = #_sourceLocation)
    throws
  {
    let run = try runStrata(arguments)
    #expect(run.status != 0, "exit status", sourceLocation: sourceLocation)
    #expect(run.stdout.isEmpty, "stdout: \(run.stdout)", sourceLocation: sourceLocation)
    #expect(!run.stderr.contains("Signal") && !run.stderr.contains("crashed"), "\(run.stderr)", sourceLocation: sourceLocation)
    for f in fragments {
      #expect(run.stderr.contains(f), "'\(f)' not in: \(run.stderr)", sourceLocation: sourceLocation)
    }
  }

  // MARK: - 1. Results do not depend on the weights' scale

  /// Every model `strata fit` offers with weights, its formula on the simulated survey.
  static let models: [(model: String, formula: String)] = [
    ("logit", "ybin ~ x + female + age"), ("probit", "ybin ~ x + female + age"),
    ("cloglog", "ybin ~ x + female + age"), ("poisson", "ycount ~ x + female"),
    ("fraclogit", "yfrac ~ x + female"), ("fracprobit", "yfrac ~ x + female"),
    ("ols", "ycont ~ x + age"), ("wls", "ycont ~ x + age"),
    ("ologit", "yord ~ x + female"), ("oprobit", "yord ~ x + female"), ("mlogit", "ycat ~ x + female"),
  ]

  /// Weights × 1e6 leave estimates and SEs unchanged to 1e-9 (relative), with a design
  /// (design-based SEs) and with plain `--weights` (robust SEs; for least squares also the
  /// classical ones). The classical SEs of a binomial or Poisson GLM with prior weights do
  /// scale with them, as R's glm — the weights count observations there.
  @Test(arguments: models.map(\.model))
  func weightScaleInvariance(_ model: String) throws {
    let path = try temporaryFile("survey.csv", Self.survey(rows: 1500, seed: 16))
    let formula = Self.models.first { $0.model == model }?.formula ?? ""
    var variants: [[String]] = [["--strata", "h", "--psu", "psu"], ["--vce", "robust"]]
    if model == "ols" || model == "wls" { variants.append([]) }
    for extra in variants {
      func fit(_ weights: String) throws -> [(term: String, estimate: Double, se: Double)] {
        let run = try runStrata(["fit", model, formula, "--data", path, "--weights", weights, "--format", "json"] + extra)
        #expect(run.status == 0, "\(model) \(extra) --weights \(weights): \(run.stderr)")
        return try Self.coefficients(run)
      }
      let base = try fit("w")
      let big = try fit("wbig")
      try #require(base.count == big.count && !base.isEmpty, "\(model) \(extra): \(base.count) vs \(big.count) terms")
      for (a, b) in zip(big, base) {
        #expect(a.term == b.term)
        expectClose(a.estimate, b.estimate, rtol: 1e-9, "\(model) \(extra) \(a.term) estimate, weights × 1e6")
        expectClose(a.se, b.se, rtol: 1e-9, "\(model) \(extra) \(a.term) SE, weights × 1e6")
      }
    }
  }

  /// The NHANES-like case: a design-based cloglog fit on a domain, weights 1e4–1e5 summing to
  /// about 2.8e8. It converges, and equals the fits with the weights divided by 1e4 and
  /// multiplied by 1e6. (Before IRLS normalized the weights, the last one stopped with "could not
  /// reduce the deviance": R's binomial starting values (w y + 0.5)/(w + 1) sit within 1e-10 of
  /// 0 and 1 at such weights.)
  @Test func censusScaleDomainCloglog() throws {
    let path = try temporaryFile("nhanes-like.csv", Self.survey(rows: 5000, seed: 2026))
    func fit(_ weights: String) throws -> [(term: String, estimate: Double, se: Double)] {
      let run = try runStrata([
        "fit", "cloglog", "ybin ~ age + female + x", "--data", path, "--weights", weights, "--strata", "h",
        "--psu", "psu", "--subpop", "age >= 40", "--format", "json",
      ])
      #expect(run.status == 0, "--weights \(weights): \(run.stderr)")
      return try Self.coefficients(run)
    }
    let census = try fit("w")
    for (weights, label) in [("wsmall", "weights / 1e4"), ("wbig", "weights × 1e6")] {
      let other = try fit(weights)
      try #require(census.count == 4 && other.count == 4)
      for (a, b) in zip(other, census) {
        expectClose(a.estimate, b.estimate, rtol: 1e-9, "\(a.term) estimate, \(label)")
        expectClose(a.se, b.se, rtol: 1e-9, "\(a.term) SE, \(label)")
      }
    }
    // The simulated slopes (0.03 per year of age, 0.4 for female, 0.3 for x) are recovered.
    let age = try #require(census.first { $0.term == "age" })
    #expect(abs(age.estimate - 0.03) < 4 * age.se, "age: \(age.estimate) ± \(age.se)")
  }

  // MARK: - 2. Non-finite design columns

  static let small = "h,psu,w,r1,r2,f,y\n1,1,2,2,0,10,1\n1,2,2,0,4,10,2\n2,3,3,3,0,20,3\n2,4,3,0,6,20,5\n2,5,3,3,3,20,4\n"

  /// Replaces field `column` of data row `row` (1-based) of `small`.
  static func small(setting column: String, row: Int, to value: String) -> String {
    var lines = small.split(separator: "\n").map(String.init)
    let header = lines[0].split(separator: ",").map(String.init)
    var fields = lines[row].split(separator: ",").map(String.init)
    if let j = header.firstIndex(of: column) { fields[j] = value }
    lines[row] = fields.joined(separator: ",")
    return lines.joined(separator: "\n") + "\n"
  }

  @Test func nonFiniteDesignColumnsAreNamed() throws {
    let cases: [(column: String, value: String, flags: [String], message: String)] = [
      ("w", "Inf", ["--weights", "w"], "design variable 'w' is Inf at row 3"),
      ("w", "-Inf", ["--weights", "w", "--strata", "h"], "design variable 'w' is -Inf at row 3"),
      ("h", "Inf", ["--weights", "w", "--strata", "h"], "design variable 'h' is Inf at row 3"),
      ("psu", "-Inf", ["--weights", "w", "--psu", "psu"], "design variable 'psu' is -Inf at row 3"),
      ("f", "-Inf", ["--strata", "h", "--fpc", "f"], "design variable 'f' is -Inf at row 3"),
      ("r2", "Inf", ["--weights", "w", "--repweights", "r1,r2", "--reptype", "jk1"], "design variable 'r2' is Inf at row 3"),
    ]
    for c in cases {
      let text = Self.small(setting: c.column, row: 3, to: c.value)
      let path = try temporaryFile("nonfinite.csv", text)
      try expectFailure(["mean", "y", "--data", path] + c.flags, mentions: [c.message, "1 non-finite value(s)", "finite"])
      #expect(!(try runStrata(["mean", "y", "--data", path] + c.flags).stderr.contains("negative")))
      #expect(try String(contentsOfFile: path, encoding: .utf8) == text, "input unchanged")
    }
    // Through `strata fit` with a design as well.
    let path = try temporaryFile("nonfinite.csv", Self.small(setting: "w", row: 2, to: "Inf"))
    try expectFailure(["fit", "ols", "y ~ h", "--data", path, "--weights", "w", "--psu", "psu"],
      mentions: ["design variable 'w' is Inf at row 2"])
    // An infinite FPC is an infinite population (no correction), as in R.
    let inf = try runStrata(["mean", "y", "--data", try temporaryFile("fpcinf.csv", Self.small(setting: "f", row: 1, to: "Inf")
      .replacingOccurrences(of: "1,2,2,0,4,10,2", with: "1,2,2,0,4,Inf,2")), "--strata", "h", "--fpc", "f"])
    #expect(inf.status == 0, "\(inf.stderr)")
  }

  @Test func zeroAndNegativeWeightsKeepTheirMessages() throws {
    let negative = try temporaryFile("neg.csv", Self.small(setting: "w", row: 2, to: "-1"))
    try expectFailure(["mean", "y", "--data", negative, "--weights", "w"], mentions: ["'w' is negative at row 2"])
    let zero = try temporaryFile("zero.csv", "w,y\n0,1\n0,2\n0,3\n")
    try expectFailure(["mean", "y", "--data", zero, "--weights", "w"], mentions: ["every sampling weight in 'w' is zero"])
    let negativeReplicate = try temporaryFile("negrep.csv", Self.small(setting: "r1", row: 1, to: "-2"))
    try expectFailure(["mean", "y", "--data", negativeReplicate, "--weights", "w", "--repweights", "r1,r2", "--reptype", "jk1"],
      mentions: ["replicate weight 'r1' is negative at row 1"])
  }

  // MARK: - 3. Replicate scales

  @Test func replicateOptionsAreValidated() throws {
    let path = try temporaryFile("rep.csv", Self.small)
    let rep = ["mean", "y", "--data", path, "--weights", "w", "--repweights", "r1,r2"]
    try expectFailure(rep + ["--reptype", "jk1", "--scale", "nan"], mentions: ["--scale must be a finite positive number"])
    try expectFailure(rep + ["--reptype", "jk1", "--scale", "inf"], mentions: ["--scale must be a finite positive number"])
    try expectFailure(rep + ["--reptype", "jk1", "--scale", "0"], mentions: ["--scale must be a finite positive number"])
    try expectFailure(rep + ["--reptype", "jk1", "--scale=-2"], mentions: ["--scale must be a finite positive number"])
    try expectFailure(rep + ["--reptype", "jkn", "--rscales", "1,2,3"],
      mentions: ["--rscales has 3 values for 2 replicate-weight columns"])
    try expectFailure(rep + ["--reptype", "jkn", "--rscales", "0.5,nan"], mentions: ["--rscales value 2 is nan"])
    try expectFailure(rep + ["--reptype", "jkn", "--rscales", "0.5,-1"], mentions: ["--rscales value 2 is -1"])
    try expectFailure(rep + ["--reptype", "jkn", "--rscales", "0,0"], mentions: ["--rscales are all zero"])
    try expectFailure(rep + ["--reptype", "jkn", "--rscales", "0.5,abc"], mentions: ["'abc' is not a number"])
    for rho in ["1", "nan", "-0.5", "inf"] {
      try expectFailure(rep + ["--reptype", "fay", "--rho=\(rho)"], mentions: ["--rho must be in [0, 1)"])
    }
    for reps in ["0", "1", "-3"] {
      try expectFailure(["mean", "y", "--data", path, "--psu", "psu", "--replicate", "bootstrap", "--reps=\(reps)"],
        mentions: ["--reps must be at least 2"])
    }
    // A valid declaration still runs.
    let ok = try runStrata(rep + ["--reptype", "jkn", "--rscales", "0.5,0.5"])
    #expect(ok.status == 0, "\(ok.stderr)")
  }

  // MARK: - 4. Bounded replicates

  @Test func hugeBootstrapIsRefusedBeforeAllocating() throws {
    let path = try temporaryFile("boot.csv", Self.small)
    try expectFailure(
      ["mean", "y", "--data", path, "--psu", "psu", "--replicate", "bootstrap", "--reps", "1000000000"],
      mentions: ["--reps 1000000000 needs 80 GB of replicate weights", "(5 rows + 5 PSUs)", "use at most --reps 50000000",
        "the limit is 4 GB"])
    try expectFailure(
      ["fit", "ols", "y ~ h", "--data", path, "--psu", "psu", "--replicate", "bootstrap", "--reps", "1000000000"],
      mentions: ["--reps 1000000000 needs 80 GB"])
    // At the limit's scale but allowed: a modest request runs.
    let ok = try runStrata(["mean", "y", "--data", path, "--psu", "psu", "--replicate", "bootstrap", "--reps", "200"])
    #expect(ok.status == 0, "\(ok.stderr)")
  }

  // MARK: - 5. Deff with plain weights and without a design

  /// `strata mean/total/prop/ratio --weights pw` against R `svydesign(ids = ~1, weights = ~pw)`
  /// (`Tests/Fixtures/design/make_deff_fixture.R`); without weights the deff is 1, not Inf.
  @Test func deffMatchesRWithPlainWeights() throws {
    let fixture = try loadFixture("Tests/Fixtures/design/deff_reference.json")
    let cases = try #require(fixture["cases"] as? [[String: Any]])
    func reference(_ name: String) throws -> (estimate: Double, se: Double, deff: Double) {
      let c = try #require(cases.first { $0["name"] as? String == name }, "\(name) in deff_reference.json")
      return (number(c["estimate"]) ?? .nan, number(c["std_error"]) ?? .nan, number(c["deff"]) ?? .nan)
    }
    func estimates(_ arguments: [String]) throws -> [[String: Any]] {
      let run = try runStrata(arguments + ["--data", "datasets/apistrat.csv", "--format", "json"])
      #expect(run.status == 0, "\(run.stderr)")
      let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
      return json["estimates"] as? [[String: Any]] ?? []
    }
    // Closed-form estimators: Strata and R differ by summation order only.
    func check(_ got: [String: Any]?, _ name: String) throws {
      let want = try reference(name)
      expectClose(number(got?["estimate"]), want.estimate, rtol: 1e-10, "\(name) estimate")
      expectClose(number(got?["std_error"]), want.se, rtol: 1e-10, "\(name) SE")
      expectClose(number(got?["deff"]), want.deff, rtol: 1e-10, "\(name) deff")
    }
    try check(try estimates(["mean", "api00", "--weights", "pw"]).first, "weighted_mean_api00")
    try check(try estimates(["total", "enroll", "--weights", "pw"]).first, "weighted_total_enroll")
    let props = try estimates(["prop", "stype", "--weights", "pw"])
    for level in ["E", "H", "M"] {
      try check(props.first { $0["level"] as? String == level }, "weighted_prop_stype\(level)")
    }
    try check(try estimates(["ratio", "api.stu/enroll", "--weights", "pw"]).first, "weighted_ratio_api.stu/enroll")
    // No weights, no design: R's default deff is Inf here; Strata's is R's deff = "replace", 1.
    try check(try estimates(["mean", "api00"]).first, "equal_mean_api00_replace")
    let text = try runStrata(["mean", "api00", "--data", "datasets/apistrat.csv"])
    #expect(!text.stdout.contains("Inf"), "\(text.stdout)")
    #expect(text.stdout.contains("deff compares with simple random sampling with replacement"))
  }

  // MARK: - 6. FPC varying within a stratum

  @Test func fpcVaryingWithinStratumNamesIt() throws {
    let text = "h,y,f\nA,1,100\nA,2,100\nB,3,50\nB,4,60\nB,5,50\n"
    let path = try temporaryFile("fpc.csv", text)
    try expectFailure(["mean", "y", "--data", path, "--strata", "h", "--fpc", "f"],
      mentions: ["FPC 'f' varies within stratum 'B' at stage 1 (row 3: 50, row 4: 60)", "one population size"])
    try expectFailure(["fit", "ols", "y ~ 1", "--data", path, "--strata", "h", "--fpc", "f"], mentions: ["stratum 'B'"])
    // Sampling fractions too, and the second stage of a two-stage design.
    let fractions = try temporaryFile("fpc2.csv", "h,y,f\nA,1,0.1\nA,2,0.1\nB,3,0.2\nB,4,0.25\n")
    try expectFailure(["mean", "y", "--data", fractions, "--strata", "h", "--fpc", "f"],
      mentions: ["varies within stratum 'B'", "row 3: 0.2, row 4: 0.25"])
    let twoStage = try temporaryFile(
      "fpc3.csv", "d,s,y,f1,f2\n1,1,1,10,5\n1,2,2,10,5\n2,3,3,10,6\n2,4,4,10,7\n3,5,5,10,4\n3,6,6,10,4\n")
    try expectFailure(["mean", "y", "--data", twoStage, "--psu", "d,s", "--fpc", "f1,f2"],
      mentions: ["FPC 'f2' varies within stratum", "at stage 2 (row 3: 6, row 4: 7)"])
    #expect(try String(contentsOfFile: path, encoding: .utf8) == text, "input unchanged")
  }

  // MARK: - 7. Numeric options

  @Test func numericOptionsAreValidated() throws {
    let path = try temporaryFile("opts.csv", Self.small)
    let glm = ["fit", "poisson", "y ~ h", "--data", path]
    for bad in [["--maxiter", "0"], ["--maxiter=-5"]] {
      try expectFailure(glm + bad, mentions: ["--maxiter must be at least 1"])
      try expectFailure(["fit", "ologit", "y ~ h", "--data", path] + bad, mentions: ["--maxiter must be at least 1"])
    }
    for bad in [["--tol=-1"], ["--tol", "nan"], ["--tol", "0"], ["--tol", "2"]] {
      try expectFailure(glm + bad, mentions: ["--tol must be between 0 and 1"])
    }
    for bad in [["--level", "100"], ["--level", "nan"], ["--level=-5"], ["--level", "0"]] {
      try expectFailure(glm + bad, mentions: ["--level must be between 0 and 100"])
      try expectFailure(["mean", "y", "--data", path] + bad, mentions: ["--level must be between 0 and 100"])
    }
  }

  // MARK: - 8. Progress

  /// With stderr not a terminal (a pipe here), long replicate work prints nothing but its result.
  @Test func noProgressWhenStandardErrorIsNotATerminal() throws {
    let path = try temporaryFile("progress.csv", Self.survey(rows: 600, seed: 5))
    let run = try runStrata([
      "fit", "logit", "ybin ~ x + female", "--data", path, "--weights", "w", "--strata", "h", "--psu", "psu",
      "--replicate", "bootstrap", "--reps", "400",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.isEmpty, "stderr: \(run.stderr)")
    #expect(!run.stdout.contains("%") || !run.stdout.contains("left"))
  }

  /// util-linux `script`, which runs a command on a new pseudo-terminal.
  static let script = ["/usr/bin/script", "/bin/script"].first { FileManager.default.isExecutableFile(atPath: $0) }

  /// On a terminal (a pseudo-terminal from `script` here), replicate refits that take more than
  /// half a second draw a percent and an ETA, redrawn in place and cleared at the end; the
  /// result (written with --output) has no trace of them.
  @Test(.enabled(if: script != nil, "needs util-linux script for a pseudo-terminal"))
  func progressOnATerminal() throws {
    let path = try temporaryFile("progress.csv", Self.survey(rows: 3000, seed: 7))
    let folder = (path as NSString).deletingLastPathComponent
    let result = (folder as NSString).appendingPathComponent("result.txt")
    let typescript = (folder as NSString).appendingPathComponent("typescript")
    let command = [
      try strataBinary().path, "fit", "logit", "'ybin ~ x + female + age'", "--data", path, "--weights", "w",
      "--strata", "h", "--psu", "psu", "--replicate", "bootstrap", "--reps", "1000", "--output", result,
    ].joined(separator: " ")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(Self.script))
    process.arguments = ["-q", "-e", "-c", command, typescript]
    process.currentDirectoryURL = repositoryRoot
    let out = Pipe()
    process.standardOutput = out
    process.standardError = Pipe()
    process.standardInput = Pipe()
    try process.run()
    let terminal = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(terminal)")
    let written = try String(contentsOfFile: result, encoding: .utf8)
    #expect(written.contains("Design-based Wald"), "\(written)")
    #expect(!written.contains("\u{1B}") && !written.contains("replicate refits"), "no progress in the result")
    let lines = terminal.components(separatedBy: "\r\u{1B}[K").filter { !$0.isEmpty }
    #expect(!lines.isEmpty, "no progress drawn: \(terminal.debugDescription)")
    #expect(lines.allSatisfy { $0.hasPrefix("replicate refits") && $0.contains("% (") }, "\(lines)")
    #expect(lines.contains { $0.contains("left") }, "an ETA: \(lines)")
    #expect(terminal.hasSuffix("\r\u{1B}[K"), "line cleared at the end: \(terminal.suffix(80).debugDescription)")
  }

  /// The reporter's line: task, percent, counts, ETA; at most ten redraws a second; nothing for
  /// work shorter than half a second; the line cleared at the end.
  @Test func progressLineFormatAndThrottle() {
    #expect(
      ProgressLine.format(WorkProgress(task: "replicate refits", completed: 21, total: 50), elapsed: 9)
        == "replicate refits  42% (21/50), about 13 s left")
    #expect(
      ProgressLine.format(WorkProgress(task: "bootstrap", completed: 1, total: 1000), elapsed: 0.2)
        == "bootstrap   0% (1/1000), about 3 min 20 s left")
    #expect(ProgressLine.format(WorkProgress(task: "bootstrap", completed: 1000, total: 1000), elapsed: 30) == "bootstrap 100% (1000/1000)")
    #expect(ProgressLine.duration(3725) == "1 h 02 min")

    final class Box: @unchecked Sendable {
      var out: [String] = []
      var time = 0.0
    }
    let box = Box()
    let line = ProgressLine(write: { box.out.append($0) }, now: { box.time })
    let total = 1000
    for k in 1...total {
      box.time = Double(k) / 500  // 2 s of work in 1000 steps
      line.update(WorkProgress(task: "replicate refits", completed: k, total: total))
    }
    // Nothing in the first half second; then at most one redraw per 0.1 s: about 15 over 1.5 s.
    #expect((14...16).contains(box.out.count), "\(box.out.count) redraws")
    #expect(box.out.allSatisfy { $0.hasPrefix("\r\u{1B}[Kreplicate refits ") })
    #expect(box.out.first?.contains("25% (250/1000)") ?? false, "\(box.out.first ?? "")")
    line.finish()
    #expect(box.out.last == "\r\u{1B}[K")

    // Short work draws nothing and clears nothing.
    let quiet = Box()
    let short = ProgressLine(write: { quiet.out.append($0) }, now: { quiet.time })
    for k in 1...10 {
      quiet.time = Double(k) * 0.01
      short.update(WorkProgress(task: "bootstrap", completed: k, total: 10))
    }
    short.finish()
    #expect(quiet.out.isEmpty)
  }
}
