extension DataFrame {
  /// The numeric storage of the column called `name`.
  ///
  /// - Throws: `DataError.unknownColumn` if there is no such column, `DataError.notNumeric`
  ///   if it is a factor.
  public func numericValues(of name: String) throws -> NumericColumn {
    let column = try self.column(named: name)
    switch column.storage {
    case .numeric(let values): return values
    case .factor(let f): throw DataError.notNumeric(name: name, source: source, levels: f.levels)
    }
  }

  /// The rows at `indices` (0-based, in the given order, repeats allowed), keeping every
  /// column's name, label, value labels and factor levels (unused levels included).
  ///
  /// - Precondition: every index is in `0..<rowCount`.
  /// - Complexity: O(`indices.count` × number of columns).
  public func rows(_ indices: [Int]) -> DataFrame {
    let n = rowCount
    precondition(indices.allSatisfy { $0 >= 0 && $0 < n }, "row index out of range")
    // A run of consecutive rows (a block of the data) is copied as slices.
    let first = indices.first ?? 0
    let run = indices.indices.allSatisfy { indices[$0] == first + $0 }
    func pick<T>(_ values: [T]) -> [T] {
      run ? Array(values[first..<(first + indices.count)]) : indices.map { values[$0] }
    }
    let subset = columns.map { column -> Column in
      var out = column
      switch column.storage {
      case .numeric(let c):
        out.storage = .numeric(NumericColumn(values: pick(c.values), missing: pick(c.missing)))
      case .factor(let f):
        out.storage = .factor(FactorColumn(codes: pick(f.codes), levels: f.levels))
      }
      return out
    }
    return DataFrame(columns: subset, source: source)
  }

  /// Dense 0-based group ids of the column called `name` over `rows`, numbered in order of
  /// first appearance (for cluster and stratum variables).
  ///
  /// ```swift
  /// // school = [7, 3, 7, 9] → codes [0, 1, 0, 2], count 3
  /// let (codes, count) = try data.groupCodes(of: "school", rows: [0, 1, 2, 3])
  /// ```
  ///
  /// Numeric values are grouped by exact value (`-0.0` equals `0.0`); factor rows by level.
  ///
  /// - Returns: One code per entry of `rows`, and the number of distinct groups.
  /// - Throws: `DataError.unknownColumn`, or `DataError.missingValue` naming the first
  ///   (1-based) row whose value is missing.
  /// - Precondition: every row is in `0..<rowCount`.
  public func groupCodes(of name: String, rows: [Int]) throws -> (codes: [Int], count: Int) {
    let column = try self.column(named: name)
    var codes: [Int] = []
    codes.reserveCapacity(rows.count)
    switch column.storage {
    case .numeric(let c):
      // Small non-negative integer ids (PSU, stratum and cluster numbers): one array lookup per row.
      var top = -1.0
      let bound = Double(4 * rows.count + 1024)
      for r in rows {
        let v = c.values[r]
        // In range, then whole (a conversion each way: no libm call per row).
        guard !c.missing[r], v >= 0, v <= bound, Double(Int(v)) == v else {
          top = -1
          break
        }
        top = Swift.max(top, v)
      }
      if top >= 0 {
        var slot = [Int](repeating: -1, count: Int(top) + 1)
        var count = 0
        for r in rows {
          let v = Int(c.values[r])
          if slot[v] < 0 {
            slot[v] = count
            count += 1
          }
          codes.append(slot[v])
        }
        return (codes, count)
      }
      var seen: [UInt64: Int] = [:]
      for r in rows {
        if c.missing[r] { throw DataError.missingValue(name: name, source: source, row: r + 1) }
        let v = c.values[r]
        let key = (v == 0 ? 0.0 : v).bitPattern
        if let g = seen[key] {
          codes.append(g)
        } else {
          seen[key] = seen.count
          codes.append(seen.count - 1)
        }
      }
      return (codes, seen.count)
    case .factor(let f):
      var seen = [Int](repeating: -1, count: f.levels.count)
      var count = 0
      for r in rows {
        let level = Int(f.codes[r])
        if level < 0 { throw DataError.missingValue(name: name, source: source, row: r + 1) }
        if seen[level] < 0 {
          seen[level] = count
          count += 1
        }
        codes.append(seen[level])
      }
      return (codes, count)
    }
  }
}
