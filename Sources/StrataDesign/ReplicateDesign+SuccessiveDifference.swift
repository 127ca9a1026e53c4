import StrataData

extension ReplicateDesign {
  /// Successive-difference replicates (Fay and Train 1995; the Census Bureau's ACS).
  ///
  /// The PSUs are put in the order of their first row after sorting the data by
  /// `construction.sort` (stable: ties keep data order; data order when no column is given).
  /// PSU k (0-based) takes row R1(k) = 1 + (k mod (R − 1)) of a Hadamard matrix A of order R
  /// whose row 0 is all ones (row 0 is not used, so every used row sums to zero), and
  /// R2(k) = R1(k + 1), the last PSU wrapping around to the first PSU's row. Its factor in
  /// replicate r is 1 + 2^(−3/2) A[R1(k), r] − 2^(−3/2) A[R2(k), r], the variance
  /// 4/R Σ_r (θ_r − θ)². With at most R − 1 PSUs the variance of a total is exactly the circular
  /// successive-difference sum ½ Σ_k (t_k − t_(k−1))², t_(−1) = t_(last); with more PSUs rows are
  /// reused and it approximates it, as in the ACS. Strata and FPCs are not used beyond the sort.
  static func successiveDifference(
    _ design: LinearizationDesign, _ psus: PSUTable, _ construction: ReplicateConstruction, data: DataFrame?
  ) throws -> BuiltReplicates {
    let count = construction.replicates
    guard count >= 4, let hadamard = hadamardMatrix(order: count) else {
      throw DesignError.sdrReplicateCount(found: count, suggested: hadamardOrders(near: count))
    }
    let sort = construction.sort ?? []
    var rows = Array(0..<design.rowCount)
    if !sort.isEmpty {
      guard let data else { throw DesignError.sortNeedsData(columns: sort) }
      var keys: [[Double]] = []
      for name in sort {
        let column = try data.column(named: name)
        if let r = (0..<data.rowCount).first(where: { column.isMissing($0) }) {
          throw DesignError.missingValue(column: name, row: r + 1)
        }
        switch column.storage {
        case .numeric(let c):
          try requireFinite(c.values, column: name)
          keys.append(c.values)
        case .factor(let f): keys.append(f.codes.map { Double($0) })
        }
      }
      rows.sort { a, b in
        for key in keys where key[a] != key[b] { return key[a] < key[b] }
        return a < b
      }
    }
    // PSUs in the order of their first sorted row.
    var order: [Int] = []
    var placed = [Bool](repeating: false, count: psus.count)
    for i in rows where !placed[psus.rowPSU[i]] {
      placed[psus.rowPSU[i]] = true
      order.append(psus.rowPSU[i])
    }
    let c = 1 / (2 * 2.0.squareRoot())  // 2^(−3/2)
    let npsu = order.count
    let rowOf = (0..<npsu).map { 1 + $0 % (count - 1) }
    var multipliers = Array(repeating: [Double](repeating: 1, count: psus.count), count: count)
    for (k, psu) in order.enumerated() {
      let (r1, r2) = (rowOf[k], rowOf[(k + 1) % npsu])
      for r in 0..<count {
        multipliers[r][psu] = 1 + c * Double(hadamard[r1][r]) - c * Double(hadamard[r2][r])
      }
    }
    return BuiltReplicates(multipliers: multipliers, scale: 4 / Double(count), mse: true)
  }
}

/// A ±1 Hadamard matrix of `order` with an all-ones row 0: Sylvester's for powers of two, Paley's
/// first construction (order q + 1, q a prime ≡ 3 mod 4) doubled by Sylvester's step otherwise;
/// nil for other orders.
func hadamardMatrix(order: Int) -> [[Int8]]? {
  guard order >= 2 else { return nil }
  var doublings = 0
  var base = order
  while base % 2 == 0 && base > 2 && !(isPrime(base - 1) && (base - 1) % 4 == 3) {
    base /= 2
    doublings += 1
  }
  var h: [[Int8]]
  if base == 2 || base == 1 {
    h = base == 1 ? [[1]] : [[1, 1], [1, -1]]
  } else if isPrime(base - 1) && (base - 1) % 4 == 3 {
    let q = base - 1
    var residue = [Bool](repeating: false, count: q)
    for x in 1..<q { residue[(x * x) % q] = true }
    func chi(_ d: Int) -> Int8 {
      let m = ((d % q) + q) % q
      return m == 0 ? 0 : (residue[m] ? 1 : -1)
    }
    h = Array(repeating: [Int8](repeating: 1, count: base), count: base)
    for i in 0..<q {
      h[i + 1][0] = -1
      for j in 0..<q { h[i + 1][j + 1] = i == j ? 1 : chi(j - i) }
    }
  } else {
    return nil
  }
  for _ in 0..<doublings {
    let m = h.count
    var d = Array(repeating: [Int8](repeating: 0, count: 2 * m), count: 2 * m)
    for i in 0..<m {
      for j in 0..<m {
        d[i][j] = h[i][j]
        d[i][j + m] = h[i][j]
        d[i + m][j] = h[i][j]
        d[i + m][j + m] = -h[i][j]
      }
    }
    h = d
  }
  return h
}

/// The Hadamard orders `hadamardMatrix` builds nearest to `count` (below and above).
func hadamardOrders(near count: Int) -> [Int] {
  var below = Swift.max(4, count)
  while below > 4 && hadamardMatrix(order: below) == nil { below -= 1 }
  var above = Swift.max(4, count)
  while hadamardMatrix(order: above) == nil { above += 1 }
  return below == above ? [below] : [below, above]
}

private func isPrime(_ n: Int) -> Bool {
  guard n >= 2 else { return false }
  var d = 2
  while d * d <= n {
    if n % d == 0 { return false }
    d += 1
  }
  return true
}
