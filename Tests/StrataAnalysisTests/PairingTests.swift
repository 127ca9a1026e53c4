import Foundation
import Strata
import Testing
import _StrataTestSupport

/// A fit paired with a design over other rows or other weights is an error, never a silent SE.
@Suite("Fit and design pairing")
struct PairingTests {
  static func apistrat() throws -> DataFrame { try DataFrame(contentsOf: datasetPath("apistrat.csv")) }

  @Test func fitOnOtherRowsIsRefused() throws {
    let design = try SurveyDesign(data: try Self.apistrat(), weights: "pw", strata: "stype", fpc: "fpc")
    let other = try DataFrame(contentsOf: datasetPath("apiclus1.csv"))
    let fit = try Model.fit(.ols, "api00 ~ ell", data: other, weights: "pw")
    #expect(throws: AnalysisError.self) { try fit.covariance(under: design) }
    do {
      _ = try fit.covariance(under: design)
    } catch let AnalysisError.designRowMismatch(designRows, dataRows) {
      #expect(designRows == 200)
      #expect(dataRows == other.rowCount)
    }
  }

  @Test func fitWithOtherWeightsIsRefused() throws {
    let data = try Self.apistrat()
    let design = try SurveyDesign(data: data, weights: "pw", strata: "stype", fpc: "fpc")
    let unweighted = try Model.fit(.ols, "api00 ~ ell", data: data)
    #expect(throws: AnalysisError.self) { try unweighted.covariance(under: design) }
    let otherWeights = try Model.fit(.ols, "api00 ~ ell", data: data, weights: "enroll")
    #expect(throws: AnalysisError.self) { try otherWeights.covariance(under: design) }
  }

  /// A weighted fit on the design's rows and weights gets the design fit's covariance.
  @Test func matchingFitGetsTheDesignVariance() throws {
    let data = try Self.apistrat()
    let design = try SurveyDesign(data: data, weights: "pw", strata: "stype", fpc: "fpc")
    let weighted = try Model.fit(.ols, "api00 ~ ell + meals", data: data, weights: "pw")
    let v = try weighted.covariance(under: design)
    let designFit = try design.fit(.ols, "api00 ~ ell + meals")
    for (a, b) in zip(v.standardErrors, designFit.covariance.standardErrors) {
      expectClose(a, b, rtol: 1e-10, "design SE")
    }
  }

  /// A prebuilt design over other rows is refused by the one fit function.
  @Test func prebuiltDesignOverOtherRowsIsRefused() throws {
    let design = try SurveyDesign(data: try Self.apistrat(), weights: "pw", strata: "stype", fpc: "fpc")
    let other = try DataFrame(contentsOf: datasetPath("apiclus1.csv"))
    let spec = design.specification(.ols, "api00 ~ ell")
    #expect(throws: AnalysisError.self) { try Model.fit(spec, data: other, design: design.sampleDesign) }
  }

  @Test func inconsistentSpecificationsAreErrors() throws {
    let data = try Self.apistrat()
    #expect(throws: AnalysisError.self) { try Model.fit(.ols, "api00 ~ ell", data: data, variance: .design) }
    #expect(throws: AnalysisError.self) { try Model.fit(.ols, "api00 ~ ell", data: data, variance: .oim) }
    #expect(throws: AnalysisError.self) { try Model.fit(.wls, "api00 ~ ell", data: data) }
    #expect(throws: AnalysisError.self) { try Model.fit(.ols, "api00 ~ ell", data: data, level: 100) }
    var spec = FitSpecification(model: .ols, formula: "api00 ~ ell", subpop: "ell > 5")
    #expect(throws: AnalysisError.self) { try Model.fit(spec, data: data) }
    spec = FitSpecification(model: .ols, formula: "api00 ~ ell", design: DesignSpecification(weights: "pw"))
    spec.variance = .cluster("dnum")
    #expect(throws: AnalysisError.self) { try Model.fit(spec, data: data) }
  }

  /// Model-based variances by value: cluster, HC3, and the Stata convention's oim default.
  @Test func modelBasedVariances() throws {
    let data = try Self.apistrat()
    let cl = try Model.fit(.logit, "sch.wide ~ ell + meals", data: data, variance: .cluster("dnum"))
    #expect(cl.covariance.spec.name == "cluster")
    #expect(cl.covariance.clusterCounts.count == 1)
    let hc3 = try Model.fit(.ols, "api00 ~ ell", data: data, variance: .hc(.hc3))
    #expect(hc3.covariance.spec.name == "hc3")
    let stata = try Model.fit(.probit, "sch.wide ~ ell", data: data, convention: .stata)
    #expect(stata.covariance.spec.name == "oim")
    let r = try Model.fit(.probit, "sch.wide ~ ell", data: data)
    #expect(r.covariance.spec.name == "classical")
  }

  /// FitSpecification round-trips through JSON.
  @Test func specificationIsCodable() throws {
    var spec = FitSpecification(model: .mlogit, formula: "y ~ x", subset: "x > 1", variance: .cluster(["a", "b"]))
    spec.control.base = "2"
    spec.design = DesignSpecification(weights: "w", strata: "s", fpc: ["f"])
    spec.data = DataSource(path: "d.csv", fingerprint: FileFingerprint(size: 3, modified: 0, hash: "fnv1a64:0000000000000000"))
    let bytes = try JSONEncoder().encode(spec)
    #expect(try JSONDecoder().decode(FitSpecification.self, from: bytes) == spec)
    for v in [Variance.classical, .oim, .robust, .hc(.hc2), .design] {
      #expect(try JSONDecoder().decode(Variance.self, from: try JSONEncoder().encode(v)) == v)
    }
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(Variance.self, from: Data(#"{"type":"hc9"}"#.utf8)) }
  }
}
