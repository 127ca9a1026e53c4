import Foundation
import Strata
import Testing
import _StrataTestSupport

/// Streamed fits and means on a Stata `.dta`, an SPSS `.sav` and a gzip CSV (`FileChunks.open`:
/// `ReadStatChunks`, `CSVStream` inflating as it reads) against the in-memory results on the
/// same file (`Model.fit`, `SurveyDesign.estimate`, themselves tested against R): coefficients,
/// SEs and estimates to 1e-10 relative, in chunks small enough that each file is more than ten
/// chunks. The three files hold the same data (`Tests/Fixtures/stream-formats/make_stream_formats.R`):
/// a labelled numeric factor (`stype`), a string column (`sch_wide`), a partly labelled numeric
/// column (`yr_rnd`), missing values (`avg_ed`).
@Suite("Streamed .dta, .sav and .csv.gz")
struct StreamedFormatTests {
  static let files = ["apisample.dta", "apisample.sav", "apisample.csv.gz"].map {
    repositoryPath("Tests/Fixtures/stream-formats/\($0)")
  }
  /// Small enough for more than ten chunks of every file (2,065 rows).
  static let chunkBytes = 1024

  static let design = DesignSpecification(weights: "pw", strata: "stype", psu: ["dnum"], nest: true)

  static let specifications: [FitSpecification] = {
    let ols = FitSpecification(model: .ols, formula: "api00 ~ ell + meals + mobility + avg_ed + yr_rnd + stype")
    var logit = FitSpecification(model: .logit, formula: "sch_wide ~ ell + meals + mobility + stype")
    logit.variance = .robust
    var designLogit = FitSpecification(model: .logit, formula: "sch_wide ~ ell + meals + yr_rnd + stype")
    designLogit.design = design
    designLogit.variance = .design
    return [ols, logit, designLogit]
  }()

  /// The chunks a provider gives for `columns`: their count, the most rows one held, all rows.
  func chunking(_ path: String, columns: Set<String>) throws -> (chunks: Int, largest: Int, rows: Int) {
    let stream = try FileChunks.open(path: path, chunkBytes: Self.chunkBytes, mode: .reparse) { columns.contains($0) }
    var chunks = 0
    var largest = 0
    var rows = 0
    try stream.forEachChunk { frame, first in
      #expect(first == rows)
      #expect(Set(frame.columns.map(\.name)) == columns)
      chunks += 1
      largest = max(largest, frame.rowCount)
      rows += frame.rowCount
    }
    return (chunks, largest, rows)
  }

  @Test("OLS, logit with a factor, design logit: streamed equals in memory on each format", arguments: files)
  func fitsEqualInMemory(path: String) throws {
    let frame = try DataReader.read(path: path)
    #expect(frame.rowCount == 2065)
    let (chunks, _, rows) = try chunking(path, columns: ["sch_wide", "ell", "meals", "yr_rnd", "stype", "pw", "dnum"])
    #expect(chunks > 10, "\(path): \(chunks) chunks")
    #expect(rows == 2065)
    for spec in Self.specifications {
      let label = "\(path) \(spec.model) \(spec.formula)"
      let memory = try Model.fit(spec, data: frame).result
      let streamed: RegressionResult
      do {
        streamed = try Model.fitStreaming(spec, path: path, memory: 1 << 30, chunkBytes: Self.chunkBytes).result
      } catch {
        Issue.record("\(label): \(error)")
        continue
      }
      #expect(memory.fit.terms == streamed.fit.terms, "\(label)")
      #expect(memory.fit.nobs == streamed.fit.nobs, "\(label)")
      #expect(memory.coefficients.count == streamed.coefficients.count, "\(label)")
      for (a, b) in zip(memory.coefficients, streamed.coefficients) {
        #expect(a.term == b.term)
        let (e1, e2) = (try #require(a.estimate), try #require(b.estimate))
        let (s1, s2) = (try #require(a.stdError), try #require(b.stdError))
        #expect(isClose(e1, e2, rtol: 1e-10), "\(label) \(a.term): \(e1) vs \(e2)")
        #expect(isClose(s1, s2, rtol: 1e-10), "\(label) \(a.term) SE: \(s1) vs \(s2)")
      }
      #expect(memory.covariance.designDegreesOfFreedom == streamed.covariance.designDegreesOfFreedom, "\(label)")
    }
  }

  @Test("a mean by a labelled factor and by a string column: streamed equals in memory", arguments: files)
  func meanByEqualsInMemory(path: String) throws {
    let frame = try DataReader.read(path: path)
    let (chunks, _, _) = try chunking(path, columns: ["api00", "avg_ed", "stype", "sch_wide", "pw", "dnum"])
    #expect(chunks > 10, "\(path): \(chunks) chunks")
    for by in [["stype"], ["sch_wide"], ["stype", "sch_wide"]] {
      let reference = try SurveyDesign(data: frame, specification: Self.design)
        .estimate(.mean, variables: ["api00", "avg_ed"], by: by)
      let r = try StreamedDescriptives.estimate(
        path: path,
        StreamedDescriptiveSpecification(
          statistic: .mean, variables: ["api00", "avg_ed"], design: Self.design, by: by, chunkBytes: Self.chunkBytes))
      #expect(r.estimates.count == reference.estimates.count, "\(path) by \(by)")
      #expect(r.estimates.count >= 4, "\(path) by \(by)")
      for (p, e) in zip(r.estimates, reference.estimates) {
        let what = "\(path) \(e.variable) \(e.by.map { "\($0.0)=\($0.1)" })"
        #expect(p.variable == e.variable, "\(what)")
        #expect(p.by.map(\.1) == e.by.map(\.1), "\(what): \(p.by)")
        #expect(isClose(p.estimate, e.estimate, rtol: 1e-10), "\(what): \(p.estimate) vs \(e.estimate)")
        #expect(isClose(p.stdError, e.stdError, rtol: 1e-10), "\(what) SE: \(p.stdError) vs \(e.stdError)")
        #expect(p.observations == e.observations, "\(what) n")
      }
    }
  }

  @Test("the providers hold one chunk: its rows are bounded by the chunk size, not the file's rows")
  func boundedChunks() throws {
    let columns: Set<String> = ["api00", "ell", "stype", "sch_wide"]
    for path in Self.files {
      let (chunks, largest, rows) = try chunking(path, columns: columns)
      #expect(rows == 2065)
      #expect(chunks > 10)
      if path.hasSuffix(".gz") {
        // A record is at least 16 bytes: a chunk of `chunkBytes` bytes holds at most chunkBytes/16 rows.
        #expect(largest <= Self.chunkBytes / 16, "\(path): \(largest)")
      } else {
        // 8 bytes a needed cell: chunkBytes / (8 × 4 columns) rows.
        #expect(largest == Self.chunkBytes / (8 * columns.count), "\(path): \(largest)")
      }
    }
    // The ReadStat provider's own count over several passes, with the column cache.
    let stream = try ReadStatChunks(path: Self.files[0], chunkBytes: 256, mode: .columnCache) { columns.contains($0) }
    var chunks = 0
    for _ in 0..<3 { try stream.forEachChunk { _, _ in chunks += 1 } }
    #expect(stream.rowsPerChunk == 8)
    #expect(stream.largestChunkRows == 8)
    #expect(chunks == 3 * ((2065 + 7) / 8))
    // Metadata, levels, one parse for the first pass; the others read the cache.
    #expect(stream.parses == 3)
  }

  @Test("a truncated or damaged .gz, a truncated .dta and a .dta.gz give errors naming the file")
  func badFiles() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-fmt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let spec = Self.specifications[0]
    func message(_ path: String) -> String {
      do {
        _ = try Model.fitStreaming(spec, path: path, memory: 1 << 30, chunkBytes: Self.chunkBytes)
        return ""
      } catch { return "\(error)" }
    }
    let gz = try Data(contentsOf: URL(fileURLWithPath: Self.files[2]))
    let truncated = folder.appendingPathComponent("truncated.csv.gz").path
    try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: truncated))
    let m1 = message(truncated)
    #expect(m1.contains("truncated.csv.gz") && m1.contains("truncated"), "\(m1)")
    var damaged = gz
    for k in 200..<260 { damaged[k] ^= 0x5a }
    let damagedPath = folder.appendingPathComponent("damaged.csv.gz").path
    try damaged.write(to: URL(fileURLWithPath: damagedPath))
    let m2 = message(damagedPath)
    #expect(m2.contains("damaged.csv.gz") && m2.contains("damaged"), "\(m2)")
    let dta = try Data(contentsOf: URL(fileURLWithPath: Self.files[0]))
    let cut = folder.appendingPathComponent("cut.dta").path
    try dta.prefix(dta.count - 40).write(to: URL(fileURLWithPath: cut))
    let m3 = message(cut)
    #expect(m3.contains("cut.dta") && m3.contains("truncated"), "\(m3)")
    let notDta = folder.appendingPathComponent("text.dta").path
    try Data("y,x\n1,2\n".utf8).write(to: URL(fileURLWithPath: notDta))
    let m4 = message(notDta)
    #expect(m4.contains("text.dta") && m4.contains("not a Stata"), "\(m4)")
    let gzDta = folder.appendingPathComponent("a.dta.gz").path
    try Data([0x1f, 0x8b]).write(to: URL(fileURLWithPath: gzDta))
    let m5 = message(gzDta)
    #expect(m5.contains(".dta") && m5.contains("gunzip"), "\(m5)")
  }

  @Test("the shipped flexwork.dta (labelled factors, UTF-8 labels): a design logit streamed equals in memory")
  func shippedStataFile() throws {
    let path = datasetPath("flexwork/flexwork.dta")
    let frame = try DataReader.read(path: path)
    var spec = FitSpecification(model: .logit, formula: "pension ~ age + female + educ + income + region + platform")
    spec.design = DesignSpecification(weights: "weight", strata: "stratum", psu: ["psu"], nest: true)
    spec.variance = .design
    let chunkBytes = 8 * 9 * 200  // 200 rows a chunk
    let stream = try ReadStatChunks(path: path, chunkBytes: chunkBytes, mode: .reparse) { _ in true }
    #expect(stream.rowsPerChunk * 11 < frame.rowCount, "more than ten chunks")
    let memory = try Model.fit(spec, data: frame).result
    let streamed = try Model.fitStreaming(spec, path: path, memory: 1 << 30, chunkBytes: chunkBytes).result
    #expect(memory.fit.terms == streamed.fit.terms)
    #expect(memory.fit.terms.contains { $0.hasPrefix("platform") } && memory.fit.terms.contains { $0.hasPrefix("region") })
    for (a, b) in zip(memory.coefficients, streamed.coefficients) {
      let (e1, e2) = (try #require(a.estimate), try #require(b.estimate))
      let (s1, s2) = (try #require(a.stdError), try #require(b.stdError))
      #expect(isClose(e1, e2, rtol: 1e-10), "\(a.term): \(e1) vs \(e2)")
      #expect(isClose(s1, s2, rtol: 1e-10), "\(a.term) SE: \(s1) vs \(s2)")
    }
  }

  @Test("a chunk whose rows are all dropped for missing values (CSV and .dta) is an empty chunk, not an error")
  func chunkWithoutEstimationRows() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-fmt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var text = "y,x,g\n"
    for i in 0..<600 {
      let x = (200..<400).contains(i) ? "" : String(Double((i * 37) % 101) / 10)
      text += "\(Double((i * 53) % 97) / 7),\(x),\(i % 2 == 0 ? "a" : "b")\n"
    }
    let csv = folder.appendingPathComponent("gap.csv").path
    try text.write(toFile: csv, atomically: true, encoding: .utf8)
    let dta = folder.appendingPathComponent("gap.dta").path
    try Data(try DTAWriter.bytes(of: try DataReader.read(path: csv))).write(to: URL(fileURLWithPath: dta))
    let spec = FitSpecification(model: .ols, formula: "y ~ x + g")
    for path in [csv, dta] {
      let memory = try Model.fit(spec, data: try DataReader.read(path: path)).result
      let streamed = try Model.fitStreaming(spec, path: path, memory: 1 << 30, chunkBytes: 1024).result
      #expect(streamed.fit.nobs == 400)
      for (a, b) in zip(memory.coefficients, streamed.coefficients) {
        let (e1, e2) = (try #require(a.estimate), try #require(b.estimate))
        #expect(isClose(e1, e2, rtol: 1e-10), "\(path) \(a.term): \(e1) vs \(e2)")
        #expect(isClose(try #require(a.stdError), try #require(b.stdError), rtol: 1e-10), "\(path) \(a.term) SE")
      }
    }
  }

  @Test("an unknown column of a .sav is named with the file")
  func unknownColumn() throws {
    let spec = FitSpecification(model: .ols, formula: "api00 ~ nosuch")
    do {
      _ = try Model.fitStreaming(spec, path: Self.files[1], memory: 1 << 30, chunkBytes: Self.chunkBytes)
      Issue.record("no error")
    } catch {
      #expect("\(error)".contains("nosuch"), "\(error)")
    }
  }
}
