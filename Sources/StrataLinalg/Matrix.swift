/// A dense, column-major matrix of `Double`s.
///
/// Element `(i, j)` is stored at `storage[i + j * rows]`, the layout BLAS and
/// LAPACK use, so nothing is transposed at the boundary.
///
///     var m = Matrix(rows: 2, cols: 2)
///     m[0, 1] = 3
public struct Matrix: Sendable {
  /// Number of rows.
  public let rows: Int
  /// Number of columns.
  public let cols: Int
  /// Column-major elements, `rows * cols` of them.
  public var storage: [Double]

  /// A matrix filled with `value`.
  public init(rows: Int, cols: Int, repeating value: Double = 0) {
    precondition(rows >= 0 && cols >= 0, "negative matrix dimension")
    self.rows = rows
    self.cols = cols
    self.storage = Array(repeating: value, count: rows * cols)
  }

  /// A matrix over existing column-major storage.
  public init(rows: Int, cols: Int, columnMajor storage: [Double]) {
    precondition(storage.count == rows * cols, "storage size does not match dimensions")
    self.rows = rows
    self.cols = cols
    self.storage = storage
  }

  /// A matrix whose columns are the given arrays (all of one length).
  public init(columns: [[Double]]) {
    let r = columns.first?.count ?? 0
    var s = [Double]()
    s.reserveCapacity(r * columns.count)
    for c in columns {
      precondition(c.count == r, "columns of unequal length")
      s.append(contentsOf: c)
    }
    self.init(rows: r, cols: columns.count, columnMajor: s)
  }

  /// The `n × n` identity.
  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, cols: n)
    for i in 0..<n { m[i, i] = 1 }
    return m
  }

  @inlinable
  public subscript(i: Int, j: Int) -> Double {
    get { storage[i + j * rows] }
    set { storage[i + j * rows] = newValue }
  }

  /// A copy of column `j`.
  public func column(_ j: Int) -> [Double] {
    Array(storage[(j * rows)..<((j + 1) * rows)])
  }

  /// A copy of row `i`.
  public func row(_ i: Int) -> [Double] {
    (0..<cols).map { self[i, $0] }
  }

  /// The main diagonal.
  public var diagonal: [Double] {
    (0..<Swift.min(rows, cols)).map { self[$0, $0] }
  }

  /// The transpose.
  public var transposed: Matrix {
    var t = Matrix(rows: cols, cols: rows)
    for j in 0..<cols {
      for i in 0..<rows { t[j, i] = self[i, j] }
    }
    return t
  }

  /// The columns listed in `indices`, in that order.
  public func selectingColumns(_ indices: [Int]) -> Matrix {
    var s = [Double]()
    s.reserveCapacity(rows * indices.count)
    for j in indices { s.append(contentsOf: storage[(j * rows)..<((j + 1) * rows)]) }
    return Matrix(rows: rows, cols: indices.count, columnMajor: s)
  }

  /// Rows and columns listed in `indices` of a square matrix.
  public func selecting(rowsAndColumns indices: [Int]) -> Matrix {
    var m = Matrix(rows: indices.count, cols: indices.count)
    for (b, j) in indices.enumerated() {
      for (a, i) in indices.enumerated() { m[a, b] = self[i, j] }
    }
    return m
  }
}
