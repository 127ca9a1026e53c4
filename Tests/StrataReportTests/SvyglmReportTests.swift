import Foundation
import StrataAnalysis
import StrataData
import StrataDesign
import StrataInference
import StrataReport
import Testing
import _StrataTestSupport

/// The R `svyglm` fixtures (`Tests/Fixtures/svyglm/make_svyglm_fixtures.R`, R survey 4.1-1)
/// fitted through `SurveyDesign.fit` and rendered by `StrataReport`: the JSON and CSV carry R's
/// numbers under broom's names, the model table carries them too, and the text is what
/// `strata fit` prints for the same fit. Tolerances as the CLI suite: linear models 1e-8
/// relative, GLMs 1e-6, p-values at least 1e-7.
@Suite("Reports of library fits against R svyglm")
struct SvyglmReportTests {
  static func cases() -> [ReferenceCase] { referenceCases("Tests/Fixtures/svyglm/svyglm_reference.json") }

  /// broom's `tidy()` columns, in order.
  static let broomNames = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]

  /// A fixture case fitted through the library, with the report context `strata fit` uses.
  struct Case {
    var arguments: [String]
    var fit: ModelFit
    var context: ReportContext
    var rtol: Double
  }

  /// The fixture's command line (`fit <model> <formula> --data … <design flags>`) as a
  /// `SurveyDesign` and a call of its `fit`.
  static func fitted(_ c: ReferenceCase) throws -> Case {
    let args = try #require(c.json["args"] as? [String])
    var flags: [String: String] = [:]
    var i = 3
    while i < args.count {
      flags[args[i]] = i + 1 < args.count ? args[i + 1] : ""
      i += 2
    }
    func list(_ key: String) -> [String] { flags[key].map { $0.split(separator: ",").map(String.init) } ?? [] }
    let path = try #require(flags["--data"])
    let data = try DataFrame(contentsOf: repositoryPath(path))
    var spec = DesignSpecification(weights: flags["--weights"], strata: flags["--strata"], psu: list("--psu"), fpc: list("--fpc"))
    if let columns = flags["--repweights"] {
      spec = DesignSpecification(weights: flags["--weights"])
      spec.replicateWeights = ReplicateSpecification(
        columns: [columns], type: try #require(ReplicateType(rawValue: flags["--reptype"] ?? "")), scale: nil,
        rscales: nil, rho: nil, mse: false)
    }
    let convention = try #require(Convention(rawValue: flags["--convention"] ?? "r"))
    var design = try SurveyDesign(data: data, specification: spec, convention: convention)
    if let subpop = flags["--subpop"] { design = try design.subpopulation(subpop) }
    let model = try #require(ModelKind(rawValue: args[1]))
    let fit = try design.fit(model, args[2])
    // As `strata fit`: the data source as given, variable labels from the data.
    var labels: [String: String] = [:]
    for column in data.columns { if let l = column.label, !l.isEmpty { labels[column.name] = l } }
    return Case(
      arguments: args, fit: fit, context: ReportContext(dataSource: path, labels: labels),
      rtol: model == .ols ? 1e-8 : 1e-6)
  }

  /// The fixture's value of `key` for each coefficient.
  static func expected(_ c: ReferenceCase, _ key: String) throws -> [Double] {
    try #require(c.json[key] as? [Double], "\(c.id): no \(key)")
  }

  static func tolerance(_ key: String, _ rtol: Double) -> Double { key == "p_value" ? max(rtol, 1e-7) : rtol }

  @Test func fixtureIsPresent() {
    #expect(Self.cases().count == 16)
  }

  /// `RegressionReport.json`: a `coefficients` array of objects with broom's names in order,
  /// holding R's numbers; the variance block names the design and its df.
  @Test(arguments: cases())
  func jsonCarriesSvyglmNumbers(_ c: ReferenceCase) throws {
    let f = try Self.fitted(c)
    let document = RegressionReport.json(f.fit.result, context: f.context)
    guard case .object(let top) = document else {
      Issue.record("\(c.id): the report is not a JSON object")
      return
    }
    guard case .array(let coefficients)? = top.first(where: { $0.0 == "coefficients" })?.1 else {
      Issue.record("\(c.id): no coefficients array")
      return
    }
    let terms = try #require(c.json["terms"] as? [String])
    #expect(coefficients.count == terms.count, "\(c.id) coefficient count")
    for (row, term) in zip(coefficients, terms) {
      guard case .object(let pairs) = row else {
        Issue.record("\(c.id): a coefficient is not an object")
        continue
      }
      #expect(pairs.map(\.0) == Self.broomNames, "\(c.id) names")
      if case .string(let t)? = pairs.first?.1 { #expect(t == term, "\(c.id) term") } else { Issue.record("\(c.id): term") }
    }
    for (position, key) in Self.broomNames.enumerated().dropFirst() {
      for (row, (e, term)) in zip(coefficients, zip(try Self.expected(c, key), terms)) {
        guard case .object(let pairs) = row, position < pairs.count, case .number(let x) = pairs[position].1 else {
          Issue.record("\(c.id) \(key) \(term): not a number")
          continue
        }
        expectClose(x, e, rtol: Self.tolerance(key, f.rtol), "\(c.id) JSON \(key) \(term)")
      }
    }
    // The serialized text reads back to the same numbers (full precision).
    let parsed = try JSONSerialization.jsonObject(with: Data(document.serialized().utf8)) as? [String: Any]
    let rows = try #require(parsed?["coefficients"] as? [[String: Any]])
    for (row, e) in zip(rows, try Self.expected(c, "std_error")) {
      expectClose(number(row["std_error"]), e, rtol: f.rtol, "\(c.id) serialized std_error \(row["term"] ?? "")")
    }
    let vce = try #require(parsed?["vce"] as? [String: Any])
    #expect(vce["type"] as? String == "design", "\(c.id) vce type")
    #expect(number(vce["df"]) == number(c.json["df"]), "\(c.id) df")
  }

  /// `RegressionReport.csv`: broom's header and one full-precision line per coefficient.
  @Test(arguments: cases())
  func csvCarriesSvyglmNumbers(_ c: ReferenceCase) throws {
    let f = try Self.fitted(c)
    let lines = RegressionReport.csv(f.fit.result).split(separator: "\n").map(String.init)
    let terms = try #require(c.json["terms"] as? [String])
    #expect(lines.first == Self.broomNames.joined(separator: ","), "\(c.id) header")
    #expect(lines.count == terms.count + 1, "\(c.id) line count")
    for (line, (i, term)) in zip(lines.dropFirst(), terms.enumerated()) {
      // Terms here have no commas or quotes (CSV quoting is the renderer's own test).
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      #expect(fields.count == Self.broomNames.count, "\(c.id) fields of \(term)")
      #expect(fields.first == term, "\(c.id) term")
      for (position, key) in Self.broomNames.enumerated().dropFirst() where position < fields.count {
        let e = try Self.expected(c, key)[i]
        expectClose(Double(fields[position]), e, rtol: Self.tolerance(key, f.rtol), "\(c.id) CSV \(key) \(term)")
      }
    }
  }

  /// The model table of the fit (as `strata table` builds it from a saved fit): its tidy JSON
  /// carries R's estimates and standard errors; its text shows every term.
  @Test(arguments: cases().filter { ["apistrat_ols", "apiclus1_logit", "apiclus2_ols_factor", "apiclus1_jk1_logit"].contains($0.id) })
  func modelTableCarriesSvyglmNumbers(_ c: ReferenceCase) throws {
    let f = try Self.fitted(c)
    let r = f.fit.result
    let summary = ModelSummary(
      name: c.id, model: f.arguments[1], estimates: r.coefficients.map {
        ModelSummary.Estimate(
          term: $0.term, estimate: $0.estimate, stdError: $0.stdError, statistic: $0.statistic, pValue: $0.pValue,
          confLow: $0.confLow, confHigh: $0.confHigh)
      }, nobs: r.statistics.nobs, variance: r.covariance.spec.name, level: r.level, usesNormal: r.covariance.usesNormal)
    let table = ModelTable(models: [summary])
    let parsed = try JSONSerialization.jsonObject(with: Data(table.json().serialized().utf8)) as? [String: Any]
    let estimates = try #require(parsed?["estimates"] as? [[String: Any]])
    let terms = try #require(c.json["terms"] as? [String])
    #expect(estimates.compactMap { $0["term"] as? String } == terms, "\(c.id) terms")
    for key in Self.broomNames.dropFirst() {
      for (row, e) in zip(estimates, try Self.expected(c, key)) {
        expectClose(number(row[key]), e, rtol: Self.tolerance(key, f.rtol), "\(c.id) table \(key) \(row["term"] ?? "")")
      }
    }
    let text = table.text()
    for term in terms { #expect(text.contains(term), "\(c.id): \(term) missing from the table text") }
  }

  /// `RegressionReport.text` of the library fit is what `strata fit` prints for the same command
  /// line (one run of the binary per case), compared with `textDifference`.
  @Test(arguments: cases())
  func textEqualsTheCommandLine(_ c: ReferenceCase) throws {
    let f = try Self.fitted(c)
    let text = RegressionReport.text(f.fit.result, context: f.context)
    var args = f.arguments
    if let format = args.firstIndex(of: "--format") { args.removeSubrange(format...min(format + 1, args.count - 1)) }
    let run = try runStrata(args)
    #expect(run.status == 0, "\(c.id): \(run.stderr)")
    if let difference = textDifference(text, run.stdout) { Issue.record("\(c.id): \(difference)") }
  }
}
