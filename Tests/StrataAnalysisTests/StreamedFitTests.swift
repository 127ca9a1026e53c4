import Foundation
import Strata
import Testing
import _StrataTestSupport

/// Streamed fits (`Model.fitStreaming`: a CSV read in chunks, its columns cached, one pass per
/// iteration) against the in-memory fit (`Model.fit`) on the shipped api data, split into many
/// chunks by a tiny chunk size: coefficients, standard errors, degrees of freedom and fit
/// statistics to 1e-10 relative (issue 21 part 1), and the same report text.
@Suite struct StreamedFitTests {
  /// Fits both ways and compares; returns the streamed fit.
  @discardableResult
  func compare(
    _ spec: FitSpecification, path: String, chunkBytes: Int = 2048, mode: CSVStream.Mode = .columnCache,
    rtol: Double = 1e-10
  ) throws -> StreamedModelFit {
    let frame = try DataReader.read(path: path)
    let memory = try Model.fit(spec, data: frame)
    let streamed = try Model.fitStreaming(spec, path: path, memory: 1 << 30, mode: mode, chunkBytes: chunkBytes)
    let (a, b) = (memory.result, streamed.result)
    #expect(a.fit.terms == b.fit.terms)
    #expect(a.fit.kept == b.fit.kept)
    #expect(a.fit.nobs == b.fit.nobs)
    #expect(a.fit.dfResidual == b.fit.dfResidual)
    for (x, y) in zip(a.coefficients, b.coefficients) {
      #expect(x.term == y.term)
      #expect((x.estimate == nil) == (y.estimate == nil), "\(x.term)")
      if let e1 = x.estimate, let e2 = y.estimate { #expect(isClose(e1, e2, rtol: rtol), "\(x.term): \(e1) vs \(e2)") }
      if let s1 = x.stdError, let s2 = y.stdError { #expect(isClose(s1, s2, rtol: rtol), "\(x.term) SE: \(s1) vs \(s2)") }
    }
    #expect(a.covariance.degreesOfFreedom == b.covariance.degreesOfFreedom)
    #expect(a.covariance.designDegreesOfFreedom == b.covariance.designDegreesOfFreedom)
    if let l1 = a.statistics.likelihood, let l2 = b.statistics.likelihood {
      #expect(isClose(l1.deviance, l2.deviance, rtol: rtol))
      #expect(isClose(l1.nullDeviance, l2.nullDeviance, rtol: rtol))
      #expect(isClose(l1.pearsonChiSquare, l2.pearsonChiSquare, rtol: rtol))
      #expect(isClose(a.statistics.logLik, b.statistics.logLik, rtol: rtol))
    } else {
      #expect(isClose(a.statistics.rSquared, b.statistics.rSquared, rtol: rtol))
      #expect(isClose(a.statistics.sigma, b.statistics.sigma, rtol: rtol))
      #expect(isClose(a.statistics.logLik, b.statistics.logLik, rtol: rtol))
    }
    // The same report (numbers as printed, layout, notes, design line).
    let context = ReportContext(dataSource: path, labels: [:])
    #expect(RegressionReport.text(a, context: context) == RegressionReport.text(b, context: context))
    let (ja, jb) = (RegressionReport.json(a, context: context).serialized(), RegressionReport.json(b, context: context).serialized())
    #expect(sameUpToRounding(ja, jb), "\(ja)\n\(jb)")
    #expect(streamed.passes > 3)
    return streamed
  }

  @Test func leastSquaresClassicalAndHC1() throws {
    var spec = FitSpecification(model: .ols, formula: "api00 ~ ell + meals + mobility + stype")
    try compare(spec, path: datasetPath("apistrat.csv"))
    spec.variance = .robust
    try compare(spec, path: datasetPath("apistrat.csv"))
  }

  @Test func weightedLeastSquaresWithMissingValues() throws {
    // acs.k3 is missing on many rows: listwise deletion as in memory.
    var spec = FitSpecification(model: .wls, formula: "api00 ~ ell + acs.k3 + log(enroll)", weights: "pw")
    spec.variance = .hc(.hc0)
    try compare(spec, path: datasetPath("apiclus1.csv"))
  }

  @Test func logitClassicalAndCluster() throws {
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility")
    try compare(spec, path: datasetPath("apiclus1.csv"))
    spec.variance = .cluster(["dnum"])
    try compare(spec, path: datasetPath("apiclus1.csv"))
    // Stata's defaults: OIM, and the observed-information bread of the sandwiches (equal to the
    // expected one for logit; the titles say which).
    spec.convention = .stata
    try compare(spec, path: datasetPath("apiclus1.csv"))
    spec.variance = nil
    try compare(spec, path: datasetPath("apiclus1.csv"))
    spec.variance = .robust
    try compare(spec, path: datasetPath("apiclus1.csv"))
  }

  @Test func poissonWithFactorAndSubset() throws {
    var spec = FitSpecification(model: .poisson, formula: "api.stu ~ ell + meals + stype", subset: "enroll < 2000")
    spec.variance = .hc(.hc1)
    try compare(spec, path: datasetPath("apistrat.csv"))
  }

  @Test func designLogitStrataFPC() throws {
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility")
    spec.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    try compare(spec, path: datasetPath("apistrat.csv"))
    spec.convention = .stata
    try compare(spec, path: datasetPath("apistrat.csv"))
  }

  @Test func designLogitTwoStageWithDomain() throws {
    // Two stages with FPCs (units of the last stage), a domain.
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility")
    spec.design = DesignSpecification(weights: "pw", psu: ["dnum", "snum"], fpc: ["fpc1", "fpc2"])
    spec.subpop = "stype != \"H\""
    try compare(spec, path: datasetPath("apiclus2.csv"))
  }

  @Test func designScoresFromCompactChunks() throws {
    // The scores pass takes Xβ and the PSU score totals from the compact model-matrix cache (a
    // many-level factor kept as level codes, each row's unit read from the cache), with no full
    // matrix: the same numbers as in memory, in both cache modes.
    var spec = FitSpecification(model: .ols, formula: "api00 ~ ell + meals + cname")
    spec.design = DesignSpecification(weights: "pw", psu: ["dnum", "snum"], fpc: ["fpc1", "fpc2"])
    try compare(spec, path: datasetPath("apiclus2.csv"), chunkBytes: 16384)
    try compare(spec, path: datasetPath("apiclus2.csv"), chunkBytes: 16384, mode: .matrixCache)
    var strata = FitSpecification(model: .ols, formula: "api00 ~ ell + meals + cname")
    strata.design = DesignSpecification(weights: "pw", strata: "stype", psu: ["snum"], fpc: ["fpc"])
    try compare(strata, path: datasetPath("apistrat.csv"), chunkBytes: 16384)
  }

  @Test func designLogitOneStageDomain() throws {
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility")
    spec.design = DesignSpecification(weights: "pw", strata: "stype", psu: ["snum"], fpc: ["fpc"])
    spec.subpop = "meals > 20"
    try compare(spec, path: datasetPath("apistrat.csv"))
  }

  @Test func designLogitJK1ReplicatesMatchR() throws {
    let path = repositoryPath("Tests/Fixtures/stream/apiclus1_jk1.csv")
    let reference = try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: repositoryPath("Tests/Fixtures/stream/apiclus1_jk1_svyglm.json"))))
      as! [String: Any]
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility")
    spec.design = DesignSpecification(
      weights: "pw",
      replicateWeights: ReplicateSpecification(
        columns: ["rw*"], type: .jk1, scale: reference["scale"] as? Double, combinedWeights: true))
    let streamed = try compare(spec, path: path)
    // R svyglm on the same replicate design (quasibinomial: the same estimates and SEs).
    let estimates = reference["estimate"] as! [Double]
    let errors = reference["std_error"] as! [Double]
    for (k, c) in streamed.result.coefficients.enumerated() {
      #expect(isClose(c.estimate!, estimates[k], rtol: 1e-8), "\(c.term)")
      #expect(isClose(c.stdError!, errors[k], rtol: 1e-8), "\(c.term) SE")
    }
    #expect(streamed.result.covariance.degreesOfFreedom == Double(reference["df"] as! Int))
  }

  @Test func probitFractionalMultiwayAndDesignLeastSquares() throws {
    let path = datasetPath("apiclus1.csv")
    try compare(FitSpecification(model: .probit, formula: "sch.wide ~ ell + meals"), path: path)
    // Fractional logit: robust (HC0) by default.
    try compare(FitSpecification(model: .fraclogit, formula: "I(meals / 100) ~ ell + mobility"), path: path)
    // Two-way clustering (inclusion-exclusion over the cells).
    try compare(
      FitSpecification(model: .ols, formula: "api00 ~ ell + meals", variance: .cluster(["dnum", "stype"])), path: path)
    // A factor with many levels: the model-matrix cache keeps its dummies as level codes.
    var county = FitSpecification(model: .ols, formula: "api00 ~ ell + meals + cname")
    county.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    try compare(county, path: datasetPath("apistrat.csv"), chunkBytes: 16384)
    try compare(FitSpecification(model: .ols, formula: "api00 ~ ell + cname"), path: datasetPath("apistrat.csv"))
    // Design-based least squares (svyglm gaussian) on a one-stage cluster design with an FPC.
    var spec = FitSpecification(model: .ols, formula: "api00 ~ ell + meals + stype")
    spec.design = DesignSpecification(weights: "pw", psu: ["dnum"], fpc: ["fpc"])
    try compare(spec, path: path)
  }

  @Test func collinearColumnDroppedAsInMemory() throws {
    // I(ell + meals) is exactly collinear with ell and meals: R (and the in-memory QR) drop it,
    // the pivoted Cholesky of XᵀWX in R's column order drops the same column.
    let spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + I(ell + meals) + mobility")
    let s = try compare(spec, path: datasetPath("apistrat.csv"))
    #expect(s.fit.aliasedTerms == ["I(ell + meals)"])
    let ols = FitSpecification(model: .ols, formula: "api00 ~ stype + ell + meals + I(2 * meals)")
    let t = try compare(ols, path: datasetPath("apistrat.csv"))
    #expect(t.fit.aliasedTerms == ["I(2 * meals)"])
  }

  @Test func reparsingGivesTheCachesNumbers() throws {
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility")
    spec.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    try compare(spec, path: datasetPath("apistrat.csv"), mode: .reparse)
    try compare(spec, path: datasetPath("apistrat.csv"), mode: .matrixCache)
  }

  @Test func columnNumericInOneChunkAndTextInAnotherIsTextAsInMemory() throws {
    // g reads as numbers in the first chunks and as text later: in memory the whole column is
    // text (levels "1", "10", "2", "a" in the C locale; used as a factor with factor()), and so
    // streamed: pass 1 meets the text, starts again and reads g as text in every chunk.
    var lines = ["y,x,g"]
    for i in 0..<400 {
      let g = i < 300 ? String([1, 2, 10][i % 3]) : (i % 2 == 0 ? "a" : "2")
      lines.append("\(Double(i % 17) + 0.25 * Double(i % 5)),\(Double(i % 11) - 3),\(g)")
    }
    let url = try TemporaryFile(csv: "mixed.csv", lines: lines)
    defer { url.remove() }
    let s = try compare(FitSpecification(model: .ols, formula: "y ~ x + factor(g)"), path: url.path, chunkBytes: 1024)
    #expect(s.fit.terms == ["(Intercept)", "x", "factor(g)10", "factor(g)2", "factor(g)a"])
    // Used as numbers, g is an error in memory and streamed.
    let numbers = FitSpecification(model: .ols, formula: "y ~ x + g")
    #expect(throws: DataError.self) { try Model.fit(numbers, data: try DataReader.read(path: url.path)) }
    #expect(throws: DataError.self) { try Model.fitStreaming(numbers, path: url.path, memory: 1 << 30, chunkBytes: 1024) }
  }

  @Test func strayTextAfterARestartNamesTheRealValueAndLine() throws {
    // g is numbers for 300 rows, then mostly text ("a", "b"; every fourth row a number): the
    // file's numbers are the majority, so in memory g is text with a stray value, its first
    // non-number ("a", row 301, file line 303, field 3), and g used as numbers is an error naming
    // it. Streamed, pass 1 meets the text in a later chunk and starts again reading g as text:
    // the error must name the same value, line, field and counts (not the placeholder record
    // that makes a chunk of numbers read as text, nor a chunk's first line). Several chunk sizes
    // put the first text in a chunk of mostly numbers or of mostly text.
    var lines = ["y,x,g"]
    for i in 0..<400 {
      let g = i < 300 ? String([1, 2, 10][i % 3]) : (i % 4 == 0 ? "7" : (i % 4 == 1 ? "a" : "b"))
      lines.append("\(Double(i % 17) + 0.25 * Double(i % 5)),\(Double(i % 11) - 3),\(g)")
    }
    let url = try TemporaryFile(csv: "stray.csv", lines: lines)
    defer { url.remove() }
    func stray(_ fit: () throws -> Void) -> (name: String, stray: StrayText)? {
      do {
        try fit()
      } catch DataError.nonNumericValue(let name, _, let stray) {
        return (name, stray)
      } catch {
        Issue.record("unexpected error \(error)")
      }
      return nil
    }
    let numbers = FitSpecification(model: .ols, formula: "y ~ x + g")
    let memory = try #require(stray { _ = try Model.fit(numbers, data: try DataReader.read(path: url.path)) })
    #expect(memory.name == "g")
    #expect(memory.stray.text == "a")
    #expect(memory.stray.line == 303)
    #expect(memory.stray.field == 3)
    for chunkBytes in [1024, 1100, 1536, 2048, 4096, 1 << 20] {
      let streamed = try #require(
        stray { _ = try Model.fitStreaming(numbers, path: url.path, memory: 1 << 30, chunkBytes: chunkBytes) },
        "chunk \(chunkBytes)")
      #expect(streamed.name == memory.name, "chunk \(chunkBytes)")
      #expect(streamed.stray == memory.stray, "chunk \(chunkBytes): \(streamed.stray) vs \(memory.stray)")
    }
    // Mostly text over the whole file: in memory a text column with no stray value, used as a
    // factor; streamed the same terms and numbers.
    var text = ["y,x,g"]
    for i in 0..<400 {
      let g = i < 100 ? String([1, 2][i % 2]) : (i % 2 == 0 ? "a" : "b")
      text.append("\(Double(i % 17) + 0.25 * Double(i % 5)),\(Double(i % 11) - 3),\(g)")
    }
    let mostlyText = try TemporaryFile(csv: "text.csv", lines: text)
    defer { mostlyText.remove() }
    let s = try compare(numbers, path: mostlyText.path, chunkBytes: 1024)
    #expect(s.fit.terms == ["(Intercept)", "x", "g2", "ga", "gb"])
  }

  @Test func separationIsAnErrorStreamedToo() throws {
    // In memory: the single-term check before IRLS; streamed: fitted probabilities at 0 or 1 at
    // the end. Both refuse the fit (no silent diverging estimate).
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + cname")
    spec.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    #expect(throws: EstimationError.self) { try Model.fit(spec, data: try DataReader.read(path: datasetPath("apistrat.csv"))) }
    #expect(throws: EstimationError.self) {
      try Model.fitStreaming(spec, path: datasetPath("apistrat.csv"), memory: 1 << 30, chunkBytes: 16384)
    }
  }

  @Test func notStreamableIsAClearError() throws {
    let spec = FitSpecification(model: .ols, formula: "api00 ~ ell", variance: .hc(.hc3))
    #expect(throws: ScaleError.notStreamable(what: "HC3 (it needs each row's leverage)")) {
      try Model.fitStreaming(spec, path: datasetPath("apistrat.csv"), memory: 1 << 30, chunkBytes: 2048)
    }
    // A .dta is streamed (StreamedFormatTests); a gzip-compressed one is not (ReadStat seeks).
    #expect(
      throws: ScaleError.notStreamable(what: "gzip-compressed .dta files (ReadStat seeks in them; decompress first: gunzip -k FILE)")
    ) {
      try Model.fitStreaming(
        FitSpecification(model: .ols, formula: "lwage ~ educ"), path: repositoryPath("Tests/Fixtures/formats/nhanes.dta.gz"),
        memory: 1 << 30, chunkBytes: 2048)
    }
    let nb = FitSpecification(model: .nbreg, formula: "api.stu ~ ell")
    #expect(throws: ScaleError.self) {
      try Model.fitStreaming(nb, path: datasetPath("apistrat.csv"), memory: 1 << 30, chunkBytes: 2048)
    }
  }

  @Test func bufferIsBoundedByTheChunkNotTheRows() throws {
    // The same chunk size over a file 20 times longer: the chunk reader and the cache reader
    // hold the same buffers (memory independent of the row count).
    func file(rows: Int) throws -> TemporaryFile {
      var text = "y,x,g\n"
      for i in 0..<rows { text += "\(Double(i % 13)),\(Double(i % 7)),\(["a", "b", "c"][i % 3])\n" }
      return try TemporaryFile(named: "rows.csv", contents: text)
    }
    let small = try file(rows: 2_000)
    let large = try file(rows: 40_000)
    defer {
      small.remove()
      large.remove()
    }
    let spec = FitSpecification(model: .ols, formula: "y ~ x + g")
    let a = try Model.fitStreaming(spec, path: small.path, memory: 1 << 30, chunkBytes: 8192)
    let b = try Model.fitStreaming(spec, path: large.path, memory: 1 << 30, chunkBytes: 8192)
    #expect(a.fit.nobs == 2_000 && b.fit.nobs == 40_000)
    #expect(b.bufferBytes <= 2 * a.bufferBytes)
    #expect(b.bufferBytes < 40_000 * 3 * 8 / 4)
  }
}

/// Chunk boundaries: records longer than the chunk, quoted fields with delimiters and line ends.
@Suite struct StreamedChunkBoundaryTests {
  @Test func longRecordsAndQuotedLineEnds() throws {
    var lines = ["y,x,note"]
    for i in 0..<300 {
      let note: String
      switch i % 4 {
      case 0: note = "\"a, quoted\nline end\""
      case 1: note = "\"" + String(repeating: "long ", count: 400) + "\""  // 2 KB: longer than the chunk
      case 2: note = "\"say \"\"hi\"\"\""
      default: note = "plain"
      }
      lines.append("\(Double(i % 9) * 1.5 + 2 * Double(i % 5) + Double(i % 4)),\(Double(i % 5)),\(note)")
    }
    let url = try TemporaryFile(csv: "quoted.csv", lines: lines)
    defer { url.remove() }
    let spec = FitSpecification(model: .ols, formula: "y ~ x + note")
    let memory = try Model.fit(spec, data: try DataReader.read(path: url.path))
    let streamed = try Model.fitStreaming(spec, path: url.path, memory: 1 << 30, chunkBytes: 1024)
    #expect(streamed.fit.nobs == 300)
    #expect(memory.fit.terms == streamed.fit.terms)
    for (a, b) in zip(memory.result.coefficients, streamed.result.coefficients) {
      #expect(isClose(a.estimate!, b.estimate!, rtol: 1e-10), "\(a.term)")
      #expect(isClose(a.stdError!, b.stdError!, rtol: 1e-10), "\(a.term)")
    }
  }
}
