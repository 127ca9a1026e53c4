import Foundation
import Strata
@testable import StrataPostgres
import Testing
import _StrataTestSupport

/// Issue 21's first Done-when line: on one data set, the in-memory fit (`Model.fit`), the
/// streamed fit (`Model.fitStreaming`, many chunks), the fit pushed down to one PostgreSQL server
/// and the fit pushed down to a sharded cluster (a coordinator over two `postgres_fdw` shards,
/// sums grouped by the partition key) give the same terms, observations, degrees of freedom,
/// coefficients and standard errors, every pair of paths to 1e-9 relative.
///
/// The data: apiclus1 (one-stage cluster sample of 15 school districts, `dnum`, with an FPC) and
/// its JK1 replicate analysis weights `rw1`..`rw15` as R `as.svrepdesign(type = "JK1")` made
/// them (`Tests/Fixtures/stream/make_jk1.R`, which also wrote R's svyglm fit of the JK1 logit).
@Suite("Four-way agreement: in memory, streamed, one server, sharded", .serialized)
struct FourWayAgreementTests {
  static let file = repositoryPath("Tests/Fixtures/stream/apiclus1_jk1.csv")
  static let referenceFile = repositoryPath("Tests/Fixtures/stream/apiclus1_jk1_svyglm.json")
  /// Small enough that the streamed fit reads the file in many chunks.
  static let chunkBytes = 4096

  struct Case {
    var name: String
    var family: PushdownFamily
    var model: ModelKind
    var formula: String
    var variance: Variance? = nil
    var pushVariance: PushdownVariance = .classical
    var design: DesignSpecification? = nil
    var subpop: String? = nil
  }

  /// The design: PSUs (districts) with their FPC; the replicate design: R's JK1 weights and
  /// scale ((1 − f)(n − 1)/n with the FPC), the columns being analysis weights.
  static func designs() throws -> (linearized: DesignSpecification, jk1: DesignSpecification) {
    let reference = try #require(
      JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: referenceFile))) as? [String: Any])
    let scale = try #require(reference["scale"] as? Double)
    return (
      DesignSpecification(weights: "pw", psu: ["dnum"], fpc: ["fpc"]),
      DesignSpecification(
        weights: "pw",
        replicateWeights: ReplicateSpecification(columns: ["rw*"], type: .jk1, scale: scale, combinedWeights: true))
    )
  }

  static func cases() throws -> [Case] {
    let (design, jk1) = try designs()
    let logit = "sch.wide ~ ell + meals + mobility"
    return [
      Case(
        name: "OLS, factor, cluster", family: .gaussian, model: .ols,
        formula: "api00 ~ ell + meals + mobility + factor(stype)", variance: .cluster(["dnum"]),
        pushVariance: .cluster("dnum")),
      Case(
        name: "OLS, factor, HC1", family: .gaussian, model: .ols, formula: "api00 ~ ell * factor(stype) + log(enroll)",
        variance: .hc(.hc1), pushVariance: .hc1),
      Case(name: "logit", family: .logit, model: .logit, formula: logit),
      Case(
        name: "Poisson, factor", family: .poisson, model: .poisson, formula: "ell ~ meals + factor(stype)"),
      Case(
        name: "design logit in a domain", family: .logit, model: .logit, formula: logit,
        pushVariance: .design(design), design: design, subpop: "meals > 20 & stype != 'H'"),
      Case(
        name: "JK1 logit", family: .logit, model: .logit, formula: logit, pushVariance: .design(jk1), design: jk1),
      Case(
        name: "JK1 logit in a domain", family: .logit, model: .logit, formula: logit, pushVariance: .design(jk1),
        design: jk1, subpop: "stype == 'E'"),
      // Non-canonical links: Φ and φ written out in SQL, cloglog's expm1 (SQLMath).
      Case(name: "probit", family: .probit, model: .probit, formula: logit),
      Case(
        name: "design cloglog in a domain", family: .cloglog, model: .cloglog, formula: logit,
        pushVariance: .design(design), design: design, subpop: "meals > 20 & stype != 'H'"),
      Case(
        name: "JK1 probit", family: .probit, model: .probit, formula: logit, pushVariance: .design(jk1), design: jk1),
    ]
  }

  /// What is compared of one path's fit.
  struct PathFit {
    var path: String
    var terms: [String]
    var estimates: [Double?]
    var standardErrors: [Double?]
    var observations: Int
    var residualDF: Int
    var degreesOfFreedom: Double?
    var designDegreesOfFreedom: Int?

    init(_ path: String, fit: Fit, result: RegressionResult) {
      self.path = path
      terms = result.coefficients.map(\.term)
      estimates = result.coefficients.map(\.estimate)
      standardErrors = result.coefficients.map(\.stdError)
      observations = fit.nobs
      residualDF = fit.dfResidual
      degreesOfFreedom = result.covariance.degreesOfFreedom
      designDegreesOfFreedom = result.covariance.designDegreesOfFreedom
    }
  }

  /// Every pair of paths agrees; returns the number of numbers compared.
  @discardableResult
  static func expectAgreement(_ fits: [PathFit], _ label: String) -> Int {
    var compared = 0
    for i in fits.indices {
      for j in fits.indices where j > i {
        let (a, b) = (fits[i], fits[j])
        let pair = "\(label): \(a.path) vs \(b.path)"
        #expect(a.terms == b.terms, "\(pair): terms")
        #expect(a.observations == b.observations, "\(pair): observations")
        #expect(a.residualDF == b.residualDF, "\(pair): residual df")
        #expect(a.degreesOfFreedom == b.degreesOfFreedom, "\(pair): df")
        #expect(a.designDegreesOfFreedom == b.designDegreesOfFreedom, "\(pair): design df")
        guard a.terms == b.terms else { continue }
        for k in a.terms.indices {
          let (e1, e2, s1, s2) = (a.estimates[k], b.estimates[k], a.standardErrors[k], b.standardErrors[k])
          guard let e1, let e2, let s1, let s2 else {
            Issue.record("\(pair) \(a.terms[k]): a missing estimate or SE")
            continue
          }
          #expect(isClose(e1, e2, rtol: 1e-9), "\(pair) \(a.terms[k]): \(e1) vs \(e2)")
          #expect(isClose(s1, s2, rtol: 1e-9), "\(pair) \(a.terms[k]) SE: \(s1) vs \(s2)")
          compared += 2
        }
      }
    }
    return compared
  }

  @Test("OLS, logit, Poisson, probit, cloglog, design fits in a domain and JK1 fits agree on all four paths")
  func fourPaths() throws {
    let cases = try Self.cases()
    // The streamed path really is chunked: the file spans many chunks.
    let bytes = try #require(try FileManager.default.attributesOfItem(atPath: Self.file)[.size] as? Int)
    #expect(bytes > 10 * Self.chunkBytes)
    let frame = try DataReader.read(path: Self.file)

    var fits: [[PathFit]] = []
    for c in cases {
      var spec = FitSpecification(model: c.model, formula: c.formula, variance: c.variance)
      spec.design = c.design
      spec.subpop = c.subpop
      let memory = try Model.fit(spec, data: frame)
      let streamed = try Model.fitStreaming(spec, path: Self.file, memory: 1 << 30, chunkBytes: Self.chunkBytes)
      #expect(streamed.passes > 2, "\(c.name): \(streamed.passes) passes")
      fits.append([
        PathFit("in memory", fit: memory.fit, result: memory.result),
        PathFit("streamed", fit: streamed.fit, result: streamed.result),
      ])
    }

    func pushed(_ uri: String, partitionKey: String?, path: String) throws {
      for (k, c) in cases.enumerated() {
        let p = try Pushdown.fit(
          PushdownSpecification(
            family: c.family, formula: c.formula, variance: c.pushVariance, subpop: c.subpop,
            partitionKey: partitionKey),
          source: try PostgresSource(uri: uri + "?table=apiclus1"))
        if c.design?.replicateWeights != nil { #expect(p.replicates == 15, "\(c.name) \(path)") }
        fits[k].append(PathFit(path, fit: p.result.fit, result: p.result.result))
      }
    }
    try withPostgresServer { server in
      try APITables.load(into: server, tables: ["apiclus1"])
      try pushed(server.uri, partitionKey: nil, path: "one server")
    }
    try withShardedCluster { cluster in
      try APITables.load(into: cluster, tables: ["apiclus1"])
      try pushed(cluster.coordinator.uri, partitionKey: APITables.partitionKeys["apiclus1"], path: "sharded")
    }

    for (c, f) in zip(cases, fits) {
      #expect(f.map(\.path) == ["in memory", "streamed", "one server", "sharded"], "\(c.name)")
      let compared = Self.expectAgreement(f, c.name)
      // Six pairs, an estimate and an SE per term.
      #expect(compared == 6 * 2 * f[0].terms.count, "\(c.name)")
    }
    // The domains are domains: fewer observations in the fit than rows.
    #expect(fits[4][0].observations < frame.rowCount)
  }

  @Test("the JK1 logit on this data is R svyglm's fit")
  func jk1IsR() throws {
    let reference = try #require(
      JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.referenceFile))) as? [String: Any])
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility")
    spec.design = try Self.designs().jk1
    let fit = try Model.fit(spec, data: try DataReader.read(path: Self.file))
    let terms = try #require(reference["terms"] as? [String])
    let estimates = try #require(reference["estimate"] as? [Double])
    let errors = try #require(reference["std_error"] as? [Double])
    #expect(fit.result.coefficients.map(\.term) == terms)
    for (k, c) in fit.result.coefficients.enumerated() where k < terms.count {
      expectClose(c.estimate, estimates[k], rtol: 1e-8, "\(c.term)")
      expectClose(c.stdError, errors[k], rtol: 1e-8, "\(c.term) SE")
    }
  }
}
