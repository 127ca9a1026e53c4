import Foundation
import Strata
@testable import StrataPostgres
import Testing
import _StrataTestSupport

/// Fits pushed down to a real PostgreSQL server started here give the numbers of the
/// in-memory (CSV) path to 1e-9 relative.
@Suite("PostgreSQL pushdown", .serialized)
struct PushdownTests {
  @Test("connection strings: table split off, passwords scrubbed")
  func connectionStrings() throws {
    let (c, t) = ConnectionString.split("postgresql://u:secret@h:5432/db?sslmode=disable&table=public.api")
    #expect(c == "postgresql://u:secret@h:5432/db?sslmode=disable")
    #expect(t == "public.api")
    #expect(ConnectionString.scrub(c) == "postgresql://u:***@h:5432/db?sslmode=disable")
    #expect(ConnectionString.scrub("host=h password=secret dbname=x") == "host=h password=*** dbname=x")
    let s = try PostgresSource(uri: "postgresql://u:secret@h/db?table=api")
    #expect(s.displayName == "postgresql://u:***@h/db table api")
    #expect(!s.displayName.contains("secret"))
    #expect(throws: PostgresError.self) { try PostgresSource(uri: "postgresql://u@h/db") }
  }

  @Test("OLS, logit, Poisson and a design-based logit equal the CSV path")
  func fitsMatchCSV() throws {
    let server: PostgresServer
    do { server = try PostgresServer() } catch {
      Issue.record("cannot start a PostgreSQL server: \(error)")
      return
    }
    defer { server.stop() }
    let csv = try server.stage(datasetPath("apistrat.csv"))
    let header = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")[0]
    let columns = header.split(separator: ",").map { "\(SQL.identifier(String($0))) text" }
    let admin = try LibPQConnection(conninfo: server.uri)
    _ = try admin.query("CREATE TABLE apistrat (\(columns.joined(separator: ", ")))")
    _ = try admin.query("COPY apistrat FROM \(SQL.literal(csv)) WITH (FORMAT csv, HEADER true)")
    let frame = try DataFrame(contentsOf: datasetPath("apistrat.csv"))
    let table = try PostgresSource(uri: server.uri + "?table=public.apistrat")
    // sch.wide is Yes/No: the CSV path models P(Yes) (R's factor response); the SQL source recodes it.
    let recoded = try PostgresSource(
      uri: server.uri,
      sql: "SELECT *, CASE WHEN \"sch.wide\" = 'Yes' THEN 1 ELSE 0 END AS \"sch.wide01\" FROM apistrat")

    struct Case {
      var family: PushdownFamily
      var model: ModelKind
      var formula: String
      var sqlFormula: String? = nil
      var weights: String? = nil
      var pushVariance: PushdownVariance
      var variance: Variance?
      var design: DesignSpecification? = nil
    }
    let ols = "api00 ~ ell + meals + mobility + factor(stype)"
    let logit = "sch.wide ~ ell + meals + mobility"
    let logit01 = "sch.wide01 ~ ell + meals + mobility"
    let pois = "ell ~ meals + factor(stype)"
    let cases: [Case] = [
      Case(family: .gaussian, model: .ols, formula: ols, pushVariance: .classical, variance: .classical),
      Case(family: .gaussian, model: .ols, formula: ols, pushVariance: .hc1, variance: .hc(.hc1)),
      Case(family: .gaussian, model: .ols, formula: ols, pushVariance: .cluster("dnum"), variance: .cluster(["dnum"])),
      Case(family: .gaussian, model: .ols, formula: ols, weights: "pw", pushVariance: .hc0, variance: .hc(.hc0)),
      Case(family: .logit, model: .logit, formula: logit, sqlFormula: logit01, pushVariance: .classical, variance: .classical),
      Case(family: .logit, model: .logit, formula: logit, sqlFormula: logit01, pushVariance: .hc0, variance: .hc(.hc0)),
      Case(family: .poisson, model: .poisson, formula: pois, pushVariance: .classical, variance: .classical),
      Case(family: .poisson, model: .poisson, formula: pois, pushVariance: .hc1, variance: .hc(.hc1)),
      Case(
        family: .logit, model: .logit, formula: logit, sqlFormula: logit01, weights: "pw",
        pushVariance: .design(strata: "stype", psu: nil, fpc: "fpc"), variance: nil,
        design: DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])),
      Case(
        family: .gaussian, model: .ols, formula: ols, weights: "pw",
        pushVariance: .design(strata: "stype", psu: "dnum", fpc: nil), variance: nil,
        design: DesignSpecification(weights: "pw", strata: "stype", psu: ["dnum"], nest: true)),
    ]
    var compared = 0
    for c in cases {
      var spec = FitSpecification(model: c.model, formula: c.formula, variance: c.variance)
      if let d = c.design { spec.design = d } else { spec.weights = c.weights }
      let reference = try Model.fit(spec, data: frame)
      let source = c.sqlFormula == nil ? table : recoded
      let pushed = try Pushdown.fit(
        PushdownSpecification(
          family: c.family, formula: c.sqlFormula ?? c.formula, weights: c.weights, variance: c.pushVariance),
        source: source)
      let label = "\(c.model) \(c.formula) \(c.pushVariance)"
      #expect(pushed.terms.count == reference.coefficients.count, "\(label)")
      for (j, r) in reference.coefficients.enumerated() where j < pushed.terms.count {
        compared += 1
        #expect(pushed.terms[j] == r.term, "\(label): term \(j)")
        let e = try #require(r.estimate), se = try #require(r.stdError)
        #expect(isClose(pushed.coefficients[j], e, rtol: 1e-9), "\(label) \(r.term): \(pushed.coefficients[j]) vs \(e)")
        #expect(isClose(pushed.standardErrors[j], se, rtol: 1e-9), "\(label) \(r.term) SE: \(pushed.standardErrors[j]) vs \(se)")
      }
      // Only aggregates cross the wire: no statement returns rows of the table.
      #expect(pushed.statements.allSatisfy { $0.hasPrefix("SELECT DISTINCT") || $0.contains("SUM(") || $0.contains("COUNT(") })
    }
    // 4 OLS fits × 6 terms, 2 logit × 4, 2 Poisson × 4, design logit 4, design WLS 6.
    #expect(compared == 50)
  }

  @Test("bad input: unknown column and unsupported term name the culprit")
  func errors() throws {
    let server: PostgresServer
    do { server = try PostgresServer() } catch {
      Issue.record("cannot start a PostgreSQL server: \(error)")
      return
    }
    defer { server.stop() }
    let admin = try LibPQConnection(conninfo: server.uri)
    _ = try admin.query("CREATE TABLE t (y double precision, x double precision)")
    _ = try admin.query("INSERT INTO t VALUES (1, 2), (2, 3), (4, 1), (3, 5)")
    let source = try PostgresSource(uri: server.uri + "?table=t")
    do {
      _ = try Pushdown.fit(PushdownSpecification(family: .gaussian, formula: "y ~ nosuch"), source: source)
      Issue.record("no error for an unknown column")
    } catch let e as PostgresError {
      #expect(e.description.contains("nosuch"))
    }
    do {
      _ = try Pushdown.fit(PushdownSpecification(family: .gaussian, formula: "y ~ log(x)"), source: source)
      Issue.record("no error for log(x)")
    } catch let e as PostgresError {
      #expect(e.description.contains("log(x)"))
    }
    #expect(throws: PostgresError.self) {
      try Pushdown.fit(
        PushdownSpecification(family: .gaussian, formula: "y ~ x"),
        source: try PostgresSource(uri: "postgresql://nobody:pw@127.0.0.1:1/db?table=t"))
    }
    do {
      _ = try Pushdown.fit(
        PushdownSpecification(family: .gaussian, formula: "y ~ x"),
        source: try PostgresSource(uri: "postgresql://nobody:pw@127.0.0.1:1/db?table=t"))
    } catch {
      #expect(!"\(error)".contains(":pw@"))
    }
  }
  @Test("strata fit --data postgresql://… prints the CSV path's numbers and no password")
  func commandLine() throws {
    let server: PostgresServer
    do { server = try PostgresServer() } catch {
      Issue.record("cannot start a PostgreSQL server: \(error)")
      return
    }
    defer { server.stop() }
    let csv = try server.stage(datasetPath("apistrat.csv"))
    let header = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")[0]
    let columns = header.split(separator: ",").map { "\(SQL.identifier(String($0))) text" }
    let admin = try LibPQConnection(conninfo: server.uri)
    _ = try admin.query("CREATE TABLE apistrat (\(columns.joined(separator: ", ")))")
    _ = try admin.query("COPY apistrat FROM \(SQL.literal(csv)) WITH (FORMAT csv, HEADER true)")
    // trust authentication ignores the password; it must not appear in any output.
    let uri = "postgresql://postgres:sekret@127.0.0.1:\(server.port)/postgres"
    let run = try runStrata([
      "fit", "logit", "sch.wide01 ~ ell + meals + mobility", "--data", uri,
      "--sql", "SELECT *, CASE WHEN \"sch.wide\" = 'Yes' THEN 1 ELSE 0 END AS \"sch.wide01\" FROM apistrat",
      "--weights", "pw", "--strata", "stype", "--fpc", "fpc", "--format", "json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(!run.stdout.contains("sekret") && !run.stderr.contains("sekret"))
    #expect(run.stdout.contains("postgres:***@127.0.0.1"))
    let json = try #require(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let coefficients = try #require(json["coefficients"] as? [[String: Any]])
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility")
    spec.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    let reference = try Model.fit(spec, data: try DataFrame(contentsOf: datasetPath("apistrat.csv")))
    #expect(coefficients.count == reference.coefficients.count)
    for (c, r) in zip(coefficients, reference.coefficients) {
      #expect(c["term"] as? String == r.term)
      let e = try #require(number(c["estimate"])), se = try #require(number(c["std_error"]))
      #expect(isClose(e, try #require(r.estimate), rtol: 1e-9), "\(r.term)")
      #expect(isClose(se, try #require(r.stdError), rtol: 1e-9), "\(r.term) SE")
    }
    // A refused flag names itself; the text report names the levels and no password.
    let refused = try runStrata(["fit", "ols", "api00 ~ ell", "--data", uri + "?table=apistrat", "--subset", "ell > 5"])
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("--subset is not available with a PostgreSQL --data yet"))
    let text = try runStrata(["fit", "ols", "api00 ~ ell + factor(stype)", "--data", uri + "?table=apistrat"])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.contains("factor(stype)M"))
    #expect(!text.stdout.contains("sekret"))
  }
}
