import Synchronization

/// A compact design matrix (one factor's dummies kept as level codes), expanded to the full
/// matrix once, the first time something asks for it.
///
/// Model matrices and fits keep their `x` in one. The passes that take the compact form with its
/// `IndicatorStructure` (IRLS, the separation check, the design variance's PSU totals) never
/// write or read the dummies; every other reader gets the full matrix, as before.
///
///     let x = LazyMatrix(compact: dense, structure: s)   // s.storesIndicators == false
///     x.cols            // the full column count
///     x.full            // expanded on first use, then kept
public final class LazyMatrix: Sendable {
  /// Rows of the full matrix.
  public let rows: Int
  /// Columns of the full matrix.
  public let cols: Int
  /// The compact form: the dense columns, and a structure with `storesIndicators` false.
  public let compact: (matrix: Matrix, structure: IndicatorStructure)
  private let expanded: Mutex<Matrix?>

  /// A compact matrix: `structure` (with `storesIndicators` false) describes `dense`.
  public init(compact dense: Matrix, structure: IndicatorStructure) {
    precondition(!structure.storesIndicators && structure.describes(dense), "structure of another matrix")
    rows = dense.rows
    cols = structure.columnCount
    compact = (dense, structure)
    expanded = Mutex(nil)
  }

  /// The full matrix (expanded from the compact form on first use, then kept).
  public var full: Matrix {
    expanded.withLock { matrix in
      if let matrix { return matrix }
      let x = compact.matrix.expandingIndicators(compact.structure)
      matrix = x
      return x
    }
  }

  /// Whether the full matrix has been formed.
  public var isExpanded: Bool { expanded.withLock { $0 != nil } }
}

/// A `Matrix` property that may be held compact: reading it gives the full matrix, assigning it
/// holds the new one in full, and its projected value (`$x`) tells the size and the compact form
/// without expanding it. A matrix held in full is read as a stored property is (no lock, no
/// allocation); a compact one is expanded once, by its shared `LazyMatrix`, on the first read
/// (so a loop over its elements should read it once, `let x = fit.x`, not per element).
///
///     struct Design { @LazilyExpanded var x: Matrix }
///     design.$x = LazilyExpanded(compact: dense, structure: s)
///     design.$x.rows     // no expansion
///     design.x           // the full matrix
@propertyWrapper
public struct LazilyExpanded: Sendable {
  /// The matrix, when it is held in full.
  private var held: Matrix?
  /// The compact form and its expansion, otherwise.
  private var deferred: LazyMatrix?

  public init(wrappedValue: Matrix) {
    held = wrappedValue
  }

  /// A compact matrix: `structure` (with `storesIndicators` false) describes `dense`.
  public init(compact dense: Matrix, structure: IndicatorStructure) {
    deferred = LazyMatrix(compact: dense, structure: structure)
  }

  public var wrappedValue: Matrix {
    get {
      if let held { return held }
      guard let deferred else { preconditionFailure("a lazily expanded matrix with neither form") }
      return deferred.full
    }
    set {
      held = newValue
      deferred = nil
    }
  }

  public var projectedValue: LazilyExpanded {
    get { self }
    set { self = newValue }
  }

  /// Rows of the full matrix.
  public var rows: Int { held?.rows ?? deferred?.rows ?? 0 }
  /// Columns of the full matrix.
  public var cols: Int { held?.cols ?? deferred?.cols ?? 0 }
  /// The compact form (the dense columns, and a structure with `storesIndicators` false), or nil
  /// for a matrix held in full.
  public var compact: (matrix: Matrix, structure: IndicatorStructure)? { deferred?.compact }
  /// Whether the full matrix exists (given in full, or expanded by a read).
  public var isExpanded: Bool { held != nil || (deferred?.isExpanded ?? false) }
}
