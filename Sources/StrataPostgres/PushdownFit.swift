import Foundation
import StrataLinalg

/// Model families the pushdown computes (canonical links).
public enum PushdownFamily: String, Sendable, CaseIterable {
  case gaussian  // lm / wls
  case logit  // binomial(logit)
  case poisson  // poisson(log)
}

/// Variance estimators of the pushdown.
public enum PushdownVariance: Sendable, Equatable {
  case classical, hc0, hc1
  /// Cluster-robust (sandwich::vcovCL, type HC1 with the G/(G-1) adjustment), one column.
  case cluster(String)
  /// Design-based (survey::svyglm): strata, PSU, FPC columns; `--weights` are sampling weights.
  case design(strata: String?, psu: String?, fpc: String?)
}

/// A fit whose data stay in PostgreSQL: the formula is compiled into aggregate SQL.
public struct PushdownSpecification: Sendable {
  public var family: PushdownFamily
  public var formula: String
  public var weights: String?
  public var variance: PushdownVariance
  public var maxIterations: Int
  public init(
    family: PushdownFamily, formula: String, weights: String? = nil, variance: PushdownVariance = .classical,
    maxIterations: Int = 100
  ) {
    self.family = family
    self.formula = formula
    self.weights = weights
    self.variance = variance
    self.maxIterations = maxIterations
  }
}

/// The result: coefficients, covariance and the SQL that produced them.
public struct PushdownFit: Sendable {
  public var terms: [String]
  public var coefficients: [Double]
  /// Covariance, row-major p × p.
  public var covariance: [[Double]]
  public var standardErrors: [Double] { (0..<terms.count).map { covariance[$0][$0].squareRoot() } }
  public var observations: Int
  public var iterations: Int
  /// Deviance (residual sum of squares for gaussian).
  public var deviance: Double
  /// Every statement sent, in order (no connection details).
  public var statements: [String]
  public var source: String
}

/// One model-matrix column: its R name and its SQL expression.
struct PushdownColumn {
  var name: String
  var sql: String
}

/// Compiles and runs a pushdown fit.
public enum Pushdown {
  /// Fits `spec` on the rows of `source`.
  public static func fit(_ spec: PushdownSpecification, source: PostgresSource) throws -> PushdownFit {
    let connection = try LibPQConnection(conninfo: source.conninfo)
    var log: [String] = []
    func run(_ sql: String) throws -> [[String?]] {
      log.append(sql)
      return try connection.query(sql)
    }
    let from = try source.fromClause()
    let where_ = source.table ?? "the query"

    // Formula: response ~ term + term + factor(column); `- 1` / `+ 0` drop the intercept.
    let sides = spec.formula.split(separator: "~", omittingEmptySubsequences: false)
    guard sides.count == 2 else { throw PostgresError.data("formula '\(spec.formula)' needs one '~'") }
    let response = sides[0].trimmingCharacters(in: .whitespaces)
    guard isName(response) else { throw PostgresError.unsupported("response '\(response)' (a column name is needed)") }
    var used: [String] = [response]
    var intercept = true
    var termTexts: [String] = []
    for raw in sides[1].split(separator: "+") {
      let t = raw.trimmingCharacters(in: .whitespaces)
      if t == "1" { continue }
      if t == "0" || t == "-1" { intercept = false; continue }
      if t.hasSuffix("- 1") || t.hasSuffix("-1") {
        intercept = false
        let rest = t.replacingOccurrences(of: "-1", with: "").replacingOccurrences(of: "- 1", with: "")
          .trimmingCharacters(in: .whitespaces)
        if !rest.isEmpty { termTexts.append(rest) }
        continue
      }
      termTexts.append(t)
    }
    var columns: [PushdownColumn] = intercept ? [PushdownColumn(name: "(Intercept)", sql: "1.0")] : []
    var factorTerms: [(term: String, column: String)] = []
    for t in termTexts {
      if isName(t) {
        columns.append(PushdownColumn(name: t, sql: "CAST(\(SQL.identifier(t)) AS double precision)"))
        used.append(t)
      } else if t.hasPrefix("factor("), t.hasSuffix(")") {
        let c = String(t.dropFirst(7).dropLast()).trimmingCharacters(in: .whitespaces)
        guard isName(c) else { throw PostgresError.unsupported("term '\(t)' (factor() of a column name only)") }
        factorTerms.append((t, c))
        used.append(c)
        columns.append(PushdownColumn(name: "\u{0}factor:\(factorTerms.count - 1)", sql: ""))
      } else {
        throw PostgresError.unsupported("term '\(t)' in '\(spec.formula)' (columns and factor(column) only)")
      }
    }
    if let w = spec.weights {
      guard isName(w) else { throw PostgresError.unsupported("weights '\(w)' (a column name is needed)") }
      used.append(w)
    }
    var designColumns: (h: String?, c: String?, f: String?) = (nil, nil, nil)
    switch spec.variance {
    case .cluster(let c):
      guard isName(c) else { throw PostgresError.unsupported("cluster '\(c)' (a column name is needed)") }
      used.append(c)
    case .design(let h, let c, let f):
      for x in [h, c, f].compactMap({ $0 }) {
        guard isName(x) else { throw PostgresError.unsupported("design column '\(x)' (a column name is needed)") }
        used.append(x)
      }
      designColumns = (h, c, f)
    default: break
    }
    var seen = Set<String>()
    used = used.filter { seen.insert($0).inserted }
    let notNull = used.map { "\(SQL.identifier($0)) IS NOT NULL" }.joined(separator: " AND ")

    // Factor levels: one SELECT DISTINCT per factor, sorted as R sorts them (numerically
    // when every level is a number, else by code points).
    var expanded: [PushdownColumn] = []
    for col in columns {
      guard col.name.hasPrefix("\u{0}factor:"), let k = Int(col.name.dropFirst(8)) else {
        expanded.append(col)
        continue
      }
      let (term, c) = factorTerms[k]
      let rows = try run(
        "SELECT DISTINCT CAST(\(SQL.identifier(c)) AS text) AS level FROM \(from) WHERE \(notNull)")
      var levels = rows.compactMap { $0.first ?? nil }
      if levels.allSatisfy({ Double($0) != nil }) {
        levels.sort { Double($0)! < Double($1)! }
      } else {
        levels.sort { $0.unicodeScalars.map(\.value).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }
      }
      guard levels.count >= 2 else {
        throw PostgresError.data("factor column '\(c)' of \(where_) has \(levels.count) level(s); a factor needs two")
      }
      for level in levels.dropFirst(intercept ? 1 : 0) {
        expanded.append(
          PushdownColumn(
            name: term + level,
            sql: "CASE WHEN CAST(\(SQL.identifier(c)) AS text) = \(SQL.literal(level)) THEN 1.0 ELSE 0.0 END"))
      }
    }
    columns = expanded
    let p = columns.count
    guard p > 0 else { throw PostgresError.data("formula '\(spec.formula)' has no terms") }

    // The innermost query: model-matrix columns x0…, response y, weight w (and design columns).
    var base = columns.enumerated().map { "\($1.sql) AS x\($0)" }
    base.append("CAST(\(SQL.identifier(response)) AS double precision) AS y")
    base.append(spec.weights.map { "CAST(\(SQL.identifier($0)) AS double precision) AS w" } ?? "1.0 AS w")
    if case .cluster(let c) = spec.variance { base.append("CAST(\(SQL.identifier(c)) AS text) AS g") }
    if let h = designColumns.h { base.append("CAST(\(SQL.identifier(h)) AS text) AS h") } else if case .design = spec.variance { base.append("'1' AS h") }
    if let c = designColumns.c { base.append("CAST(\(SQL.identifier(c)) AS text) AS c") }
    if let f = designColumns.f { base.append("CAST(\(SQL.identifier(f)) AS double precision) AS f") }
    let q0 = "SELECT \(base.joined(separator: ", ")) FROM \(from) WHERE \(notNull)"

    // Checks on the data, in one query: rows, response range, weights.
    let checks = try run(
      "SELECT COUNT(*), MIN(y), MAX(y), MIN(w), SUM(CASE WHEN y <> FLOOR(y) THEN 1 ELSE 0 END) FROM (\(q0)) AS d")[0]
    let n = Int(checks[0] ?? "0") ?? 0
    guard n > p else {
      throw PostgresError.data("\(where_) has \(n) complete rows for \(p) coefficients")
    }
    let yMin = Double(checks[1] ?? "0") ?? 0, yMax = Double(checks[2] ?? "0") ?? 0
    let wMin = Double(checks[3] ?? "1") ?? 1
    if wMin < 0 { throw PostgresError.data("weights '\(spec.weights ?? "")' of \(where_) has negative values") }
    switch spec.family {
    case .logit:
      guard yMin >= 0, yMax <= 1 else {
        throw PostgresError.data("response '\(response)' of \(where_) is outside [0, 1] for logit")
      }
    case .poisson:
      guard yMin >= 0 else { throw PostgresError.data("response '\(response)' of \(where_) has negative counts") }
    case .gaussian: break
    }

    // Per-row working quantities at the coefficients `beta`: eta, mu, the working weight ww
    // (the bread's weight) and r (the score is r·x), and the deviance contribution.
    func working(_ beta: [Double]) -> String {
      let eta = (0..<p).map { "\(SQL.number(beta[$0])) * x\($0)" }.joined(separator: " + ")
      let q1 = "SELECT d.*, \(eta) AS eta FROM (\(q0)) AS d"
      let mu: String
      let ww: String, r: String, dev: String
      switch spec.family {
      case .gaussian:
        mu = "eta"
        ww = "w"
        r = "w * (y - mu)"
        dev = "w * (y - mu) * (y - mu)"
      case .logit:
        mu = "1.0 / (1.0 + EXP(-eta))"
        ww = "w * mu * (1.0 - mu)"
        r = "w * (y - mu)"
        dev =
          "-2.0 * w * (CASE WHEN y > 0 THEN y * LN(mu / y) ELSE 0.0 END + CASE WHEN y < 1 THEN (1.0 - y) * LN((1.0 - mu) / (1.0 - y)) ELSE 0.0 END)"
      case .poisson:
        mu = "EXP(eta)"
        ww = "w * mu"
        r = "w * (y - mu)"
        dev = "2.0 * w * (CASE WHEN y > 0 THEN y * LN(y / mu) ELSE 0.0 END - (y - mu))"
      }
      let q2 = "SELECT e.*, \(mu) AS mu FROM (\(q1)) AS e"
      return "SELECT m.*, \(ww) AS ww, \(r) AS r, \(dev) AS dev FROM (\(q2)) AS m"
    }
    func pairs() -> [(Int, Int)] { (0..<p).flatMap { j in (j..<p).map { (j, $0) } } }
    func symmetric(_ values: [Double]) -> Matrix {
      var m = Matrix(rows: p, cols: p)
      for ((j, k), v) in zip(pairs(), values) { m[j, k] = v; m[k, j] = v }
      return m
    }
    func doubles(_ row: [String?], _ what: String) throws -> [Double] {
      try row.map {
        guard let s = $0, let v = Double(s), v.isFinite else {
          throw PostgresError.numerical("the \(what) of \(where_) is not finite (separation or overflow?)")
        }
        return v
      }
    }

    // IRLS as Newton steps: one aggregate query per iteration returns X'WX (p(p+1)/2 sums),
    // the score X'r (p sums) and the deviance; the step solves X'WX δ = X'r.
    var beta = [Double](repeating: 0, count: p)
    if spec.family != .gaussian {
      // R's start: mu = (y + 0.5)/2 for binomial, y + 0.1 for Poisson; eta from it, by one
      // weighted least-squares pass.
      let z: String, wz: String
      if spec.family == .logit {
        z = "LN(((y * w + 0.5) / (w + 1.0)) / (1.0 - (y * w + 0.5) / (w + 1.0)))"
        wz = "w * ((y * w + 0.5) / (w + 1.0)) * (1.0 - (y * w + 0.5) / (w + 1.0))"
      } else {
        z = "LN(y + 0.1)"
        wz = "w * (y + 0.1)"
      }
      let sums = pairs().map { "SUM(sw * x\($0.0) * x\($0.1))" } + (0..<p).map { "SUM(sw * sz * x\($0))" }
      let row = try run("SELECT \(sums.joined(separator: ", ")) FROM (SELECT d.*, \(wz) AS sw, \(z) AS sz FROM (\(q0)) AS d) AS s")[0]
      let v = try doubles(row, "starting values")
      let a = symmetric(Array(v[0..<pairs().count]))
      beta = try solve(a, Array(v[pairs().count...]), where_)
    }
    var iterations = 0
    var bread = Matrix(rows: p, cols: p)
    var deviance = 0.0
    while true {
      iterations += 1
      let sums =
        pairs().map { "SUM(ww * x\($0.0) * x\($0.1))" } + (0..<p).map { "SUM(r * x\($0))" } + ["SUM(dev)"]
      let row = try run("SELECT \(sums.joined(separator: ", ")) FROM (\(working(beta))) AS s")[0]
      let v = try doubles(row, "cross-products")
      let np = pairs().count
      bread = symmetric(Array(v[0..<np]))
      let score = Array(v[np..<(np + p)])
      deviance = v[np + p]
      let step = try solve(bread, score, where_)
      let stepNorm = step.map { $0 * $0 }.reduce(0, +).squareRoot()
      let betaNorm = beta.map { $0 * $0 }.reduce(0, +).squareRoot()
      if stepNorm <= 1e-10 * (betaNorm + 1e-10) && iterations >= 2 { break }
      for j in 0..<p { beta[j] += step[j] }
      if iterations >= spec.maxIterations {
        throw PostgresError.numerical(
          "the fit on \(where_) did not converge in \(spec.maxIterations) iterations")
      }
    }
    let breadInverse: Matrix
    do { breadInverse = try Cholesky(bread).inverse() } catch {
      throw PostgresError.numerical("X'WX of \(where_) is singular: a term is collinear or constant")
    }
    let w = working(beta)
    func sandwich(_ meat: Matrix, scale: Double) -> Matrix {
      var out = breadInverse * meat * breadInverse
      for j in 0..<p { for k in 0..<p { out[j, k] *= scale } }
      return out
    }
    let scoreSums = pairs().map { "SUM(s\($0.0) * s\($0.1))" }
    let covariance: Matrix
    switch spec.variance {
    case .classical:
      let dispersion = spec.family == .gaussian ? deviance / Double(n - p) : 1
      covariance = dispersion * breadInverse
    case .hc0, .hc1:
      let s = (0..<p).map { "r * x\($0) AS s\($0)" }.joined(separator: ", ")
      let row = try run("SELECT \(scoreSums.joined(separator: ", ")) FROM (SELECT \(s) FROM (\(w)) AS t) AS u")[0]
      let meat = symmetric(try doubles(row, "score cross-products"))
      covariance = sandwich(meat, scale: spec.variance == .hc1 ? Double(n) / Double(n - p) : 1)
    case .cluster:
      let s = (0..<p).map { "SUM(r * x\($0)) AS s\($0)" }.joined(separator: ", ")
      let row = try run(
        "SELECT COUNT(*), \(scoreSums.joined(separator: ", ")) FROM (SELECT g, \(s) FROM (\(w)) AS t GROUP BY g) AS u")[0]
      let v = try doubles(row, "cluster score cross-products")
      let g = v[0]
      guard g >= 2 else { throw PostgresError.data("cluster variance on \(where_) needs at least two clusters") }
      let meat = symmetric(Array(v.dropFirst()))
      covariance = sandwich(meat, scale: g / (g - 1) * Double(n - 1) / Double(n - p))
    case .design(_, let psu, let fpc):
      // PSU score totals within strata, centred at their stratum mean, summed by stratum:
      // per stratum n_h, the FPC, and the p(p+1)/2 centred cross-products.
      let totals = (0..<p).map { "SUM(r * x\($0)) AS s\($0)" }.joined(separator: ", ")
      let fpcItem = fpc == nil ? "" : ", MIN(f) AS fmin, MAX(f) AS fmax"
      let psuTotals =
        psu == nil
        ? "SELECT h, \((0..<p).map { "r * x\($0) AS s\($0)" }.joined(separator: ", "))\(fpc == nil ? "" : ", f AS fmin, f AS fmax") FROM (\(w)) AS t"
        : "SELECT h, c, \(totals)\(fpcItem) FROM (\(w)) AS t GROUP BY h, c"
      let means = (0..<p).map { "AVG(s\($0)) AS m\($0)" }.joined(separator: ", ")
      let centred = pairs().map { "SUM((u.s\($0.0) - v.m\($0.0)) * (u.s\($0.1) - v.m\($0.1)))" }
      let fpcOut = fpc == nil ? "" : ", MIN(u.fmin), MAX(u.fmax)"
      let sql = """
        WITH u AS (\(psuTotals)), v AS (SELECT h, COUNT(*) AS nh, \(means) FROM u GROUP BY h) \
        SELECT u.h, MIN(v.nh)\(fpcOut), \(centred.joined(separator: ", ")) FROM u JOIN v ON u.h = v.h GROUP BY u.h
        """
      var meat = Matrix(rows: p, cols: p)
      for row in try run(sql) {
        let stratum = row[0] ?? ""
        let v = try doubles(Array(row.dropFirst()), "PSU score totals")
        let nh = v[0]
        var factor = 1.0
        var offset = 1
        if fpc != nil {
          let (lo, hi) = (v[1], v[2])
          guard lo == hi else {
            throw PostgresError.data("fpc '\(fpc!)' of \(where_) varies within stratum \(stratum)")
          }
          factor = lo > 1 ? 1 - nh / lo : 1 - lo
          offset = 3
        }
        guard nh >= 2 else {
          throw PostgresError.data("stratum \(stratum) of \(where_) has one PSU (lonely PSU; R's default fails)")
        }
        let c = symmetric(Array(v[offset...]))
        for j in 0..<p { for k in 0..<p { meat[j, k] += factor * nh / (nh - 1) * c[j, k] } }
      }
      covariance = sandwich(meat, scale: 1)
    }
    return PushdownFit(
      terms: columns.map(\.name), coefficients: beta,
      covariance: (0..<p).map { j in (0..<p).map { covariance[j, $0] } },
      observations: n, iterations: iterations, deviance: deviance, statements: log, source: source.displayName)
  }

  static func isName(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first, CharacterSet.letters.contains(first) || first == "_" || first == "." else {
      return false
    }
    return s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "." }
  }

  static func solve(_ a: Matrix, _ b: [Double], _ where_: String) throws -> [Double] {
    do { return try Cholesky(a).solve(b) } catch {
      throw PostgresError.numerical("X'WX of \(where_) is singular: a term is collinear or constant")
    }
  }
}
