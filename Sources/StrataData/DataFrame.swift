/// A columnar data set: equal-length named columns plus where they came from.
public struct DataFrame: Sendable {
  /// The columns, in file order.
  public var columns: [Column]
  /// The file (or other origin) the data came from, for error messages.
  public var source: String

  public init(columns: [Column], source: String = "<memory>") {
    self.columns = columns
    self.source = source
    if let n = columns.first?.count {
      precondition(columns.allSatisfy { $0.count == n }, "columns of unequal length")
    }
  }

  /// Number of rows.
  public var rowCount: Int { columns.first?.count ?? 0 }

  /// Column names in file order.
  public var names: [String] { columns.map(\.name) }

  /// The index of the column called `name`, if any.
  public func index(of name: String) -> Int? {
    columns.firstIndex { $0.name == name }
  }

  /// The column called `name`.
  ///
  /// - Throws: `DataError.unknownColumn` naming the file and close matches.
  public func column(named name: String) throws -> Column {
    guard let i = index(of: name) else {
      throw DataError.unknownColumn(name: name, source: source, suggestions: suggestions(for: name))
    }
    return columns[i]
  }

  /// Column names that look like `name` (edit distance ≤ 2 or case-insensitive match).
  public func suggestions(for name: String) -> [String] {
    let lower = name.lowercased()
    return names.filter { n in
      n.lowercased() == lower || editDistance(Array(n.lowercased()), Array(lower)) <= 2
    }.prefix(3).map { $0 }
  }
}

private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var prev = Array(0...b.count)
  var cur = prev
  for i in 1...a.count {
    cur[0] = i
    for j in 1...b.count {
      cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
    }
    swap(&prev, &cur)
  }
  return prev[b.count]
}
