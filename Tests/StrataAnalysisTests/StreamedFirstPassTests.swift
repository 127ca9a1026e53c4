import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The first pass of a streamed fit doing the summary pass's work (`ChunkedSource.Speculation`):
/// each chunk's model matrix built, cached and summed with the coding taken after the first chunk
/// with estimation rows, kept only when the final coding is the same. Where the bet holds and
/// where it falls back to the two-pass route, the fit equals the in-memory fit (1e-10 relative,
/// the same report), in every stream mode; errors name the same row as before.
@Suite struct StreamedFirstPassTests {
  /// A CSV file of `rows` rows (about 30 bytes each: a 2048-byte chunk holds some 60 rows):
  /// `y` (0/1), `x`, `g` and `h` factors (text), `k` a small integer, `yn` the response as text,
  /// `w` weights, `psu` clusters; `edit` changes a row's fields.
  func file(rows: Int = 900, edit: (Int, inout [String: String]) -> Void = { _, _ in }) throws -> TemporaryFile {
    let names = ["y", "x", "g", "h", "k", "yn", "w", "psu"]
    var text = names.joined(separator: ",") + "\n"
    // Levels first met in an order that is not sorted: "c", "a", "d", "b".
    let gLevels = ["c", "a", "d", "b"]
    let hLevels = ["zz", "mm", "aa"]
    for i in 0..<rows {
      let x = Double((i * 37) % 101) / 10 - 5
      let g = gLevels[(i * 7 + i / 3) % 4]
      let eta = 0.3 * x - (g == "d" ? 0.8 : 0) + (i % 5 == 0 ? 0.7 : -0.2)
      let y = (Double((i * 53) % 97) / 97) < 1 / (1 + exp(-eta)) ? 1 : 0
      var fields: [String: String] = [
        "y": String(y), "x": String(x), "g": g, "h": hLevels[(i / 2 + i % 3) % 3], "k": String(i % 3 + 1),
        "yn": y == 1 ? "yes" : "no", "w": String(1 + Double(i % 4) / 2), "psu": String(i / 9),
      ]
      edit(i, &fields)
      text += names.map { fields[$0]! }.joined(separator: ",") + "\n"
    }
    return try TemporaryFile(named: "first-pass.csv", contents: text)
  }

  /// Whether the first pass kept its bet (did the summary pass's work) on this file.
  func summaryInFirstPass(
    _ spec: ScaleSpecification, path: String, chunkBytes: Int = 2048, mode: CSVStream.Mode = .columnCache
  ) throws -> Bool {
    let stream = try CSVStream(path: path, chunkBytes: chunkBytes, mode: mode, columns: { _ in true })
    let source = try ChunkedSource(chunks: stream, specification: spec, cachesModelMatrix: mode != .reparse)
    return source.summaryInFirstPass
  }

  /// The in-memory and streamed fits agree in every stream mode; returns whether the bet held.
  func compareModes(_ spec: FitSpecification, scale: ScaleSpecification, path: String) throws -> Bool {
    var held: [Bool] = []
    for mode in [CSVStream.Mode.columnCache, .matrixCache, .reparse] {
      try StreamedFitTests().compare(spec, path: path, mode: mode)
      held.append(try summaryInFirstPass(scale, path: path, mode: mode))
    }
    #expect(Set(held).count == 1, "the bet depends on the mode: \(held)")
    return held[0]
  }

  /// A logit on the file as `edit` changes it, compared in every mode; whether the bet held.
  func logitHolds(_ formula: String, edit: (Int, inout [String: String]) -> Void) throws -> Bool {
    let data = try file(edit: edit)
    defer { data.remove() }
    let spec = FitSpecification(model: .logit, formula: formula)
    return try compareModes(spec, scale: ScaleSpecification(model: .glm(.logit), formula: formula), path: data.path)
  }

  @Test func levelsMetInUnsortedOrderAndInteractions() throws {
    let data = try file()
    defer { data.remove() }
    let formula = "y ~ x + g + h + g:h + g:x + factor(k)"
    var spec = FitSpecification(model: .logit, formula: formula)
    spec.variance = .robust
    #expect(try compareModes(spec, scale: ScaleSpecification(model: .glm(.logit), formula: formula), path: data.path))
    // Least squares with case weights and a cluster-robust variance (read from the columns).
    let ols = "x ~ g * h + factor(k):g"
    var weighted = FitSpecification(model: .wls, formula: ols, weights: "w")
    weighted.variance = .cluster(["psu"])
    #expect(
      try compareModes(
        weighted, scale: ScaleSpecification(model: .leastSquares, formula: ols, weights: "w"), path: data.path))
  }

  @Test func levelFirstMetInALateChunkFallsBackToTwoPasses() throws {
    // "e" appears first at row 700 (chunk 10 or so), in the estimation rows: the coding changes,
    // the first pass's matrices are dropped, the summary pass builds them again.
    #expect(!(try logitHolds("y ~ x + g + g:x") { i, f in if i >= 700 && i % 4 == 0 { f["g"] = "e" } }))
  }

  @Test func levelOnlyOutsideTheEstimationSampleKeepsTheBet() throws {
    // "q" only on rows the fit leaves out: missing x (early and late), the subset, the domain.
    let data = try file { i, f in
      if i % 50 == 3 {
        f["g"] = "q"
        f["x"] = "NA"
      }
      if i % 61 == 5 {
        f["h"] = "qq"
        f["k"] = "9"
      }
    }
    defer { data.remove() }
    let formula = "y ~ x + g + h + factor(k)"
    let subset = "k < 9"
    var spec = FitSpecification(model: .logit, formula: formula, subset: subset)
    #expect(
      try compareModes(
        spec, scale: ScaleSpecification(model: .glm(.logit), formula: formula, subset: subset), path: data.path))
    // A design with a domain that leaves "qq" out (and a cluster per psu).
    spec.subset = nil
    spec.design = DesignSpecification(weights: "w", psu: ["psu"])
    spec.subpop = subset
    let design = ScaleSpecification(
      model: .glm(.logit), formula: formula, design: DesignSpecification(weights: "w", psu: ["psu"]), subpop: subset)
    #expect(try compareModes(spec, scale: design, path: data.path))
  }

  @Test func textResponseFirstMetAsItsSecondLevel() throws {
    // "yes" (the event, R's second level) met first; the first pass codes it as the final one.
    let data = try file { i, f in if i == 0 { f["yn"] = "yes" } }
    defer { data.remove() }
    let formula = "yn ~ x + g"
    var spec = FitSpecification(model: .logit, formula: formula)
    spec.design = DesignSpecification(weights: "w", psu: ["psu"])
    let scale = ScaleSpecification(
      model: .glm(.logit), formula: formula, design: DesignSpecification(weights: "w", psu: ["psu"]))
    #expect(try compareModes(spec, scale: scale, path: data.path))
  }

  @Test func responseLevelFirstMetInALateChunkFallsBack() throws {
    // Only "no" in the first chunks: the first pass's coding has one response level; "yes"
    // first met at row 300 changes it.
    #expect(!(try logitHolds("yn ~ x + g") { i, f in if i < 300 { f["yn"] = "no" } }))
  }

  @Test func noEstimationRowInTheFirstChunkFallsBack() throws {
    #expect(!(try logitHolds("y ~ x + g") { i, f in if i < 120 { f["x"] = "NA" } }))
  }

  @Test func badResponseInALateChunkNamesItsRow() throws {
    // Data row 640 (0-based): the summary pass's error, the same row as in memory.
    let data = try file { i, f in if i == 640 { f["y"] = "2" } }
    defer { data.remove() }
    let formula = "y ~ x + g"
    let scale = ScaleSpecification(model: .glm(.logit), formula: formula)
    #expect(!(try summaryInFirstPass(scale, path: data.path)))
    let spec = FitSpecification(model: .logit, formula: formula)
    for mode in [CSVStream.Mode.columnCache, .matrixCache, .reparse] {
      do {
        _ = try Model.fitStreaming(spec, path: data.path, memory: 1 << 30, mode: mode, chunkBytes: 2048)
        Issue.record("no error")
      } catch let EstimationError.responseNotBinary(name, value, row) {
        #expect(name == "y" && value == 2 && row == 641)
      }
    }
  }
}
