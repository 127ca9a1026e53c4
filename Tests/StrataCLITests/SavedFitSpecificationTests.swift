import Foundation
import Testing
import _StrataTestSupport

/// Version 3 saved fits describe the fit declaratively (`specification`: model, formula, data
/// source with its fingerprint, design, variance, convention), with the data path relative to
/// the saved file's folder; version 2 files (the fit's argv) still load.
@Suite struct SavedFitSpecificationTests {
  typealias S = SavedFitValidationTests

  /// A design-based logit saved from the package root into a fresh folder, with a copy of its data.
  struct Saved {
    var dir: URL
    var data: String
    var fit: String
  }

  static func savedDesignFit() throws -> Saved {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-savedspec-\(UUID().uuidString)")
    let sub = dir.appendingPathComponent("fits")
    try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
    let data = dir.appendingPathComponent("apistrat.csv").path
    try FileManager.default.copyItem(atPath: datasetPath("apistrat.csv"), toPath: data)
    let fit = sub.appendingPathComponent("fit.json").path
    let run = try runStrata([
      "fit", "logit", "sch.wide ~ ell + meals + mobility", "--data", data, "--weights", "pw", "--strata", "stype",
      "--fpc", "fpc", "--convention", "stata", "--save", fit,
    ])
    #expect(run.status == 0, "\(run.stderr)")
    return Saved(dir: dir, data: data, fit: fit)
  }

  @Test func specificationIsSavedNotArgv() throws {
    let s = try Self.savedDesignFit()
    let o = try S.object(s.fit)
    #expect(o["version"] as? Int == 3)
    #expect(o["command"] == nil)
    let spec = try #require(o["specification"] as? [String: Any])
    #expect(spec["model"] as? String == "logit")
    #expect(spec["formula"] as? String == "sch.wide ~ ell + meals + mobility")
    #expect(spec["convention"] as? String == "stata")
    let source = try #require(spec["data"] as? [String: Any])
    #expect(source["path"] as? String == "../apistrat.csv")
    let fingerprint = try #require(source["fingerprint"] as? [String: Any])
    #expect(fingerprint["hash"] as? String == (o["data_fingerprint"] as? [String: Any])?["hash"] as? String)
    let design = try #require(spec["design"] as? [String: Any])
    #expect(design["weights"] as? String == "pw")
    #expect(design["strata"] as? String == "stype")
    #expect(design["fpc"] as? [String] == ["fpc"])
  }

  /// `cd elsewhere && strata margins path/to/fit.json`: the data path resolves against the
  /// file's folder, not the current directory.
  @Test func marginsFromAnotherDirectory() throws {
    let s = try Self.savedDesignFit()
    let here = try runStrata(["margins", s.fit, "--format", "json"])
    #expect(here.status == 0, "\(here.stderr)")
    let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("strata-elsewhere-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
    let relative = "../" + s.dir.lastPathComponent + "/fits/fit.json"
    let there = try runStrata(["margins", relative, "--format", "json"], in: elsewhere)
    #expect(there.status == 0, "\(there.stderr)")
    #expect(there.stdout == here.stdout)
    let unconditional = try runStrata(["margins", relative, "--margins-vce", "unconditional", "--format", "json"], in: elsewhere)
    #expect(unconditional.status == 0, "\(unconditional.stderr)")
  }

  /// A fit moved with its data to another folder still works (same margins).
  @Test func fitMovedWithItsData() throws {
    let s = try Self.savedDesignFit()
    let before = try runStrata(["margins", s.fit, "--format", "json"])
    #expect(before.status == 0, "\(before.stderr)")
    let moved = FileManager.default.temporaryDirectory.appendingPathComponent("strata-moved-\(UUID().uuidString)")
    try FileManager.default.moveItem(at: s.dir, to: moved)
    let fit = moved.appendingPathComponent("fits/fit.json").path
    let after = try runStrata(["margins", fit, "--format", "json"])
    #expect(after.status == 0, "\(after.stderr)")
    #expect(after.stdout == before.stdout)
    let predict = try runStrata(["predict", fit, "--scenario", "ell = ell + 1"])
    #expect(predict.status == 0, "\(predict.stderr)")
  }

  /// A version 2 file (the fit's argv, data relative to the current directory) still loads.
  @Test func versionTwoArgvStillLoads() throws {
    let s = try S.saved()
    let expected = try runStrata(["margins", s.fit, "--format", "json"])
    var o = try S.object(s.fit)
    o["specification"] = nil
    o["version"] = 2
    o["command"] = ["fit", "ols", "y ~ x + z + g", "--data", s.data]
    let old = s.file("v2.json")
    try S.write(o, to: old)
    let run = try runStrata(["margins", old, "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout == expected.stdout)
  }

  @Test func versionThreeNeedsItsSpecification() throws {
    try SavedFitValidationTests().expectRejected("nospec", "field 'specification' is missing") { o in
      o["specification"] = nil
    }
  }

  @Test func specificationMustMatchTheFit() throws {
    try SavedFitValidationTests().expectRejected("formula", "field 'specification.formula' is 'y ~ x'") { o in
      var spec = o["specification"] as! [String: Any]
      spec["formula"] = "y ~ x"
      o["specification"] = spec
    }
    try SavedFitValidationTests().expectRejected("model", "field 'specification.model' is invalid") { o in
      var spec = o["specification"] as! [String: Any]
      spec["model"] = "tobit"
      o["specification"] = spec
    }
    try SavedFitValidationTests().expectRejected("variance", "field 'specification.variance.type' is invalid") { o in
      var spec = o["specification"] as! [String: Any]
      spec["variance"] = ["type": "hc9"]
      o["specification"] = spec
    }
  }
}
