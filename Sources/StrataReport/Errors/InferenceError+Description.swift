// The English rendering of `InferenceError` (StrataInference), shared by library users and the CLI.

import StrataInference

extension InferenceError: CustomStringConvertible {
  /// The message in the library's words (options as Swift parameter names).
  public var description: String { message(using: .library) }

  /// The message, naming options in `o`'s words (the CLI passes its flags).
  public func message(using o: ErrorVocabulary) -> String {
    switch self {
    case .singleCluster(let v):
      return "cluster variable '\(v)' has a single cluster in the estimation sample; cluster-robust standard errors need at least two"
    case .clusterLengthMismatch(let v, let e, let f):
      return "cluster variable '\(v)' has \(f) values for \(e) observations"
    case .leverageOne(let t, let i):
      return "observation \(i) has leverage 1, so \(t.uppercased()) standard errors are undefined; use hc0 or hc1"
    case .invalidLevel(let l):
      return "confidence level \(l) is not between 0 and 100"
    case .notCategorical(let m):
      return "per-outcome margins need an ologit, oprobit or mlogit fit, not \(m)"
    case .splitTooFewGroups(let variable, let groups):
      return "cannot test equal coefficients across \(o(.split)) groups: '\(variable)' has \(groups) group(s) with a fit"
    case .splitNoCommonTerm:
      return "cannot test equal coefficients across \(o(.split)) groups: no term is estimable in every group"
    case .splitSingularDifferences:
      return "cannot test equal coefficients across \(o(.split)) groups: the covariance of the differences is singular"
    case .mediationTermMissing(let term, let equation):
      return "'\(term)' is not an estimable coefficient of '\(equation)'; the treatment and mediator must be numeric columns (use a 0/1 treatment)"
    case .unsupportedWithFixedEffects(let what):
      return "\(what) standard errors need the leverages of the fixed-effect dummies, which are absorbed; use hc0, hc1 (robust) or cluster"
    case .notBinary(let variable, let levels):
      let shown = levels.prefix(6).joined(separator: ", ") + (levels.count > 6 ? ", ..." : "")
      return "'\(variable)' has \(levels.count) categories (\(shown)); a proportion interval (svyciprop) needs a "
        + "binary variable: 0/1 or two categories"
    case .designMismatch(let m):
      return "the fit does not belong to the design: \(m)"
    case .unsupportedForModel(let model, let variance):
      return "\(model) supports only its own (classical) variance, not \(variance)"
    case .observedInformationWithFixedEffects(let link):
      return "a \(link)-link model with absorbed fixed effects has only the expected information: "
        + "\(o(.variance, "oim")) and \(o(.convention, "stata")) (observed-information bread) are not available; "
        + "use \(o(.convention, "r")) (R's expected-information bread), or a logit, where the two coincide"
    case .emptyTermList:
      return "no term to test: list the terms, as 'ell, meals' (a factor's name tests all its levels)"
    case .unknownTerm(let term, let available):
      return "'\(term)' is not a term or coefficient of the fit; the terms and coefficients are "
        + available.map { "'\($0)'" }.joined(separator: ", ")
    case .termAliased(let term, let columns):
      return "'\(term)' was dropped for collinearity (no estimate for \(columns.joined(separator: ", "))), so it cannot be tested"
    case .singularTestCovariance(let terms):
      return "cannot test \(terms.joined(separator: ", ")): the covariance of their coefficients is singular"
    case .adjustedTestTooManyTerms(let q, let d):
      return "cannot test \(q) coefficients jointly with the design's \(d) degrees of freedom (Stata's adjusted F needs at most \(d))"
    }
  }
}

extension DesignMismatch: CustomStringConvertible {
  public var description: String {
    switch self {
    case .rowsUnknown: return "its scores name no data rows"
    case .rowCount(let s, let r): return "\(s) score rows but \(r) row entries"
    case .rowOutsideDesign(let r, let n): return "row \(r + 1) is outside the design's \(n) rows"
    case .repeatedRow(let r): return "row \(r + 1) appears twice"
    case .weightsDiffer(let r, let f, let d):
      return "the weight of row \(r + 1) is \(f) in the fit but \(d) in the design (not one common multiple)"
    }
  }
}
