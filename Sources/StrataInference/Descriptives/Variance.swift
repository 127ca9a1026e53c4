import StrataData
import StrataDesign
import StrataLinalg

extension Descriptives {
  /// Design-based population variances (and covariances) of numeric variables, R `svyvar`.
  ///
  ///     let v = try Descriptives.variance(["api00", "api99"], data: apiclus1, design: design,
  ///                                       options: .init(covariance: true))   // svyvar(~api00 + api99)
  ///
  /// The estimate is R's n/(n − 1)·Σw(x − x̄)(y − ȳ)/Σw; its variance is that of the mean of
  /// z = n/(n − 1)·(x − x̄)(y − ȳ) (R's linearization, x̄ held fixed, which costs nothing at first
  /// order since Σw(x − x̄) = 0), or, for replicate designs, the spread of the whole estimator
  /// over the replicates (x̄ re-estimated, as R's `svyvar.svyrep.design`). n follows R: the rows
  /// of the domain (group ∩ subpopulation) with non-zero weight, counted before rows with
  /// missing values are left out (R's `svyvar(..., na.rm = TRUE)` counts them so), or, for
  /// replicate designs, the rows used. Intervals are normal (`confint` of an `svyvar`), or t on
  /// the design df under the Stata convention.
  ///
  /// Without `options.covariance`, each variable's variance on the rows where it is present;
  /// with it, the full matrix (each pair once per ordered pair, as R prints it) on the rows where
  /// every variable is present.
  ///
  /// - Throws: `DataError` for unknown or non-numeric columns, `DesignError.emptyDomain`.
  public static func variance(
    _ variables: [String], data: DataFrame, design: SampleDesign, options: DescriptiveOptions = .init()
  ) throws -> DescriptiveResult {
    var ctx = try Context(data: data, design: design, options: options)
    let columns = try variables.map { try data.numericValues(of: $0) }
    var out: [DescriptiveEstimate] = []
    for group in ctx.groups {
      if options.covariance {
        let rows = group.rows.filter { r in !columns.contains { $0.missing[r] } }
        ctx.countDropped(group.rows.count - rows.count, variables.joined(separator: ", "))
        out += try ctx.variances(
          columns.map { c in rows.map { c.values[$0] } }, names: variables, rows: rows, domainRows: group.rows,
          pairs: true, by: group.by)
      } else {
        for (k, c) in columns.enumerated() {
          let rows = group.rows.filter { !c.missing[$0] }
          ctx.countDropped(group.rows.count - rows.count, variables[k])
          out += try ctx.variances(
            [rows.map { c.values[$0] }], names: [variables[k]], rows: rows, domainRows: group.rows, pairs: false,
            by: group.by)
        }
      }
    }
    return ctx.result(.variance, out)
  }
}

extension Context {
  /// The variances (with `pairs`, the covariance matrix, row-major) of the columns `x` (each over
  /// `rows`) in the domain `domainRows`.
  func variances(
    _ x: [[Double]], names: [String], rows: [Int], domainRows: [Int], pairs: Bool, by: [(String, String)]
  ) throws -> [DescriptiveEstimate] {
    if rows.isEmpty { throw DesignError.emptyDomain(variable: names.joined(separator: ", ")) }
    let p = x.count
    let n = Double(isReplicate ? rows.count : domainRows.filter { design.weights[$0] != 0 }.count)
    let factor = n / (n - 1)
    let cells: [(Int, Int)] = pairs ? (0..<p).flatMap { j in (0..<p).map { (j, $0) } } : (0..<p).map { ($0, $0) }
    func deviations(_ w: [Double]) -> (dev: [[Double]], sw: Double) {
      let sw = w.reduce(0, +)
      let dev = x.map { c -> [Double] in
        let mean = zip(c, w).reduce(0) { $0 + $1.0 * $1.1 } / sw
        return c.map { $0 - mean }
      }
      return (dev, sw)
    }
    func values(_ dev: [[Double]], _ w: [Double], _ sw: Double) -> [Double] {
      cells.map { (j, k) in
        var s = 0.0
        for i in w.indices { s += w[i] * dev[j][i] * dev[k][i] }
        return factor * s / sw
      }
    }
    let (est, v) = try design.covariance(
      rows: rows,
      estimate: { w in
        let (dev, sw) = deviations(w)
        return values(dev, w, sw)
      },
      influence: { w in
        let (dev, sw) = deviations(w)
        let vals = values(dev, w, sw)
        var m = Matrix(rows: w.count, cols: cells.count)
        for (c, (j, k)) in cells.enumerated() {
          for i in w.indices { m[i, c] = w[i] * (factor * dev[j][i] * dev[k][i] - vals[c]) / sw }
        }
        return m
      })
    return cells.enumerated().map { c, cell in
      var e = make(names[cell.0], by: by, estimate: est[c], variance: v[c, c], deff: nil, rows: rows)
      if pairs { e.covariate = names[cell.1] }
      return e
    }
  }
}
