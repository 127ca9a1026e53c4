import Foundation
import StrataLinalg
import StrataModels

/// A fit's estimates as tests and combinations after estimation need them: the coefficients,
/// their covariance and degrees of freedom, and which model term each column belongs to.
///
///     let post = PostEstimation(result: fit.result)
///     let t = try post.test(terms: ["ell", "meals"])       // R regTermTest(m, ~ell + meals)
///     let c = post.combination(label: "ell - meals", value: v, gradient: g)
///
/// Built from a live `RegressionResult` (`init(result:)`) or from a saved fit's fields.
public struct PostEstimation: Sendable {
  /// Every model-matrix column (aliased ones included).
  public var columns: [String]
  /// Indices of the estimated columns.
  public var kept: [Int]
  /// The kept coefficients.
  public var coefficients: [Double]
  /// Their covariance (kept × kept).
  public var covariance: Matrix
  /// Degrees of freedom of t and F tests (infinity: z and χ² tests).
  public var degreesOfFreedom: Double
  /// The model's term labels (R's `term.labels`), and for each column the 1-based index of its
  /// term (0: the intercept), as R's `assign`. Empty when unknown (then terms are columns).
  public var termLabels: [String]
  public var assign: [Int]
  /// A design-based fit under Stata's convention: the design df `d`, for the adjusted Wald F
  /// `(d − q + 1) W / (d q)` on `(q, d − q + 1)` (Stata `svy: test`); nil otherwise.
  public var adjustedDesignDF: Int?
  /// Confidence level in percent.
  public var level: Double

  public init(
    columns: [String], kept: [Int], coefficients: [Double], covariance: Matrix, degreesOfFreedom: Double,
    termLabels: [String], assign: [Int], adjustedDesignDF: Int? = nil, level: Double = 95
  ) {
    self.columns = columns
    self.kept = kept
    self.coefficients = coefficients
    self.covariance = covariance
    self.degreesOfFreedom = degreesOfFreedom
    self.termLabels = termLabels
    self.assign = assign
    self.adjustedDesignDF = adjustedDesignDF
    self.level = level
  }

  /// The estimates of a fit with its covariance (terms from the fit's recipe).
  public init(result: RegressionResult) {
    let fit = result.fit
    var stataDF: Int?
    if case .design(let request) = result.covariance.spec, request.convention == .stata {
      stataDF = result.covariance.designDegreesOfFreedom
    }
    let recipe = fit.recipe
    let matches = recipe.map { $0.assign.count == fit.terms.count } ?? false
    self.init(
      columns: fit.terms, kept: fit.kept, coefficients: fit.keptCoefficients, covariance: result.covariance.matrix,
      degreesOfFreedom: result.covariance.degreesOfFreedom, termLabels: matches ? recipe?.terms.labels ?? [] : [],
      assign: matches ? recipe?.assign ?? [] : [], adjustedDesignDF: stataDF, level: result.level)
  }

  /// The kept columns' names, in the order of `coefficients`.
  public var keptColumns: [String] { kept.map { columns[$0] } }
}

/// A Wald test that some coefficients are all zero (R `regTermTest(method = "Wald")`, Stata `test`).
public struct TermTest: Sendable, Equatable {
  /// How the statistic is referred to a distribution.
  public enum Form: String, Sendable {
    /// `F = W / q` on `(q, df)`: the fit's t tests have finite df (R `regTermTest`).
    case f
    /// `W` on χ²(q): z-test fits (R `regTermTest(df = Inf)`, Stata `test` after a z-test model).
    case chiSquared = "chi2"
    /// Stata's adjusted design-based F, `(d − q + 1) W / (d q)` on `(q, d − q + 1)`.
    case adjustedF = "adjusted_f"
  }

  /// The terms as asked (term labels or column names).
  public var terms: [String]
  /// The coefficients tested (kept columns of those terms).
  public var columns: [String]
  /// The Wald statistic `W = b̂ᵀ V⁻¹ b̂` over `columns`.
  public var chi2: Double
  public var form: Form
  /// The reported statistic: F (forms `.f`, `.adjustedF`) or W (`.chiSquared`).
  public var statistic: Double
  /// Numerator df: the number of coefficients tested.
  public var dfNum: Int
  /// Denominator df (infinity for the χ² form).
  public var dfDen: Double
  public var pValue: Double
}

extension TermTest {
  /// Splits `ell, meals` (or `ell + meals`) into terms at top-level commas and plus signs
  /// (not inside parentheses or backquotes); backquotes around a whole term are removed.
  public static func termList(_ text: String) -> [String] {
    var out: [String] = []
    var current = ""
    var depth = 0
    var quoted = false
    for ch in text {
      if ch == "`" { quoted.toggle() }
      if !quoted {
        if ch == "(" || ch == "[" { depth += 1 }
        if ch == ")" || ch == "]" { depth = max(0, depth - 1) }
        if depth == 0 && (ch == "," || ch == "+") {
          out.append(current)
          current = ""
          continue
        }
      }
      current.append(ch)
    }
    out.append(current)
    return out.map { t in
      var s = t.trimmingCharacters(in: .whitespaces)
      if s.count >= 2, s.hasPrefix("`"), s.hasSuffix("`"), !s.dropFirst().dropLast().contains("`") {
        s = String(s.dropFirst().dropLast())
      }
      return s
    }.filter { !$0.isEmpty }
  }
}

extension PostEstimation {
  /// The Wald test that every coefficient of `terms` is zero.
  ///
  /// A term is a term label of the model (a factor's name means all its indicator columns, an
  /// interaction `a:b` — in either order — all its columns, as R `regTermTest(m, ~a + b)`), or
  /// else one column's name (`stypeH`, `(Intercept)`). Columns aliased by collinearity are left
  /// out, as R does; a term all of whose columns were aliased is an error. `F = W / q` on
  /// `(q, df)` with `df` the fit's residual df (design df − p + 1 for an R-convention
  /// design-based fit, n − k for least squares, G − 1 when clustered); the χ² form when the fit
  /// uses z tests; Stata's adjusted F under the Stata design convention.
  ///
  /// - Throws: `InferenceError.emptyTermList`, `.unknownTerm` (with the available terms),
  ///   `.termAliased`, `.singularTestCovariance`, `.adjustedTestTooManyTerms`.
  public func test(terms requested: [String]) throws -> TermTest {
    guard !requested.isEmpty else { throw InferenceError.emptyTermList }
    var positions: [Int] = []  // into `kept`
    var tested: [String] = []
    func canonical(_ s: String) -> String {
      s.split(separator: ":").map { $0.filter { !$0.isWhitespace } }.sorted().joined(separator: ":")
    }
    let plain = { (s: String) in s.filter { !$0.isWhitespace } }
    for term in requested {
      var columnsOfTerm: [Int]
      if let t = termLabels.firstIndex(where: { canonical($0) == canonical(term) }),
        assign.count == columns.count
      {
        columnsOfTerm = assign.indices.filter { assign[$0] == t + 1 }
      } else if let c = columns.firstIndex(where: { plain($0) == plain(term) }) {
        columnsOfTerm = [c]
      } else {
        var available = termLabels
        for c in columns where !available.contains(c) { available.append(c) }
        throw InferenceError.unknownTerm(term: term, available: available)
      }
      let estimable = columnsOfTerm.compactMap { kept.firstIndex(of: $0) }
      guard !estimable.isEmpty else {
        throw InferenceError.termAliased(term: term, columns: columnsOfTerm.map { columns[$0] })
      }
      for p in estimable where !positions.contains(p) { positions.append(p) }
      tested.append(term)
    }
    positions.sort()
    let b = positions.map { coefficients[$0] }
    let v = covariance.selecting(rowsAndColumns: positions)
    guard let vb = solveSymmetric(v, b) else {
      throw InferenceError.singularTestCovariance(terms: tested)
    }
    let w = zip(b, vb).reduce(0) { $0 + $1.0 * $1.1 }
    let q = positions.count
    let qd = Double(q)
    let form: TermTest.Form
    let statistic: Double
    let dfDen: Double
    let p: Double
    if let d = adjustedDesignDF {
      let df2 = Double(d) - qd + 1
      guard df2 > 0 else { throw InferenceError.adjustedTestTooManyTerms(terms: q, designDF: d) }
      form = .adjustedF
      statistic = w * df2 / (Double(d) * qd)
      dfDen = df2
      p = FisherF(df1: qd, df2: df2).sf(statistic)
    } else if degreesOfFreedom.isFinite {
      form = .f
      statistic = w / qd
      dfDen = degreesOfFreedom
      p = FisherF(df1: qd, df2: degreesOfFreedom).sf(statistic)
    } else {
      form = .chiSquared
      statistic = w
      dfDen = .infinity
      p = ChiSquared(df: qd).sf(w)
    }
    return TermTest(
      terms: tested, columns: positions.map { columns[kept[$0]] }, chi2: w, form: form, statistic: statistic,
      dfNum: q, dfDen: dfDen, pValue: p)
  }

  /// A combination of the coefficients with value `value` and gradient `gradient` (one entry
  /// per kept coefficient): its delta-method standard error `√(gᵀ V g)`, the test that it is
  /// zero (t on the fit's df, z when the fit uses z tests) and the interval at `level`, as
  /// R `svycontrast` and Stata `lincom`/`nlcom`.
  public func combination(label: String, value: Double, gradient: [Double]) -> CombinationEstimate {
    let vg = covariance.multiplied(by: gradient)
    let se = max(zip(gradient, vg).reduce(0) { $0 + $1.0 * $1.1 }, 0).squareRoot()
    let stat = value / se
    let df = degreesOfFreedom
    let normal = !df.isFinite
    let t = StudentT(df: normal ? 1 : df)
    let q = normal ? Normal.quantile(0.5 + level / 200) : t.quantile(0.5 + level / 200)
    let p = 2 * (normal ? Normal.sf(abs(stat)) : t.sf(abs(stat)))
    return CombinationEstimate(
      label: label, estimate: value, stdError: se, statistic: stat, pValue: p, confLow: value - q * se,
      confHigh: value + q * se, degreesOfFreedom: df, level: level)
  }
}

/// One linear or nonlinear combination of coefficients with its delta-method inference.
public struct CombinationEstimate: Sendable, Equatable {
  /// The expression as written, or the label given to it (`ratio=ell/meals`).
  public var label: String
  public var estimate: Double
  public var stdError: Double
  /// t (finite df) or z.
  public var statistic: Double
  public var pValue: Double
  public var confLow: Double
  public var confHigh: Double
  /// df of the t test (infinity: z).
  public var degreesOfFreedom: Double
  public var level: Double
}
