import StrataData
import StrataDesign
import StrataLinalg

/// A design-based two-way table with the Rao–Scott corrected test of independence.
public struct CrossTabulation: Sendable {
  /// One cell: levels, estimated population proportion and its SE and interval.
  public struct Cell: Sendable {
    public var row: String
    public var column: String
    public var proportion: Double
    public var stdError: Double
    public var confLow: Double
    public var confHigh: Double
    /// Estimated population count Σ w.
    public var total: Double
  }

  public var rowVariable: String
  public var columnVariable: String
  public var rowLevels: [String]
  public var columnLevels: [String]
  /// Cells with the row level varying fastest (R's `interaction(row, column)` order).
  public var cells: [Cell]
  /// Pearson X² of the weighted table scaled to the sample size.
  public var pearson: Double
  /// Rao–Scott F = X² / tr(Δ).
  public var statistic: Double
  /// Numerator df d₀ = tr(Δ)² / tr(Δ²).
  public var ndf: Double
  /// Denominator df d₀ ν, with ν the design df.
  public var ddf: Double
  public var pValue: Double
  public var design: DesignSummary
  public var df: Int
  public var level: Double
  public var domain: String?

  /// One margin of the table: a level of the row (or column) variable over all levels of the
  /// other, its proportion the sum of its cells, its SE from the cells' covariance (aᵀVa), so it
  /// equals R `svymean(~row)` on the rows where both variables are observed.
  public struct Margin: Sendable {
    public var level: String
    public var proportion: Double
    public var stdError: Double
    public var confLow: Double
    public var confHigh: Double
    /// Estimated population count Σ w.
    public var total: Double
  }

  /// The row variable's margins, in `rowLevels` order (Stata's Total column).
  public var rowMargins: [Margin] = []
  /// The column variable's margins, in `columnLevels` order (Stata's Total row).
  public var columnMargins: [Margin] = []

  /// Tabulates `rowVariable` × `columnVariable`.
  ///
  /// Matches R `svymean(~interaction(a, b), design)` for the cells and `svychisq(~a + b, design)`
  /// (default `statistic = "F"`, survey 4.1-1) for the test; with a domain, both on
  /// `subset(design, ...)`.
  ///
  /// - Throws: `DataError`, `DesignError.emptyDomain`, `LinalgError` when the design effects
  ///   matrix is singular (e.g. a single level).
  public static func tabulate(
    _ rowVariable: String, by columnVariable: String, data: DataFrame, design: SampleDesign,
    options: DescriptiveOptions = .init()
  ) throws -> CrossTabulation {
    let ctx = try Context(data: data, design: design, options: DescriptiveOptions(
      level: options.level, convention: options.convention, domain: options.domain))
    let domainRows = ctx.groups[0].rows
    let a = try factorCodes(rowVariable, data: data)
    let b = try factorCodes(columnVariable, data: data)
    // Levels present in the (sub)design, as R's factor() of the domain's values.
    let usedA = Set(domainRows.map { a.codes[$0] }.filter { $0 >= 0 }).sorted()
    let usedB = Set(domainRows.map { b.codes[$0] }.filter { $0 >= 0 }).sorted()
    let nr = usedA.count
    let nc = usedB.count
    guard nr >= 2 && nc >= 2 else {
      throw DesignError.tableNeedsTwoLevels(row: rowVariable, rowLevels: nr, column: columnVariable, columnLevels: nc)
    }
    var mapA: [Int: Int] = [:]
    var mapB: [Int: Int] = [:]
    for (k, c) in usedA.enumerated() { mapA[c] = k }
    for (k, c) in usedB.enumerated() { mapB[c] = k }
    let rows = domainRows.filter { a.codes[$0] >= 0 && b.codes[$0] >= 0 }
    let cellOf = rows.map { (mapA[a.codes[$0]] ?? 0) + nr * (mapB[b.codes[$0]] ?? 0) }
    let k = nr * nc
    func props(_ w: [Double]) -> [Double] {
      let sw = w.reduce(0, +)
      var p = [Double](repeating: 0, count: k)
      for (i, c) in cellOf.enumerated() { p[c] += w[i] / sw }
      return p
    }
    let (mean, v) = try design.covariance(
      rows: rows, estimate: props,
      influence: { w in
        let sw = w.reduce(0, +)
        let p = props(w)
        var m = Matrix(rows: cellOf.count, cols: k)
        for (i, c) in cellOf.enumerated() { for j in 0..<k { m[i, j] = w[i] * ((c == j ? 1 : 0) - p[j]) / sw } }
        return m
      })

    let n = Double(domainRows.count)
    let nu: Int
    switch design {
    case .linearization: nu = design.degreesOfFreedomIgnoringWeights(rows: domainRows)
    case .replicate: nu = design.degreesOfFreedom(rows: domainRows)
    }
    var counts = [Double](repeating: 0, count: k)
    for (i, cell) in cellOf.enumerated() { counts[cell] += design.weights[rows[i]] }
    return try CrossTabulation(
      rowVariable: rowVariable, columnVariable: columnVariable, rowLevels: usedA.map { a.levels[$0] },
      columnLevels: usedB.map { b.levels[$0] }, proportions: mean, covariance: v, counts: counts, rows: n, df: nu,
      critical: ctx.critical(quantileRows: nil).value, design: design.summary, fullDF: ctx.fullDF,
      level: options.level, domain: options.domain?.label)
  }
}

extension CrossTabulation {
  /// A table from its cells' proportions (row level fastest), their covariance and weighted
  /// counts: the Rao–Scott test, the cells' intervals and the margins. The in-memory
  /// `tabulate` and the tables of sums (streamed files, PostgreSQL) both end here.
  ///
  /// - Parameters:
  ///   - rows: the domain's rows, every one (the n the weighted table is scaled to).
  ///   - df: the design df ν over the domain's rows (R `svychisq`'s `degf`).
  ///   - critical: the normal or t quantile of the cells' and margins' intervals.
  /// - Throws: `LinalgError` when the design effects matrix is singular.
  package init(
    rowVariable: String, columnVariable: String, rowLevels: [String], columnLevels: [String],
    proportions mean: [Double], covariance v: Matrix, counts: [Double], rows n: Double, df nu: Int,
    critical z: Double, design: DesignSummary, fullDF: Int, level: Double, domain: String?
  ) throws {
    let nr = rowLevels.count
    let nc = columnLevels.count
    let k = nr * nc
    // Rao–Scott: Δ = (Cᵀ D⁻¹ C / N)⁻¹ Cᵀ D⁻¹ V D⁻¹ C, C the interaction contrasts residualized on the main effects.
    let x1 = mainEffects(nr, nc)
    var inter = Matrix(rows: k, cols: (nr - 1) * (nc - 1))
    var col = 0
    for j in 1..<nc {
      for i in 1..<nr {
        inter[i + nr * j, col] = 1
        col += 1
      }
    }
    let xtx = x1.crossProduct()
    let proj = x1 * (try inverseSPD(xtx)) * x1.crossProduct(with: inter)
    let c = inter - proj
    let id = mean.map { $0 == 0 ? 0 : 1 / $0 }
    let dc = c.scalingRows(by: id)
    let denom = c.crossProduct(with: dc) * (1 / n)
    let numr = dc.crossProduct(with: v * dc)
    let delta = try inverseSPD(denom) * numr
    var tr = 0.0
    for i in 0..<delta.rows { tr += delta[i, i] }
    let d2 = delta * delta
    var tr2 = 0.0
    for i in 0..<d2.rows { tr2 += d2[i, i] }
    let d0 = tr * tr / tr2

    // Pearson X² of the weighted table scaled to N.
    var table = counts
    let sum = table.reduce(0, +)
    table = table.map { $0 * n / sum }
    var rowSums = [Double](repeating: 0, count: nr)
    var colSums = [Double](repeating: 0, count: nc)
    for j in 0..<nc { for i in 0..<nr { rowSums[i] += table[i + nr * j]; colSums[j] += table[i + nr * j] } }
    var x2 = 0.0
    for j in 0..<nc {
      for i in 0..<nr {
        let e = rowSums[i] * colSums[j] / n
        x2 += (table[i + nr * j] - e) * (table[i + nr * j] - e) / e
      }
    }
    let f = x2 / tr
    let p = FisherF(df1: d0, df2: d0 * Double(nu)).sf(f)

    var cells: [Cell] = []
    for j in 0..<nc {
      for i in 0..<nr {
        let idx = i + nr * j
        let se = v[idx, idx].squareRoot()
        cells.append(Cell(
          row: rowLevels[i], column: columnLevels[j], proportion: mean[idx], stdError: se,
          confLow: mean[idx] - z * se, confHigh: mean[idx] + z * se, total: table[idx] * sum / n))
      }
    }
    // Margins: sums of cells, variances the sums of their block of V.
    func margin(_ level: String, _ indices: [Int]) -> Margin {
      var estimate = 0.0
      var variance = 0.0
      var count = 0.0
      for i in indices {
        estimate += mean[i]
        count += table[i] * sum / n
        for j in indices { variance += v[i, j] }
      }
      // The sum cancels when the margin is fixed by the design (the strata of a stratified
      // sample): what is left below its rounding error, bounded by (Σ √Vᵢᵢ)² × 1e-13, is zero.
      let scale = indices.reduce(0.0) { $0 + max(v[$1, $1], 0).squareRoot() }
      if variance < 1e-13 * scale * scale { variance = 0 }
      let se = variance.squareRoot()
      return Margin(
        level: level, proportion: estimate, stdError: se, confLow: estimate - z * se, confHigh: estimate + z * se,
        total: count)
    }
    let rowMargins = (0..<nr).map { i in margin(rowLevels[i], (0..<nc).map { i + nr * $0 }) }
    let columnMargins = (0..<nc).map { j in margin(columnLevels[j], (0..<nr).map { $0 + nr * j }) }
    self.init(
      rowVariable: rowVariable, columnVariable: columnVariable, rowLevels: rowLevels, columnLevels: columnLevels,
      cells: cells, pearson: x2, statistic: f, ndf: d0, ddf: d0 * Double(nu), pValue: p, design: design, df: fullDF,
      level: level, domain: domain, rowMargins: rowMargins, columnMargins: columnMargins)
  }
}

/// `model.matrix(~factor(rows) + factor(cols))` on `expand.grid(rows = 1:nr, cols = 1:nc)`.
private func mainEffects(_ nr: Int, _ nc: Int) -> Matrix {
  var m = Matrix(rows: nr * nc, cols: nr + nc - 1)
  for j in 0..<nc {
    for i in 0..<nr {
      let r = i + nr * j
      m[r, 0] = 1
      if i > 0 { m[r, i] = 1 }
      if j > 0 { m[r, nr - 1 + j] = 1 }
    }
  }
  return m
}

extension SampleDesign {
  /// PSUs minus strata among `rows`, zero weights included (the ν of R's `svychisq`).
  func degreesOfFreedomIgnoringWeights(rows: [Int]) -> Int {
    switch self {
    case .linearization(let d): return d.degreesOfFreedom(rows: rows, includingZeroWeights: true)
    case .replicate(let d): return d.degreesOfFreedom(rows: rows)
    }
  }
}
