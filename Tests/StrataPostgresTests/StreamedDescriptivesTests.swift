import Foundation
import Strata
import Testing
import _StrataTestSupport

/// Means, totals, proportions and ratios of a CSV read in small chunks (`StreamedDescriptives`,
/// several chunks a file) equal the in-memory `DescriptiveResult` (itself tested against R
/// survey): estimates, SEs and intervals to 1e-9 relative, n, df and notes equal. The cases are
/// the PostgreSQL pushdown's (`DescriptivePushdownTests.cases`): strata+FPC, PSUs, by, subpop,
/// a one-stage cluster sample, JK1 replicate columns. (In this target for that case list and
/// the JK1 file `APITables.files["apiclus1"]`.)
@Suite("Streamed CSV descriptives")
struct StreamedDescriptivesTests {
  @Test("mean, total, prop, ratio streamed in 2 KB chunks equal the in-memory results")
  func equalsInMemory() throws {
    let replicates = try #require(APITables.files["apiclus1"])
    let paths = ["apistrat": datasetPath("apistrat.csv"), "apiclus1": replicates]
    let frames = try DescriptivePushdownTests.frames(replicates: replicates)
    var compared = 0
    for c in DescriptivePushdownTests.cases {
      var design = try SurveyDesign(
        data: try #require(frames[c.table]), specification: c.design, convention: c.convention == .stata ? .stata : .r)
      if let subpop = c.subpop { design = try design.subpopulation(subpop) }
      let reference =
        c.statistic == .ratio
        ? try design.ratio(c.variables[0], to: c.variables[1], by: c.by)
        : try design.estimate(c.statistic, variables: c.variables, by: c.by)
      let r = try StreamedDescriptives.estimate(
        path: try #require(paths[c.table]),
        StreamedDescriptiveSpecification(
          statistic: c.statistic, variables: c.variables, design: c.design, by: c.by, subpop: c.subpop,
          convention: c.convention, chunkBytes: 2048))
      let label = "\(c.table) \(c.statistic) \(c.variables) by \(c.by) \(c.subpop ?? "") \(c.convention)"
      #expect(r.estimates.count == reference.estimates.count, "\(label)")
      #expect(r.df == reference.df, "\(label) df")
      #expect(r.notes == reference.notes, "\(label) notes: \(r.notes) vs \(reference.notes)")
      #expect(r.design.observations == reference.design.observations, "\(label)")
      #expect(r.design.strata == reference.design.strata && r.design.psus == reference.design.psus, "\(label)")
      #expect(DescriptivePushdownTests.close(r.design.populationSize, reference.design.populationSize), "\(label)")
      for (p, e) in zip(r.estimates, reference.estimates) {
        compared += 1
        let what = "\(label): \(e.variable) \(e.level ?? "") \(e.by.map { "\($0.0)=\($0.1)" })"
        #expect(p.variable == e.variable && p.level == e.level, "\(what)")
        #expect(p.by.map(\.0) == e.by.map(\.0) && p.by.map(\.1) == e.by.map(\.1), "\(what): \(p.by)")
        #expect(DescriptivePushdownTests.close(p.estimate, e.estimate), "\(what): \(p.estimate) vs \(e.estimate)")
        // A proportion fixed by the design has SE 0: both paths give rounding noise there.
        let noise = max(abs(p.stdError), abs(e.stdError)) <= 1e-12 * max(1, abs(e.estimate))
        #expect(noise || DescriptivePushdownTests.close(p.stdError, e.stdError), "\(what) SE: \(p.stdError) vs \(e.stdError)")
        #expect(DescriptivePushdownTests.close(p.confLow, e.confLow) && DescriptivePushdownTests.close(p.confHigh, e.confHigh), "\(what) CI")
        #expect(noise || DescriptivePushdownTests.close(p.cv, e.cv), "\(what) CV")
        #expect(p.observations == e.observations, "\(what) n: \(p.observations) vs \(e.observations)")
        #expect(p.df == e.df, "\(what) df")
        #expect((p.deff == nil) == (e.deff == nil), "\(what) deff presence")
        if let a = p.deff, let b = e.deff { #expect(noise || DescriptivePushdownTests.close(a, b, 1e-7), "\(what) deff: \(a) vs \(b)") }
      }
    }
    #expect(compared == DescriptivePushdownTests.expected)
  }

  @Test("bad input: an unknown column, a stray text value (with its line), quantile are named")
  func badInput() throws {
    var text = "y,g,w,h\n"
    for i in 0..<400 { text += "\(i % 7),\(i % 2 == 0 ? "a" : "b"),\(1 + i % 3),\(i % 4 == 0 ? "x" : "y")\n" }
    text += "oops,a,1,x\n"
    let path = NSTemporaryDirectory() + "strata-streamed-desc-\(UUID().uuidString).csv"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    func message(_ spec: StreamedDescriptiveSpecification) -> String {
      do {
        _ = try StreamedDescriptives.estimate(path: path, spec)
        return ""
      } catch { return "\(error)" }
    }
    let unknown = message(.init(statistic: .mean, variables: ["nosuch"], chunkBytes: 512))
    #expect(unknown.contains("nosuch"), "\(unknown)")
    let group = message(.init(statistic: .mean, variables: ["w"], by: ["nosuchgroup"], chunkBytes: 512))
    #expect(group.contains("nosuchgroup"), "\(group)")
    // 'oops' is on line 402 (the header is line 1), in a chunk after the first.
    let stray = message(.init(statistic: .mean, variables: ["y"], chunkBytes: 512))
    #expect(stray.contains("'y'"), "\(stray)")
    #expect(stray.contains("402") && stray.contains("oops"), "\(stray)")
    let textVariable = message(.init(statistic: .mean, variables: ["g"], chunkBytes: 512))
    #expect(textVariable.contains("'g'") && textVariable.contains("not numeric"), "\(textVariable)")
    let total = message(.init(statistic: .total, variables: ["h"], chunkBytes: 512))
    #expect(total.contains("text column ('h')"), "\(total)")
    let quantile = message(.init(statistic: .quantile, variables: ["w"], chunkBytes: 512))
    #expect(quantile.contains("quantile"), "\(quantile)")
    // The stray value is a missing value nowhere: the in-memory reader refuses the same file.
    #expect(throws: (any Error).self) { _ = try SurveyDesign(data: try DataFrame(contentsOf: path)).estimate(.mean, variables: ["y"]) }
  }
}
