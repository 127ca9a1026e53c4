import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataModels
import StrataSupport

/// A fit on a CSV file that need not fit in memory: `CSVStream` → `ChunkedSource` →
/// `AggregateFit`, with the same numbers as the in-memory fit (to rounding).
public enum StreamedFit {
  /// Fits `specification` on the CSV file at `path`.
  ///
  ///     let r = try StreamedFit.fit(path: "big.csv", specification: spec, variance: .design(.r),
  ///                                 chunkBytes: 32 << 20)
  ///     print(RegressionReport.text(r.fit.result))
  ///
  /// - Parameters:
  ///   - chunkBytes: bytes of CSV per chunk: with the chunk's columns and model matrix, what
  ///     bounds the memory held (`chunkBytes(forMemory:)` derives it from a budget).
  ///   - mode: how passes after the first read the data.
  ///   - progress: told each pass's bytes (tasks `pass 1`, `pass 2`, ...).
  /// - Returns: the fit, the passes made and the stream's buffer size.
  public static func fit(
    path: String, specification: ScaleSpecification, variance: AggregateVariance, level: Double = 95,
    control: GLMControl = GLMControl(), information: InformationMatrix = .expected, chunkBytes: Int,
    mode: CSVStream.Mode = .columnCache, cacheDirectory: URL? = nil, progress: ProgressHandler? = nil
  ) throws -> (fit: AggregateFitResult, passes: Int, bufferBytes: Int) {
    // Chunk buffers kept for the next chunk instead of unmapped (within the budget the chunk
    // size was derived from: `chunkBytes(forMemory:)` is a sixteenth of it).
    StreamAllocator.prepare(budget: chunkBytes * 16)
    defer { StreamAllocator.releaseFreeMemory() }
    let names = neededNames(specification)
    let stream = try FileChunks.open(
      path: path, chunkBytes: chunkBytes, mode: mode, cacheDirectory: cacheDirectory, progress: progress,
      columns: { names.matches($0) })
    var source: ChunkedSource?
    for _ in 0..<64 where source == nil {
      do {
        source = try ChunkedSource(
          chunks: stream, specification: specification, cachesModelMatrix: mode != .reparse,
          cacheDirectory: cacheDirectory, progress: progress)
      } catch is RestartWithText {
        continue
      }
    }
    guard let source else { throw ScaleError.dataChanged(path: path) }
    let weighted = specification.weights != nil || specification.design?.weights != nil
    let result = try AggregateFit.fit(
      source, model: specification.model, formula: specification.formula, weighted: weighted, variance: variance,
      level: level, control: control, information: information)
    // Passes: the first (levels, template, units, and the summary when it could), then the
    // driver's (summary, start, iterations, scores).
    let passes = result.passes + (source.summaryInFirstPass ? 0 : 1)
    return (result, passes, stream.bufferBytes + source.bufferBytes)
  }

  /// Bytes of CSV per chunk for a memory budget: a chunk's bytes, its parsed columns and its
  /// model matrix together take about 16 times the chunk's text, so a sixteenth of the budget
  /// (at least 1 MiB, at most 256 MiB).
  public static func chunkBytes(forMemory budget: Int) -> Int {
    Swift.min(Swift.max(budget / 16, 1 << 20), 256 << 20)
  }

  /// The columns a specification reads: every name in its formula, subset, weights, domain,
  /// clusters and design (replicate columns may be patterns with `*` and `?`).
  static func neededNames(_ spec: ScaleSpecification) -> NeededColumns {
    var texts = [spec.formula, spec.subset, spec.weights, spec.subpop].compactMap { $0 } + spec.clusters
    var patterns: [String] = []
    if let d = spec.design {
      texts += [d.weights, d.strata].compactMap { $0 } + d.psu + d.fpc
      if let r = d.replicateWeights { patterns += r.columns }
    }
    var words = Set<String>()
    for text in texts {
      var current = ""
      var quoted = false
      for ch in text {
        if ch == "`" {
          if quoted { words.insert(current) }
          current = ""
          quoted.toggle()
        } else if quoted || ch.isLetter || ch.isNumber || ch == "." || ch == "_" {
          current.append(ch)
        } else {
          if !current.isEmpty { words.insert(current) }
          current = ""
        }
      }
      if !current.isEmpty { words.insert(current) }
    }
    let formulaRight = spec.formula.split(separator: "~").last.map(String.init) ?? ""
    let everything = formulaRight.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") })
      .contains(".")
    return NeededColumns(words: words, patterns: patterns, all: everything)
  }
}

/// Which header names a streamed fit reads.
struct NeededColumns {
  var words: Set<String>
  var patterns: [String]
  var all: Bool

  func matches(_ name: String) -> Bool {
    all || words.contains(name) || patterns.contains { glob($0, name) }
  }

  /// `*` any run, `?` one character.
  func glob(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern)
    let t = Array(text)
    func match(_ i: Int, _ j: Int) -> Bool {
      if i == p.count { return j == t.count }
      if p[i] == "*" { return (j...t.count).contains { match(i + 1, $0) } }
      if j < t.count && (p[i] == "?" || p[i] == t[j]) { return match(i + 1, j + 1) }
      return false
    }
    return match(0, 0)
  }
}
