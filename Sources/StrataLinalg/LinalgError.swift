/// Errors raised by the numerics layer.
///
/// Built from LAPACK's `info` codes at the C boundary, so that callers see
/// what failed (which minor, which column, which routine) rather than a raw
/// integer. Column and minor numbers are 1-based, as LAPACK reports them and
/// as a person reading a matrix counts.
public enum LinalgError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The leading minor of this order (1-based) is not positive definite.
  case notPositiveDefinite(leadingMinor: Int)
  /// The triangular factor has an exact zero on the diagonal in this 1-based
  /// column, so the matrix is singular.
  case singular(column: Int)
  /// A LAPACK routine rejected its argument at this 1-based position; this is
  /// a bug in StrataLinalg, not in the data.
  case illegalArgument(routine: String, position: Int)
  /// An iterative LAPACK routine did not converge.
  case notConverged(routine: String)
  /// Operand shapes do not fit together; the payload says how.
  case dimensionMismatch(String)

  public var description: String {
    switch self {
    case .notPositiveDefinite(let k):
      return "matrix is not positive definite: leading minor of order \(k) is not positive"
    case .singular(let c):
      return "matrix is singular: zero pivot in column \(c)"
    case .illegalArgument(let routine, let position):
      return "internal error: LAPACK \(routine) rejected argument \(position)"
    case .notConverged(let routine):
      return "LAPACK \(routine) failed to converge"
    case .dimensionMismatch(let what):
      return "dimension mismatch: \(what)"
    }
  }
}
