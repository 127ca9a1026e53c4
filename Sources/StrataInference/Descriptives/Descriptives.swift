import StrataData
import StrataDesign
import StrataLinalg
import StrataSupport

/// Design-based means, totals, proportions, ratios and quantiles.
///
///     let design = try SampleDesign(DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"]), data: apistrat)
///     let r = try Descriptives.estimate(.mean, variables: ["api00"], data: apistrat, design: design)
///
/// Every estimator reduces to influence functions fed to the design's one linearization engine
/// (or, for replicate designs, to the replicate engine). Matches R `svymean`, `svytotal`,
/// `svymean(~factor)`, `svyratio`, `svyquantile` (survey 4.1-1 default: `qrule = "math"`,
/// Woodruff intervals) and `svyby`; missing values are dropped as `na.rm = TRUE`, which keeps the
/// full design (a domain).
public enum Descriptives {
  /// Estimates `statistic` for each variable (each group of `options.by`).
  ///
  /// - Throws: `DataError` for unknown or non-numeric columns, `DesignError.emptyDomain`,
  ///   `DesignError.singlePSUStratum` from the engine.
  public static func estimate(
    _ statistic: DescriptiveStatistic, variables: [String], data: DataFrame, design: SampleDesign,
    options: DescriptiveOptions = .init()
  ) throws -> DescriptiveResult {
    if statistic == .variance { return try Descriptives.variance(variables, data: data, design: design, options: options) }
    var ctx = try Context(data: data, design: design, options: options)
    var out: [DescriptiveEstimate] = []
    for variable in variables {
      // A text column's total is one total per level (R svytotal(~factor)).
      let totalFactor = statistic == .total && isCategoricalColumn(variable, data: data)
      // The column is read (and, for proportions, coded) once per variable, not once per group.
      let numeric =
        statistic == .proportion || statistic == .ratio || totalFactor ? nil : try data.numericValues(of: variable)
      let factor = statistic == .proportion || totalFactor ? try factorCodes(variable, data: data) : nil
      if statistic == .ratio {
        throw DesignError.ratioNeedsTwoVariables
      }
      if statistic == .proportion, options.proportionInterval != nil, let levels = factor?.levels, levels.count > 2 {
        throw InferenceError.notBinary(variable: variable, levels: levels)
      }
      // Each group's estimates depend on its rows alone: on large data the groups are shared
      // between the cores, and their results (or the first group's error) taken in group order.
      let shared = ctx
      @Sendable func group(_ g: Int) -> Result<(estimates: [DescriptiveEstimate], dropped: Int), any Error> {
        Result {
          let group = shared.groups[g]
          switch statistic {
          case .total where totalFactor:
            guard let (codes, levels) = factor else { return ([], 0) }
            let rows = group.rows.filter { codes[$0] >= 0 }
            let e = try levels.indices.map { j in
              var e = try shared.linear(
                .total, y: rows.map { codes[$0] == j ? 1 : 0 }, rows: rows, variable: variable, by: group.by)
              e.level = levels[j]
              return e
            }
            return (e, group.rows.count - rows.count)
          case .mean, .total:
            guard let y = numeric else { return ([], 0) }
            let rows = group.rows.filter { !y.missing[$0] }
            let e = try shared.linear(statistic, y: rows.map { y.values[$0] }, rows: rows, variable: variable, by: group.by)
            return ([e], group.rows.count - rows.count)
          case .proportion:
            guard let (codes, levels) = factor else { return ([], 0) }
            let rows = group.rows.filter { codes[$0] >= 0 }
            let e = try shared.proportions(
              codes: rows.map { codes[$0] }, levels: levels, rows: rows, variable: variable, by: group.by,
              domainRows: group.rows)
            return (e, group.rows.count - rows.count)
          case .quantile:
            guard let y = numeric else { return ([], 0) }
            let rows = group.rows.filter { !y.missing[$0] }
            let values = rows.map { y.values[$0] }
            let e = try options.quantiles.map { p in
              try shared.quantile(p, y: values, rows: rows, variable: variable, by: group.by)
            }
            return (e, group.rows.count - rows.count)
          case .ratio, .variance:
            return ([], 0)
          }
        }
      }
      let count = ctx.groups.count
      let parallel = count > 1 && data.rowCount >= 1 << 16
      let results = parallel ? concurrentMap(count, group) : (0..<count).map(group)
      for result in results {
        let (estimates, dropped) = try result.get()
        ctx.countDropped(dropped, variable)
        out += estimates
      }
    }
    return ctx.result(statistic, out)
  }

  /// The ratio of two totals, R `svyratio(~num, ~den, design)`.
  public static func ratio(
    numerator: String, denominator: String, data: DataFrame, design: SampleDesign, options: DescriptiveOptions = .init()
  ) throws -> DescriptiveResult {
    var ctx = try Context(data: data, design: design, options: options)
    let y = try data.numericValues(of: numerator)
    let x = try data.numericValues(of: denominator)
    var out: [DescriptiveEstimate] = []
    for group in ctx.groups {
      let rows = group.rows.filter { !y.missing[$0] && !x.missing[$0] }
      ctx.countDropped(group.rows.count - rows.count, "\(numerator)/\(denominator)")
      out.append(
        try ctx.ratio(y: rows.map { y.values[$0] }, x: rows.map { x.values[$0] }, rows: rows,
                      variable: "\(numerator)/\(denominator)", by: group.by))
    }
    return ctx.result(.ratio, out)
  }
}

/// Whether `name` is a text (factor) column, not a numeric one (a column of numbers with a stray
/// word is numeric here, so that reading it reports the stray word).
func isCategoricalColumn(_ name: String, data: DataFrame) -> Bool {
  guard let column = try? data.column(named: name), column.strayText == nil else { return false }
  if case .factor = column.storage { return true }
  return false
}

/// Codes (−1 for missing) and level names of a column used as a factor: factor levels as
/// stored, numeric values sorted.
func factorCodes(_ name: String, data: DataFrame) throws -> (codes: [Int], levels: [String]) {
  let column = try data.column(named: name)
  switch column.storage {
  case .factor(let f):
    return (f.codes.map { Int($0) }, f.levels)
  case .numeric(let c):
    // Small non-negative integer codes (0/1 indicators, category numbers): one marker pass.
    var small = true
    var top = 0.0
    for i in 0..<c.count where !c.missing[i] {
      let v = c.values[i]
      guard v >= 0, v <= 4_096, v == v.rounded() else {
        small = false
        break
      }
      top = max(top, v)
    }
    if small {
      var seen = [Bool](repeating: false, count: Int(top) + 1)
      for i in 0..<c.count where !c.missing[i] { seen[Int(c.values[i])] = true }
      var index = [Int](repeating: -1, count: seen.count)
      var names: [String] = []
      for (v, present) in seen.enumerated() where present {
        index[v] = names.count
        names.append(String(v))
      }
      return ((0..<c.count).map { c.missing[$0] ? -1 : index[Int(c.values[$0])] }, names)
    }
    let distinct = Array(Set((0..<c.count).filter { !c.missing[$0] }.map { c.values[$0] })).sorted()
    var index: [Double: Int] = [:]
    for (k, v) in distinct.enumerated() { index[v] = k }
    let codes = (0..<c.count).map { c.missing[$0] ? -1 : (index[c.values[$0]] ?? -1) }
    let names = distinct.map { v in v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }
    return (codes, names)
  }
}

/// A group of `by` (or the whole domain): its rows and labels.
struct DescriptiveGroup: Sendable {
  var rows: [Int]
  var by: [(String, String)]
}

/// The shared state of one descriptive call: the design, its domain and groups.
struct Context: Sendable {
  let data: DataFrame
  let design: SampleDesign
  let options: DescriptiveOptions
  let groups: [DescriptiveGroup]
  let fullDF: Int
  var dropped: [String: Int] = [:]

  init(data: DataFrame, design: SampleDesign, options: DescriptiveOptions) throws {
    guard options.level > 0 && options.level < 100 else { throw InferenceError.invalidLevel(options.level) }
    self.data = data
    self.design = design
    self.options = options
    let domainRows = options.domain?.rows ?? Array(0..<data.rowCount)
    if domainRows.isEmpty { throw DesignError.emptySample(label: options.domain?.label) }
    self.fullDF = design.degreesOfFreedom(rows: Array(0..<data.rowCount))
    if options.by.isEmpty {
      self.groups = [DescriptiveGroup(rows: domainRows, by: [])]
    } else {
      var coded: [(codes: [Int], levels: [String])] = []
      for b in options.by { coded.append(try factorCodes(b, data: data)) }
      // One integer key per row, the first variable varying fastest, so sorted keys give R's
      // svyby order (sorted interaction levels, the first variable varying fastest).
      var key = [Int](repeating: -1, count: domainRows.count)
      var radix = 1
      var overflow = false
      for c in coded {
        for (i, r) in domainRows.enumerated() where key[i] != -2 {
          let code = c.codes[r]
          key[i] = code < 0 ? -2 : (key[i] < 0 ? 0 : key[i]) + code * radix
        }
        let (next, o) = radix.multipliedReportingOverflow(by: Swift.max(c.levels.count, 1))
        radix = next
        overflow = overflow || o
      }
      if overflow { throw DesignError.tooManyGroups(variables: options.by) }
      var members: [Int: [Int]] = [:]
      if radix <= Swift.max(4_096, 4 * domainRows.count) {
        // Dense keys: rows bucketed through an array (no hashing per row).
        var counts = [Int](repeating: 0, count: radix)
        for k in key where k >= 0 { counts[k] += 1 }
        var buckets = counts.map { c -> [Int] in
          var rows: [Int] = []
          rows.reserveCapacity(c)
          return rows
        }
        for (i, r) in domainRows.enumerated() where key[i] >= 0 { buckets[key[i]].append(r) }
        for (k, rows) in buckets.enumerated() where !rows.isEmpty { members[k] = rows }
      } else {
        for (i, r) in domainRows.enumerated() where key[i] >= 0 { members[key[i], default: []].append(r) }
      }
      self.groups = members.keys.sorted().map { k in
        var rest = k
        let labels = coded.enumerated().map { (j, c) -> (String, String) in
          let level = rest % Swift.max(c.levels.count, 1)
          rest /= Swift.max(c.levels.count, 1)
          return (options.by[j], c.levels[level])
        }
        return DescriptiveGroup(rows: members[k] ?? [], by: labels)
      }
    }
  }

  mutating func countDropped(_ n: Int, _ variable: String) {
    if n > 0 { dropped[variable, default: 0] += n }
  }

  var isReplicate: Bool {
    if case .replicate = design { return true }
    return false
  }

  /// Critical value and df for an interval on `rows`.
  func critical(quantileRows rows: [Int]?) -> (value: Double, df: Int?) {
    let alpha = 1 - options.level / 100
    switch options.convention {
    case .stata:
      return (StudentT(df: Double(fullDF)).quantile(1 - alpha / 2), fullDF)
    case .r:
      if let rows {
        let df = design.degreesOfFreedom(rows: rows)
        return (StudentT(df: Double(df)).quantile(1 - alpha / 2), df)
      }
      return (Normal.quantile(1 - alpha / 2), nil)
    }
  }

  /// Weighted variance as R `svyvar` (n/(n − 1) Σ w (y − ȳ)² / Σ w), with n the number of rows
  /// with non-zero weight (linearization) or all rows (replicate designs, as R).
  func svyvar(_ y: [Double], _ w: [Double]) -> (variance: Double, n: Double, population: Double) {
    let sw = w.reduce(0, +)
    let mean = zip(y, w).reduce(0) { $0 + $1.0 * $1.1 } / sw
    let n = Double(isReplicate ? y.count : w.filter { $0 != 0 }.count)
    let ss = zip(y, w).reduce(0) { $0 + $1.1 * ($1.0 - mean) * ($1.0 - mean) } / sw
    return (ss * n / (n - 1), n, sw)
  }

  /// The variance of a mean under simple random sampling of `s.n` rows, the denominator of the
  /// design effect: without replacement from a population of `s.population` (R `deff = TRUE`,
  /// `svyvar · (N − n)/(N n)`) when the weights sum to more than the sample size; with replacement
  /// (R `deff = "replace"`, `svyvar / n`) otherwise — equal weights of 1 without a design imply no
  /// finite population, and R's formula would divide by zero there ("Deff Inf") or go negative.
  func srsVariance(_ s: (variance: Double, n: Double, population: Double)) -> Double {
    s.population > s.n ? s.variance * (s.population - s.n) / (s.population * s.n) : s.variance / s.n
  }

  func make(
    _ variable: String, level: String? = nil, quantile: Double? = nil, by: [(String, String)], estimate: Double,
    variance: Double, deff: Double?, rows: [Int]
  ) -> DescriptiveEstimate {
    let se = variance.squareRoot()
    let (z, df) = critical(quantileRows: nil)
    return DescriptiveEstimate(
      variable: variable, level: level, quantile: quantile, by: by, estimate: estimate, stdError: se,
      confLow: estimate - z * se, confHigh: estimate + z * se, deff: deff, cv: se / estimate,
      observations: rows.count, df: df)
  }

  /// Mean or total of `y` over `rows`.
  func linear(_ statistic: DescriptiveStatistic, y: [Double], rows: [Int], variable: String, by: [(String, String)]) throws
    -> DescriptiveEstimate
  {
    if rows.isEmpty { throw DesignError.emptyDomain(variable: variable) }
    let isMean = statistic == .mean
    let (est, v) = try design.covariance(
      rows: rows,
      estimate: { w in
        let t = zip(y, w).reduce(0) { $0 + $1.0 * $1.1 }
        return [isMean ? t / w.reduce(0, +) : t]
      },
      influence: { w in
        if isMean {
          let sw = w.reduce(0, +)
          let m = zip(y, w).reduce(0) { $0 + $1.0 * $1.1 } / sw
          return Matrix(rows: y.count, cols: 1, columnMajor: zip(y, w).map { $1 * ($0 - m) / sw })
        }
        return Matrix(rows: y.count, cols: 1, columnMajor: zip(y, w).map { $0 * $1 })
      })
    let w = rows.map { design.weights[$0] }
    let s = svyvar(y, w)
    let vsrs = isMean ? srsVariance(s) : srsVariance(s) * s.population * s.population
    return make(variable, by: by, estimate: est[0], variance: v[0, 0], deff: v[0, 0] / vsrs, rows: rows)
  }

  /// Proportions of every level of a factor over `rows`.
  func proportions(
    codes: [Int], levels: [String], rows: [Int], variable: String, by: [(String, String)], domainRows: [Int]? = nil
  ) throws -> [DescriptiveEstimate] {
    if rows.isEmpty { throw DesignError.emptyDomain(variable: variable) }
    let k = levels.count
    let (est, v) = try design.covariance(
      rows: rows,
      estimate: { w in
        let sw = w.reduce(0, +)
        var p = [Double](repeating: 0, count: k)
        for (i, c) in codes.enumerated() { p[c] += w[i] / sw }
        return p
      },
      influence: { w in
        let sw = w.reduce(0, +)
        var p = [Double](repeating: 0, count: k)
        for (i, c) in codes.enumerated() { p[c] += w[i] / sw }
        var m = Matrix(rows: codes.count, cols: k)
        for (i, c) in codes.enumerated() {
          for j in 0..<k { m[i, j] = w[i] * ((c == j ? 1 : 0) - p[j]) / sw }
        }
        return m
      })
    let w = rows.map { design.weights[$0] }
    return (0..<k).map { j in
      let y: [Double] = codes.map { $0 == j ? 1 : 0 }
      let s = svyvar(y, w)
      let vsrs = srsVariance(s)
      var e = make(variable, level: levels[j], by: by, estimate: est[j], variance: v[j, j], deff: v[j, j] / vsrs, rows: rows)
      if let method = options.proportionInterval {
        let ci = proportionInterval(
          method, p: est[j], variance: v[j, j], y: y, rows: rows, domainRows: domainRows ?? rows)
        e.confLow = ci.low
        e.confHigh = ci.high
        e.df = ci.df
        e.interval = method
      }
      return e
    }
  }

  /// Ratio of totals Σwy / Σwx over `rows`.
  func ratio(y: [Double], x: [Double], rows: [Int], variable: String, by: [(String, String)]) throws -> DescriptiveEstimate {
    if rows.isEmpty { throw DesignError.emptyDomain(variable: variable) }
    func r(_ w: [Double]) -> (Double, Double) {
      let ty = zip(y, w).reduce(0) { $0 + $1.0 * $1.1 }
      let tx = zip(x, w).reduce(0) { $0 + $1.0 * $1.1 }
      return (ty / tx, tx)
    }
    let (est, v) = try design.covariance(
      rows: rows, estimate: { [r($0).0] },
      influence: { w in
        let (ratio, tx) = r(w)
        return Matrix(rows: y.count, cols: 1, columnMajor: y.indices.map { w[$0] * (y[$0] - ratio * x[$0]) / tx })
      })
    var deff: Double?
    if !isReplicate {
      let w = rows.map { design.weights[$0] }
      let (ratio, tx) = r(w)
      let s = svyvar(y.indices.map { (y[$0] - ratio * x[$0]) / tx }, w)
      deff = v[0, 0] / (srsVariance(s) * s.population * s.population)
    }
    return make(variable, by: by, estimate: est[0], variance: v[0, 0], deff: deff, rows: rows)
  }

  func result(_ statistic: DescriptiveStatistic, _ estimates: [DescriptiveEstimate]) -> DescriptiveResult {
    var notes: [String] = []
    for (variable, n) in dropped.sorted(by: { $0.key < $1.key }) {
      notes.append("\(n) row(s) with missing \(variable) left out of its domain (the design is kept)")
    }
    let zero = design.weights.filter { $0 == 0 }.count
    if zero > 0 { notes.append("\(zero) row(s) have zero sampling weight") }
    if !isReplicate, estimates.contains(where: { $0.deff != nil }),
      design.weights.reduce(0, +) <= Double(design.weights.count - zero)
    {
      notes.append(
        "deff compares with simple random sampling with replacement (weights sum <= n; R deff = \"replace\")")
    }
    return DescriptiveResult(
      statistic: statistic, estimates: estimates, design: design.summary, df: fullDF, level: options.level,
      convention: options.convention, domain: options.domain?.label, notes: notes)
  }
}
