/// How a factor is expanded inside one term.
enum FactorCoding: Sendable, Equatable {
  /// Treatment contrasts: one indicator per level except the first (the reference).
  case contrasts
  /// One indicator per level.
  case indicators
}

/// The coding of every factor in every term, by R's rule (`TermCode` in model.c plus the
/// no-intercept adjustment in `modelmatrix`).
///
/// A factor in a term is coded by contrasts when the term with that factor deleted is empty
/// (the intercept) or is contained in a preceding term; otherwise by indicators. Without an
/// intercept, the first factor of the first term that has one is coded by indicators.
///
/// - Parameters:
///   - terms: the terms in model order.
///   - hasIntercept: whether the model has an intercept.
///   - isFactor: whether variable `i` is categorical (factor, string or logical).
/// - Returns: for each term, the coding of each of its factor variables.
func factorCodings(
  terms: [Terms.Term], hasIntercept: Bool, isFactor: (Int) -> Bool
) -> [[Int: FactorCoding]] {
  var result: [[Int: FactorCoding]] = []
  for (j, term) in terms.enumerated() {
    var codes: [Int: FactorCoding] = [:]
    for v in term.variables where isFactor(v) {
      let reduced = Terms.Term(variables: term.variables.filter { $0 != v })
      if reduced.variables.isEmpty || terms[..<j].contains(where: { reduced.isSubset(of: $0) }) {
        codes[v] = .contrasts
      } else {
        codes[v] = .indicators
      }
    }
    result.append(codes)
  }
  if !hasIntercept {
    outer: for (j, term) in terms.enumerated() {
      for v in term.variables where isFactor(v) {
        result[j][v] = .indicators
        break outer
      }
    }
  }
  return result
}

/// The level indices (0-based) that get a column under `coding` for a factor with `levelCount`
/// levels: treatment contrasts drop the first level (R's `contr.treatment`).
func codedLevels(_ coding: FactorCoding, levelCount: Int) -> Range<Int> {
  coding == .contrasts ? 1..<levelCount : 0..<levelCount
}
