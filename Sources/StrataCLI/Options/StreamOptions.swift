import ArgumentParser
import Foundation
import Strata

/// `--memory SIZE` and `--stream`: fits and descriptives on files larger than memory (`Model.fitStreaming`,
/// `StreamedDescriptives`).
struct StreamOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Memory budget, e.g. 2G or 512M (default: half the machine's memory). A data file that would need more in memory (CSV/TSV, also gzip-compressed; .dta, .sav, .zsav, .xpt, .sas7bdat) is streamed: read in bounded chunks (a fit caches its needed columns and makes one pass per iteration; mean, total, prop and ratio make one pass, tab two).",
      valueName: "size"))
  var memory: String?

  @Flag(help: "Stream the data file whatever its size: CSV/TSV (also gzip-compressed), Stata .dta, SPSS .sav/.zsav, SAS .xpt/.sas7bdat (fit ols, wls, logit, probit, cloglog, poisson, fraclogit, fracprobit, with --margins averaged over the sample and --save; mean, total, prop, ratio, tab).")
  var stream = false

  @Option(help: .hidden)
  var streamChunkBytes: Int?

  @Option(help: .hidden)
  var streamMode: String?

  /// Prints each pass's wall time and bytes to stderr (benchmarks).
  @Flag(help: .hidden)
  var streamTimings = false

  func validate() throws {
    if let memory, Self.bytes(memory) == nil {
      throw ValidationError("--memory takes a size such as 2G, 512M or 300000K, not '\(memory)'")
    }
    if let m = streamMode, CSVStream.Mode(rawValue: m) == nil {
      throw ValidationError("--stream-mode is columnCache, matrixCache or reparse")
    }
  }

  /// The budget in bytes.
  var budget: Int {
    memory.flatMap(Self.bytes) ?? Int(ProcessInfo.processInfo.physicalMemory / 2)
  }

  /// Whether the data file at `path` is streamed: `--stream`, or a file that `FileChunks` streams
  /// (CSV/TSV, also gzip-compressed; Stata, SPSS, SAS) whose in-memory read, as
  /// `inMemoryBytes(path)` estimates it, would exceed the budget. The one decision of fits and
  /// descriptive statistics.
  ///
  /// A file whose inflated size (`FileChunks.inflatedSize`: the gzip footer's ISIZE, at least 3×
  /// the compressed size) is below a sixteenth of the budget stays in memory without an estimate;
  /// so does a file that cannot be read (the in-memory reader says why).
  func streams(path: String, inMemoryBytes: (String) throws -> Int) throws -> Bool {
    if stream { return true }
    guard FileChunks.isStreamable(path: path), let size = FileChunks.inflatedSize(path: path) else { return false }
    let budget = self.budget
    let compressedInside = path.lowercased().hasSuffix(".zsav")
    if size < budget / 16 && !compressedInside { return false }
    return try inMemoryBytes(path) > budget
  }

  /// `2G`, `512M`, `300K`, `1000` (bytes); binary units.
  static func bytes(_ text: String) -> Int? {
    let t = text.trimmingCharacters(in: .whitespaces).uppercased()
    let units: [(String, Double)] = [("T", 1_099_511_627_776), ("G", 1_073_741_824), ("M", 1_048_576), ("K", 1024)]
    for (suffix, factor) in units {
      for s in [suffix + "IB", suffix + "B", suffix] where t.hasSuffix(s) {
        guard let v = Double(t.dropLast(s.count)), v > 0, v.isFinite else { return nil }
        return Int(v * factor)
      }
    }
    guard let v = Int(t), v > 0 else { return nil }
    return v
  }
}

extension LinearModelOptions {
  /// Whether this fit streams: `--stream`, or a streamable file whose in-memory fit would exceed
  /// the budget (`StreamOptions.streams(path:inMemoryBytes:)`).
  func streams(_ model: ModelChoice) throws -> Bool {
    if streaming.stream { return true }
    switch model {
    case .leastSquares, .glm: break
    default: return false
    }
    return try streaming.streams(path: data) { try Model.estimatedInMemoryBytes(try specification(model), path: $0) }
  }

  /// Fits streamed and renders the report (the in-memory fit's layout).
  func runStreamed(_ model: ModelChoice) throws {
    if split != nil { throw ValidationError("--split does not combine with a streamed fit yet") }
    if test != nil { throw ValidationError("--test does not combine with a streamed fit yet; save the fit in memory and run strata test") }
    let selection = marginsOptions.selection
    let spec = try specification(model)
    let marginsRequest = selection.isRequested ? try selection.options(level: spec.level) : nil
    if let marginsRequest { try translatingAnalysisErrors { try Margins.checkSummable(marginsRequest) } }
    if selection.isRequested && selection.marginsVCE == .unconditional {
      // Refused before the fit, as in memory, when the variance has no covariate-sampling form.
      let plan = try translatingAnalysisErrors { try Model.aggregatePlan(spec) }
      try AggregateMargins.checkUnconditional(plan.variance, specification: plan.specification)
    }
    let progressLine = ProgressLine.forStandardError()
    let timings = streaming.streamTimings ? PassTimings() : nil
    let lineHandler = progressLine?.handler
    var handler: ProgressHandler? = lineHandler
    if let timings {
      handler = { @Sendable p in
        timings.report(p)
        lineHandler?(p)
      }
    }
    let s = try translatingAnalysisErrors {
      defer {
        progressLine?.finish()
        timings?.finish()
      }
      return try Model.fitStreaming(
        spec, path: data, memory: streaming.budget, mode: streaming.streamMode.flatMap(CSVStream.Mode.init) ?? .columnCache,
        chunkBytes: streaming.streamChunkBytes, progress: handler)
    }
    let chunkBytes = streaming.streamChunkBytes ?? StreamedFit.chunkBytes(forMemory: streaming.budget)
    if let path = marginsOptions.save {
      // The recipe (how the columns are coded) from one more pass: margins and predict need it.
      let recipe = try translatingAnalysisErrors {
        let plan = try Model.aggregatePlan(spec)
        let stream = try AggregateMargins.stream(
          path: data, specification: plan.specification, extraColumns: [], chunkBytes: chunkBytes)
        return try AggregateMargins.recipe(specification: plan.specification, chunks: stream)
      }
      try SavedFit(streamed: s, recipe: recipe, options: self, savePath: path).write(to: path)
    }
    // The margins stream the file again (two passes: coding, sums), one chunk at a time.
    let margins = try marginsRequest.map { request in
      try translatingAnalysisErrors {
        let plan = try Model.aggregatePlan(spec)
        let stream = try AggregateMargins.stream(
          path: data, specification: plan.specification, extraColumns: [request.over].compactMap { $0 },
          chunkBytes: chunkBytes)
        return try AggregateMargins.margins(
          of: s.result, specification: plan.specification, chunks: stream, options: request,
          unconditional: selection.marginsVCE == .unconditional)
      }
    }
    try renderFitFromSums(s.result, context: ReportContext(dataSource: data, labels: [:]), margins: margins)
  }

  /// Writes a fit made from sums (streamed, or pushed down to a database) in the in-memory
  /// fit's layout, followed by its margins when there are any (text; JSON: the margins' members
  /// added to the fit's document; CSV: the margins alone).
  func renderFitFromSums(_ result: RegressionResult, context: ReportContext, margins: MarginsResult?) throws {
    guard let margins else {
      switch outputOptions.format {
      case .text: try outputOptions.write(RegressionReport.text(result, context: context))
      case .json: try outputOptions.write(RegressionReport.json(result, context: context).serialized() + "\n")
      case .csv: try outputOptions.write(RegressionReport.csv(result))
      }
      return
    }
    switch outputOptions.format {
    case .text:
      let title = "\(result.fit.kind.rawValue): \(result.fit.formula)"
      try outputOptions.write(
        RegressionReport.text(result, context: context) + "\n" + MarginsReport.text(margins, model: title, labels: .none))
    case .json:
      var document = RegressionReport.json(result, context: context)
      if case .object(var pairs) = document {
        let vce = MarginsReport.jsonVCE(
          unconditional: margins.unconditional, title: margins.varianceTitle, df: margins.degreesOfFreedom,
          level: margins.level, atMeans: false)
        pairs += [("margins_vce", vce), ("margins", MarginsReport.jsonEntries(margins))]
        document = .object(pairs)
      }
      try outputOptions.write(document.serialized() + "\n")
    case .csv: try outputOptions.write(MarginsReport.csv(margins))
    }
  }
}

/// Each pass's wall time and bytes, printed to stderr when the next pass starts (`--stream-timings`).
final class PassTimings: @unchecked Sendable {
  private let lock = NSLock()
  private var task: String?
  private var start = Date()
  private var bytes = 0

  func report(_ p: WorkProgress) {
    lock.lock()
    defer { lock.unlock() }
    if p.task != task {
      flush()
      task = p.task
      start = Date()
    }
    bytes = p.completed
  }

  func finish() {
    lock.lock()
    defer { lock.unlock() }
    flush()
    task = nil
  }

  private func flush() {
    guard let task else { return }
    let line = "\(task): \(String(format: "%.2f", Date().timeIntervalSince(start))) s, \(bytes) bytes\n"
    FileHandle.standardError.write(Data(line.utf8))
  }
}
