import CReadStat
import Foundation
import StrataSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads Stata `.dta` and SPSS `.sav`/`.zsav` files through the ReadStat C library.
///
/// ```swift
/// let data = try StatFileReader(path: "survey.dta").read()
/// ```
///
/// - Variable labels become ``Column/label``.
/// - A numeric variable with a value-label set becomes a ``FactorColumn`` when every
///   non-missing value has a label. Its levels are all labels of the set in value order, as
///   R `foreign::read.dta(convert.factors = TRUE)` gives. Otherwise it stays numeric with
///   ``Column/valueLabels`` filled.
/// - String variables become factors with levels in C-locale (UTF-8 byte) order; empty
///   strings are missing.
/// - System-missing values, Stata extended missing values (`.a`–`.z`) and SPSS user-missing
///   values are missing.
///
/// Old Stata files (format < 118) carry no encoding; they are read as UTF-8 (what R's
/// `foreign::write.dta` writes on a UTF-8 system) and, failing that, as Windows-1252.
///
/// A reader given a `progress` handler reports how far ReadStat has read into the file (task
/// `reading NAME`, unit `.bytes`, from ReadStat's progress callback), monotone, ending with the
/// whole file once the frame is built.
///
/// The corresponding C functions are `readstat_parse_dta` and `readstat_parse_sav`.
public struct StatFileReader {
  /// The file to read.
  public var path: String
  /// Receives the bytes read so far while the file is parsed; `nil` reports nothing.
  public var progress: ProgressHandler?

  /// Creates a reader for a `.dta`, `.sav` or `.zsav` file; `progress` receives the bytes read
  /// so far (`nil` reports nothing).
  public init(path: String, progress: ProgressHandler? = nil) {
    self.path = path
    self.progress = progress
  }

  /// Reads the file.
  ///
  /// - Returns: The data, with `source` set to `path`.
  /// - Throws: `DataError.unsupportedFormat` for another extension; `DataError.unreadable`
  ///   with ReadStat's message when the file cannot be parsed.
  public func read() throws -> DataFrame {
    let format = DataFileFormat(path: path)
    if format == .stata || format == .spss, fileExists(path),
      let problem = structuralProblem(stata: format == .stata)
    {
      throw DataError.unreadable(path: path, reason: problem)
    }
    // One counter for both attempts of a .dta (UTF-8, then the file's own encoding): monotone.
    let counter = progressCounter()
    let frame: DataFrame
    switch format {
    case .stata?:
      do {
        frame = try parse(stata: true, fileEncoding: "UTF-8", counter: counter)
      } catch let failure as ReadStatFailure where failure.isEncodingProblem || failure.invalidUTF8 {
        frame = try parseOrThrow(stata: true, fileEncoding: nil, counter: counter)
      } catch let failure as ReadStatFailure {
        throw failure.dataError(path: path)
      }
    case .spss?:
      frame = try parseOrThrow(stata: false, fileEncoding: nil, counter: counter)
    default:
      throw DataError.unsupportedFormat(path: path)
    }
    counter?.finish()
    return frame
  }

  /// A counter of the bytes read over the file's size, when the reader reports progress.
  private func progressCounter() -> ProgressCounter? {
    guard let progress else { return nil }
    var info = stat()
    let size = stat(path, &info) == 0 ? Int(info.st_size) : 0
    let name = path.split(separator: "/").last.map(String.init) ?? path
    return ProgressCounter(task: "reading \(name)", total: size, unit: .bytes, handler: progress)
  }

  private func parseOrThrow(stata: Bool, fileEncoding: String?, counter: ProgressCounter?) throws -> DataFrame {
    do {
      return try parse(stata: stata, fileEncoding: fileEncoding, counter: counter)
    } catch let failure as ReadStatFailure {
      throw failure.dataError(path: path)
    }
  }

  /// Why the file is not a whole Stata or SPSS file, when its first and last bytes tell: another
  /// format under a `.dta`/`.sav` name, an empty file, or a Stata 13+ file without its closing
  /// tag (truncated). Checked before ReadStat parses: its own message for these is often about
  /// something else (a truncated `.dta` reports an unsupported character set), and a `.dta`
  /// that lost only its last bytes is otherwise read without complaint.
  func structuralProblem(stata: Bool) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { return nil }
    let size = Int(info.st_size)
    func bytes(at offset: Int, _ count: Int) -> [UInt8] {
      guard offset >= 0, count > 0 else { return [] }
      var out = [UInt8](repeating: 0, count: count)
      let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
      return Array(out.prefix(Swift.max(n, 0)))
    }
    let head = bytes(at: 0, Swift.min(size, 16))
    let again = "copy or export it again"
    if stata {
      let tag = Array("<stata_dta>".utf8)
      if head.starts(with: tag) {
        let close = Array("</stata_dta>".utf8)
        if bytes(at: size - close.count, close.count) != close {
          return "the file is truncated (it does not end with </stata_dta> as a Stata file does); \(again)"
        }
        return nil
      }
      // Formats 102–115: a version byte, then the byte order (1 or 2).
      if head.count >= 4 && (102...115).contains(head[0]) && (head[1] == 1 || head[1] == 2) {
        return nil
      }
      return size == 0
        ? "the file is empty; \(again)"
        : "this is not a Stata .dta file (it does not start as one does); if it is another format, give it that "
          + "format's extension (.csv, .sav)"
    }
    if head.starts(with: Array("$FL2".utf8)) || head.starts(with: Array("$FL3".utf8)) { return nil }
    return size == 0
      ? "the file is empty; \(again)"
      : "this is not an SPSS .sav/.zsav file (it does not start with $FL2 or $FL3); if it is another format, give "
        + "it that format's extension (.csv, .dta)"
  }

  private func parse(stata: Bool, fileEncoding: String?, counter: ProgressCounter?) throws -> DataFrame {
    // One ReadStat parse at a time in the process, and one retry of a character-set failure:
    // under the test suite's parallel load, `iconv_open` inside ReadStat failed about once in five
    // runs ("unsupported character set") on files that always read alone. A charset that is
    // really unsupported fails the second time too, with the same error.
    readStatLock.lock()
    defer { readStatLock.unlock() }
    do {
      return try parseOnce(stata: stata, fileEncoding: fileEncoding, counter: counter)
    } catch let failure as ReadStatFailure where failure.status == READSTAT_ERROR_UNSUPPORTED_CHARSET {
      return try parseOnce(stata: stata, fileEncoding: fileEncoding, counter: counter)
    }
  }

  private func parseOnce(stata: Bool, fileEncoding: String?, counter: ProgressCounter?) throws -> DataFrame {
    guard fileExists(path) else {
      throw DataError.unreadable(path: path, reason: "no such file")
    }
    guard let parser = readstat_parser_init() else {
      throw DataError.unreadable(path: path, reason: "ReadStat could not allocate a parser")
    }
    defer { readstat_parser_free(parser) }
    let context = ReadStatContext()
    if let counter {
      context.progress = counter
      readstat_set_progress_handler(parser, readStatProgress)
    }
    readstat_set_metadata_handler(parser, readStatMetadata)
    readstat_set_variable_handler(parser, readStatVariable)
    readstat_set_value_handler(parser, readStatValue)
    readstat_set_value_label_handler(parser, readStatValueLabel)
    readstat_set_error_handler(parser, readStatError)
    readstat_set_handler_character_encoding(parser, "UTF-8")
    if let fileEncoding { readstat_set_file_character_encoding(parser, fileEncoding) }
    let status = withExtendedLifetime(context) { () -> readstat_error_t in
      let ctx = Unmanaged.passUnretained(context).toOpaque()
      return stata ? readstat_parse_dta(parser, path, ctx) : readstat_parse_sav(parser, path, ctx)
    }
    if status != READSTAT_OK || context.invalidUTF8 {
      throw ReadStatFailure(status: status, messages: context.messages, invalidUTF8: context.invalidUTF8)
    }
    return DataFrame(columns: context.makeColumns(), source: path)
  }
}

/// A ReadStat error code with the messages its error handler reported.
private struct ReadStatFailure: Error {
  var status: readstat_error_t
  var messages: [String]
  /// A string was not valid UTF-8 (so the file's declared or assumed encoding is wrong).
  var invalidUTF8 = false

  var isEncodingProblem: Bool {
    status == READSTAT_ERROR_CONVERT || status == READSTAT_ERROR_CONVERT_BAD_STRING
      || status == READSTAT_ERROR_CONVERT_LONG_STRING || status == READSTAT_ERROR_CONVERT_SHORT_STRING
      || status == READSTAT_ERROR_UNSUPPORTED_CHARSET
  }

  func dataError(path: String) -> DataError {
    if invalidUTF8 && status == READSTAT_OK {
      return .unreadable(path: path, reason: "text in the file is not valid in its encoding")
    }
    var reason = readstat_error_message(status).map { String(cString: $0) } ?? "ReadStat error \(status.rawValue)"
    let extra = messages.map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
    if !extra.isEmpty { reason += " (" + extra.joined(separator: "; ") + ")" }
    reason += isEncodingProblem
      ? "; the file may be truncated or damaged (ReadStat reports those so too), or in an encoding it cannot "
        + "convert: copy or export it again"
      : "; the file may be truncated or damaged: copy or export it again"
    return .unreadable(path: path, reason: reason)
  }
}

extension String {
  fileprivate func trimmingSpaces() -> String {
    var s = Substring(self)
    while let f = s.first, f.isWhitespace { s.removeFirst() }
    while let l = s.last, l.isWhitespace { s.removeLast() }
    return String(s)
  }
}

/// What ReadStat reported about one variable, and its values so far.
private struct ReadStatVariable {
  var name: String
  var label: String?
  var isString: Bool
  var labelSet: String?
  /// SPSS user-missing ranges (inclusive), for dropping their labels from factor levels.
  var missingRanges: [(lo: Double, hi: Double)]
  var numbers: [Double] = []
  var missing: [Bool] = []
  var strings: [String?] = []
}

/// The state the C callbacks fill in; passed to them as the context pointer.
private final class ReadStatContext {
  var variables: [ReadStatVariable] = []
  var labelSets: [String: [(value: Double, label: String)]] = [:]
  var messages: [String] = []
  var expectedRows = 0
  /// Receives ReadStat's progress (the share of the file read) as bytes.
  var progress: ProgressCounter?
  /// The byte count from which ReadStat's next progress call is forwarded.
  var nextProgress = 0
  /// Set when ReadStat handed over a string that is not valid UTF-8; parsing then aborts.
  var invalidUTF8 = false

  /// Decodes a C string that must be UTF-8; empty strings become `nil`.
  func text(_ p: UnsafePointer<CChar>?) -> String? {
    guard let p else { return nil }
    guard let s = String(validatingCString: p) else {
      invalidUTF8 = true
      return nil
    }
    return s.isEmpty ? nil : s
  }

  func makeColumns() -> [Column] {
    variables.map { makeColumn($0) }
  }

  private func makeColumn(_ v: ReadStatVariable) -> Column {
    if v.isString {
      var lookup: [String: Int32] = [:]
      var distinct: [String] = []
      var codes: [Int32] = []
      codes.reserveCapacity(v.strings.count)
      for s in v.strings {
        guard let s, !s.isEmpty else {
          codes.append(-1)
          continue
        }
        if let c = lookup[s] {
          codes.append(c)
        } else {
          let c = Int32(distinct.count)
          lookup[s] = c
          distinct.append(s)
          codes.append(c)
        }
      }
      let (levels, remap) = sortedLevels(distinct)
      return Column(
        name: v.name, label: v.label,
        storage: .factor(FactorColumn(codes: codes.map { $0 < 0 ? $0 : remap[Int($0)] }, levels: levels)))
    }
    let numeric = NumericColumn(values: v.numbers, missing: v.missing)
    guard let setName = v.labelSet, let entries = labelSets[setName], !entries.isEmpty else {
      return Column(name: v.name, label: v.label, storage: .numeric(numeric))
    }
    let labelled = entries.filter { e in
      !v.missingRanges.contains { e.value >= $0.lo && e.value <= $0.hi }
    }.sorted { $0.value < $1.value }
    var levels: [String] = []
    var levelIndex: [String: Int32] = [:]
    var codeOfValue: [Double: Int32] = [:]
    for e in labelled {
      let code: Int32
      if let existing = levelIndex[e.label] {
        code = existing
      } else {
        code = Int32(levels.count)
        levelIndex[e.label] = code
        levels.append(e.label)
      }
      codeOfValue[e.value] = code
    }
    var codes: [Int32] = []
    codes.reserveCapacity(numeric.count)
    var allLabelled = true
    for i in 0..<numeric.count {
      if numeric.missing[i] {
        codes.append(-1)
      } else if let c = codeOfValue[numeric.values[i]] {
        codes.append(c)
      } else {
        allLabelled = false
        break
      }
    }
    if allLabelled {
      return Column(name: v.name, label: v.label, storage: .factor(FactorColumn(codes: codes, levels: levels)))
    }
    var valueLabels: [Double: String] = [:]
    for e in entries { valueLabels[e.value] = e.label }
    return Column(name: v.name, label: v.label, valueLabels: valueLabels, storage: .numeric(numeric))
  }
}

/// Serializes ReadStat parses (see `ReadStatReader.parse`).
private let readStatLock = NSLock()

private func context(_ ctx: UnsafeMutableRawPointer?) -> ReadStatContext? {
  guard let ctx else { return nil }
  return Unmanaged<ReadStatContext>.fromOpaque(ctx).takeUnretainedValue()
}

/// A numeric ReadStat value as a double (ReadStat widens integer and float storage).
private func numericValue(_ value: readstat_value_t) -> Double {
  readstat_double_value(value)
}

private let readStatAbort: Int32 = 1

private let readStatMetadata: readstat_metadata_handler = { metadata, ctx in
  guard let state = context(ctx) else { return readStatAbort }
  state.expectedRows = max(0, Int(readstat_get_row_count(metadata)))
  return 0
}

private let readStatVariable: readstat_variable_handler = { index, variable, valLabels, ctx in
  guard let state = context(ctx), let variable else { return readStatAbort }
  var ranges: [(lo: Double, hi: Double)] = []
  let rangeCount = readstat_variable_get_missing_ranges_count(variable)
  if readstat_variable_get_type_class(variable) == READSTAT_TYPE_CLASS_NUMERIC && rangeCount > 0 {
    for k in 0..<rangeCount {
      ranges.append(
        (
          numericValue(readstat_variable_get_missing_range_lo(variable, k)),
          numericValue(readstat_variable_get_missing_range_hi(variable, k))
        ))
    }
  }
  var info = ReadStatVariable(
    name: state.text(readstat_variable_get_name(variable)) ?? "V\(index + 1)",
    label: state.text(readstat_variable_get_label(variable)),
    isString: readstat_variable_get_type_class(variable) == READSTAT_TYPE_CLASS_STRING,
    labelSet: state.text(valLabels),
    missingRanges: ranges)
  if state.invalidUTF8 { return readStatAbort }
  if info.isString {
    info.strings.reserveCapacity(state.expectedRows)
  } else {
    info.numbers.reserveCapacity(state.expectedRows)
    info.missing.reserveCapacity(state.expectedRows)
  }
  state.variables.append(info)
  return 0
}

private let readStatValue: readstat_value_handler = { _, variable, value, ctx in
  guard let state = context(ctx), let variable else { return readStatAbort }
  let j = Int(readstat_variable_get_index(variable))
  guard j >= 0 && j < state.variables.count else { return readStatAbort }
  if state.variables[j].isString {
    state.variables[j].strings.append(state.text(readstat_string_value(value)))
    if state.invalidUTF8 { return readStatAbort }
  } else if readstat_value_is_missing(value, variable) != 0 {
    state.variables[j].numbers.append(.nan)
    state.variables[j].missing.append(true)
  } else {
    // A NaN that the file does not mark as missing is missing all the same (as in the CSV reader).
    let number = numericValue(value)
    state.variables[j].numbers.append(number)
    state.variables[j].missing.append(number.isNaN)
  }
  return 0
}

private let readStatValueLabel: readstat_value_label_handler = { setName, value, label, ctx in
  guard let state = context(ctx), let setName = state.text(setName) else { return readStatAbort }
  // Labels of string values and of Stata's extended missing values are not used.
  guard readstat_value_type_class(value) == READSTAT_TYPE_CLASS_NUMERIC,
    readstat_value_is_tagged_missing(value) == 0, readstat_value_is_system_missing(value) == 0
  else { return 0 }
  state.labelSets[setName, default: []].append((numericValue(value), state.text(label) ?? ""))
  return state.invalidUTF8 ? readStatAbort : 0
}

/// ReadStat calls this for every row: it forwards the bytes read only every 1% of the file or
/// megabyte, whichever is less, so the handler is not called per row.
private let readStatProgress: readstat_progress_handler = { fraction, ctx in
  guard let state = context(ctx) else { return readStatAbort }
  guard let counter = state.progress, fraction.isFinite else { return 0 }
  let bytes = Int(min(max(fraction, 0), 1) * Double(counter.total))
  if bytes >= state.nextProgress {
    state.nextProgress = bytes + max(1, min(1 << 20, counter.total / 100))
    counter.advance(to: bytes)
  }
  return 0
}

private let readStatError: readstat_error_handler = { message, ctx in
  guard let state = context(ctx), let message else { return }
  state.messages.append(String(cString: message))
}
