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

/// Reads Stata `.dta`, SPSS `.sav`/`.zsav`, SAS transport `.xpt` and SAS `.sas7bdat` files
/// through the ReadStat C library, and each of these compressed with gzip (`.dta.gz`, …).
///
/// ```swift
/// let data = try StatFileReader(path: "survey.dta").read()
/// let nhanes = try StatFileReader(path: "DEMO_J.xpt").read()
/// ```
///
/// - Variable labels become ``Column/label``.
/// - A numeric variable with a value-label set becomes a ``FactorColumn`` when every
///   non-missing value has a label. Its levels are all labels of the set in value order, as
///   R `foreign::read.dta(convert.factors = TRUE)` gives. Otherwise it stays numeric with
///   ``Column/valueLabels`` filled. (SAS files keep value labels in a separate format catalog,
///   which is not read: their variables stay numeric.)
/// - String variables become factors with levels in C-locale (UTF-8 byte) order; empty
///   strings are missing.
/// - System-missing values, Stata extended missing values (`.a`–`.z`), SAS special missing
///   values (`.A`–`.Z`, `._`) and SPSS user-missing values are missing.
/// - Dates and times are their numbers (days or seconds since 1960-01-01 in Stata and SAS
///   files, seconds since 1582-10-14 in SPSS files), as the files store them.
///
/// Old Stata files (format < 118) and SAS transport files carry no encoding; they are read as
/// UTF-8 and, failing that, as Windows-1252.
///
/// A gzip-compressed file (name ending `.gz`) is inflated in memory by ``GzipInflater`` (never to
/// a temporary file) and ReadStat reads those bytes through memory I/O handlers: ReadStat seeks
/// in Stata and SAS files, which a gzip stream cannot do cheaply. Peak memory is the inflated
/// file plus the frame being built.
///
/// A reader given a `progress` handler reports how far ReadStat has read into the file (task
/// `reading NAME`, unit `.bytes`, from ReadStat's progress callback), monotone, ending with the
/// whole file once the frame is built. For a gzip file it reports the compressed bytes inflated.
///
/// The corresponding C functions are `readstat_parse_dta`, `readstat_parse_sav`,
/// `readstat_parse_xport` and `readstat_parse_sas7bdat`.
public struct StatFileReader {
  /// The file to read.
  public var path: String
  /// Receives the bytes read so far while the file is parsed; `nil` reports nothing.
  public var progress: ProgressHandler?

  /// Creates a reader for a `.dta`, `.sav`, `.zsav`, `.xpt` or `.sas7bdat` file (or one of
  /// these ending `.gz`); `progress` receives the bytes read so far (`nil` reports nothing).
  public init(path: String, progress: ProgressHandler? = nil) {
    self.path = path
    self.progress = progress
  }

  /// Reads the file.
  ///
  /// - Returns: The data, with `source` set to `path`.
  /// - Throws: `DataError.unsupportedFormat` for another extension; `DataError.unreadable`
  ///   with ReadStat's message when the file cannot be parsed, or with what is wrong with a
  ///   file that is not of its extension's format, is truncated, or is damaged gzip data.
  public func read() throws -> DataFrame {
    guard let format = DataFileFormat(path: path), format != .delimitedText else {
      throw DataError.unsupportedFormat(path: path)
    }
    guard fileExists(path) else {
      throw DataError.unreadable(path: path, reason: "no such file")
    }
    // One counter for every attempt (UTF-8, then the file's own encoding): monotone.
    let counter = progressCounter()
    var memory: ReadStatMemorySource?
    if DataFileFormat.isGzipped(path: path) {
      let bytes = try GzipInflater.inflate(path: path, progress: counter)
      if let problem = structuralProblem(format, size: bytes.count, bytes: { offset, count in
        guard offset >= 0, count > 0, offset < bytes.count else { return [] }
        return Array(bytes[offset..<Swift.min(bytes.count, offset + count)])
      }) {
        throw DataError.unreadable(path: path, reason: problem)
      }
      memory = ReadStatMemorySource(bytes: bytes)
    } else if let problem = structuralProblemOfFile(format) {
      throw DataError.unreadable(path: path, reason: problem)
    }
    // A gzip file's progress was the inflation; its parse in memory reports nothing more.
    let parseCounter = memory == nil ? counter : nil
    let frame: DataFrame
    switch format {
    case .stata, .sasTransport:
      do {
        frame = try parse(format, fileEncoding: "UTF-8", counter: parseCounter, memory: memory)
      } catch let failure as ReadStatFailure where failure.isEncodingProblem || failure.invalidUTF8 {
        // Stata's own encoding for old files; transport files are most often Latin-1 / Windows-1252.
        let fallback = format == .stata ? nil : "WINDOWS-1252"
        frame = try parseOrThrow(format, fileEncoding: fallback, counter: parseCounter, memory: memory)
      } catch let failure as ReadStatFailure {
        throw failure.dataError(path: path)
      }
    default:
      frame = try parseOrThrow(format, fileEncoding: nil, counter: parseCounter, memory: memory)
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

  private func parseOrThrow(
    _ format: DataFileFormat, fileEncoding: String?, counter: ProgressCounter?, memory: ReadStatMemorySource?
  ) throws -> DataFrame {
    do {
      return try parse(format, fileEncoding: fileEncoding, counter: counter, memory: memory)
    } catch let failure as ReadStatFailure {
      throw failure.dataError(path: path)
    }
  }

  /// ``structuralProblem(_:size:bytes:)`` of the file on disk.
  func structuralProblemOfFile(_ format: DataFileFormat) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { return nil }
    return structuralProblem(format, size: Int(info.st_size)) { offset, count in
      guard offset >= 0, count > 0 else { return [] }
      var out = [UInt8](repeating: 0, count: count)
      let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
      return Array(out.prefix(Swift.max(n, 0)))
    }
  }

  /// Why the file is not a whole file of its extension's format, when its first and last bytes
  /// (or, for a SAS data set, its header's page count) tell: another format under the name, an
  /// empty file, a Stata 13+ file without its closing tag, a transport file that is not whole
  /// 80-byte records, a SAS data set shorter than its pages (truncated). Checked before ReadStat
  /// parses: its own message for these is often about something else (a truncated `.dta`
  /// reports an unsupported character set), and a `.dta` that lost only its last bytes is
  /// otherwise read without complaint.
  ///
  /// - Parameters:
  ///   - size: The file's size in bytes.
  ///   - bytes: The bytes at an offset (fewer at the end of the file).
  func structuralProblem(_ format: DataFileFormat, size: Int, bytes: (Int, Int) -> [UInt8]) -> String? {
    let head = bytes(0, Swift.min(size, 64))
    let again = "copy or export it again"
    if size == 0 { return "the file is empty; \(again)" }
    switch format {
    case .stata:
      let tag = Array("<stata_dta>".utf8)
      if head.starts(with: tag) {
        let close = Array("</stata_dta>".utf8)
        if bytes(size - close.count, close.count) != close {
          return "the file is truncated (it does not end with </stata_dta> as a Stata file does); \(again)"
        }
        return nil
      }
      // Formats 102–115: a version byte, then the byte order (1 or 2).
      if head.count >= 4 && (102...115).contains(head[0]) && (head[1] == 1 || head[1] == 2) {
        return nil
      }
      return "this is not a Stata .dta file (it does not start as one does); if it is another format, give it that "
        + "format's extension (.csv, .sav, .xpt)"
    case .spss:
      if head.starts(with: Array("$FL2".utf8)) || head.starts(with: Array("$FL3".utf8)) { return nil }
      return "this is not an SPSS .sav/.zsav file (it does not start with $FL2 or $FL3); if it is another format, give "
        + "it that format's extension (.csv, .dta, .xpt)"
    case .sasTransport:
      if head.starts(with: Array("**COMPRESSED**".utf8)) {
        return "this is a SAS CPORT file (made by PROC CPORT), which cannot be read; in SAS, write a transport "
          + "file with the XPORT engine (or the %loc2xpt macro) or save a .sas7bdat"
      }
      guard head.starts(with: Array("HEADER RECORD*******LIB".utf8)) else {
        return "this is not a SAS transport (.xpt) file (it does not start with HEADER RECORD*******LIBRARY "
          + "HEADER RECORD as one does); if it is another format, give it that format's extension (.csv, .dta, "
          + ".sas7bdat)"
      }
      if size % 80 != 0 {
        return "the file is truncated (a SAS transport file is made of 80-byte records, and this one has \(size) "
          + "bytes, not a multiple of 80); \(again)"
      }
      return nil
    case .sas7bdat:
      let magic: [UInt8] = [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc2, 0xea, 0x81, 0x60,
        0xb3, 0x14, 0x11, 0xcf, 0xbd, 0x92, 0x08, 0x00, 0x09, 0xc7, 0x31, 0x8c, 0x18, 0x1f, 0x10, 0x11,
      ]
      guard head.starts(with: magic), head.count >= 38 else {
        return "this is not a SAS data set (.sas7bdat) file (it does not start with the SAS magic number); if it "
          + "is another format, give it that format's extension (.csv, .dta, .xpt)"
      }
      // The header's size, page size and page count: the file holds header + pages.
      let wide = head[32] == 0x33
      let shift = head[35] == 0x33 ? 4 : 0
      let little = head[37] == 0x01
      func integer(at offset: Int, width: Int) -> Int? {
        let b = bytes(offset, width)
        guard b.count == width else { return nil }
        let ordered = little ? b.reversed() : b
        var value = 0
        for byte in ordered { value = value << 8 | Int(byte) }
        return value
      }
      guard let headerSize = integer(at: 196 + shift, width: 4),
        let pageSize = integer(at: 200 + shift, width: 4),
        let pageCount = integer(at: 204 + shift, width: wide ? 8 : 4),
        headerSize > 0, pageSize > 0, pageCount >= 0, pageCount < Int(Int32.max)
      else {
        return "the file is truncated or damaged (its header is incomplete); \(again)"
      }
      let expected = headerSize + pageSize * pageCount
      if size < expected {
        return "the file is truncated (its header announces \(pageCount) pages of \(pageSize) bytes, "
          + "\(expected) bytes in all, and it has \(size)); \(again)"
      }
      return nil
    case .delimitedText:
      return nil
    }
  }

  private func parse(
    _ format: DataFileFormat, fileEncoding: String?, counter: ProgressCounter?, memory: ReadStatMemorySource?
  ) throws -> DataFrame {
    // One ReadStat parse at a time in the process, and one retry of a character-set failure:
    // under the test suite's parallel load, `iconv_open` inside ReadStat failed about once in five
    // runs ("unsupported character set") on files that always read alone. A charset that is
    // really unsupported fails the second time too, with the same error.
    readStatLock.lock()
    defer { readStatLock.unlock() }
    do {
      return try parseOnce(format, fileEncoding: fileEncoding, counter: counter, memory: memory)
    } catch let failure as ReadStatFailure where failure.status == READSTAT_ERROR_UNSUPPORTED_CHARSET {
      return try parseOnce(format, fileEncoding: fileEncoding, counter: counter, memory: memory)
    }
  }

  private func parseOnce(
    _ format: DataFileFormat, fileEncoding: String?, counter: ProgressCounter?, memory: ReadStatMemorySource?
  ) throws -> DataFrame {
    guard memory != nil || fileExists(path) else {
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
    setSharedHandlers(on: parser, valueLabels: true, fileEncoding: fileEncoding)
    readstat_set_variable_handler(parser, readStatVariable)
    readstat_set_value_handler(parser, readStatValue)
    let status = withExtendedLifetime(memory) { () -> readstat_error_t in
      memory?.install(on: parser)
      return runParser(parser, format: format, path: path, state: context)
    }
    if status != READSTAT_OK || context.invalidUTF8 {
      throw ReadStatFailure(status: status, messages: context.messages, invalidUTF8: context.invalidUTF8)
    }
    return DataFrame(columns: context.makeColumns(), source: path)
  }
}

/// A ReadStat error code with the messages its error handler reported.
struct ReadStatFailure: Error {
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

/// A variable as ReadStat describes it: the metadata both readers keep.
struct ReadStatVariableInfo {
  var name: String
  var label: String?
  var isString: Bool
  var labelSet: String?
  /// SPSS user-missing ranges (inclusive), for dropping their labels from factor levels.
  var missingRanges: [(lo: Double, hi: Double)]
}

/// What ReadStat reported about one variable, and its values so far.
private struct ReadStatVariable {
  var info: ReadStatVariableInfo
  var numbers: [Double] = []
  var missing: [Bool] = []
  var strings: [String?] = []
}

/// The state the C callbacks fill in; passed to them as the context pointer.
private final class ReadStatContext: ReadStatCallbackState {
  var variables: [ReadStatVariable] = []
  var labelSets: [String: [(value: Double, label: String)]] = [:]
  var messages: [String] = []
  var declaredRows = 0
  /// Receives ReadStat's progress (the share of the file read) as bytes.
  var progress: ProgressCounter?
  /// The byte count from which ReadStat's next progress call is forwarded.
  var nextProgress = 0
  var invalidUTF8 = false

  func makeColumns() -> [Column] {
    variables.map { makeColumn($0) }
  }

  private func makeColumn(_ variable: ReadStatVariable) -> Column {
    let v = variable.info
    if v.isString {
      var lookup: [String: Int32] = [:]
      var distinct: [String] = []
      var codes: [Int32] = []
      codes.reserveCapacity(variable.strings.count)
      for s in variable.strings {
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
    let numeric = NumericColumn(values: variable.numbers, missing: variable.missing)
    guard let setName = v.labelSet, let entries = labelSets[setName], !entries.isEmpty else {
      return Column(name: v.name, label: v.label, storage: .numeric(numeric))
    }
    let (levels, codeOfValue) = labelLevels(entries, missingRanges: v.missingRanges)
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

/// The factor a value-label set makes of a numeric variable: its labels in value order (a label
/// given to several values once), without the labels of SPSS user-missing values, and the code
/// of each labelled value. Shared by the in-memory and the streamed readers.
func labelLevels(
  _ entries: [(value: Double, label: String)], missingRanges: [(lo: Double, hi: Double)]
) -> (levels: [String], codeOfValue: [Double: Int32]) {
  let labelled = entries.filter { e in
    !missingRanges.contains { e.value >= $0.lo && e.value <= $0.hi }
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
  return (levels, codeOfValue)
}

/// Serializes ReadStat parses (see `ReadStatReader.parse`; `StatFileChunkReader` too).
let readStatLock = NSLock()

/// A numeric ReadStat value as a double (ReadStat widens integer and float storage).
func numericValue(_ value: readstat_value_t) -> Double {
  readstat_double_value(value)
}

/// A numeric cell of `variable`: its value, and whether it is missing (missing in the file, or a
/// NaN that the file does not mark as missing: missing all the same, as in the CSV reader).
func numericCell(_ value: readstat_value_t, of variable: UnsafeMutablePointer<readstat_variable_t>)
  -> (value: Double, missing: Bool)
{
  guard readstat_value_is_missing(value, variable) == 0 else { return (.nan, true) }
  let number = numericValue(value)
  return (number, number.isNaN)
}

// MARK: - The callbacks both readers share

/// What ReadStat's callbacks fill in for both readers (the in-memory `ReadStatContext`, the
/// streamed `ParseState`): the declared rows, the value-label sets, the error handler's messages
/// and whether a string was not valid UTF-8. The metadata, value-label and error callbacks below
/// serve both; each reader adds its own variable and value callbacks.
protocol ReadStatCallbackState: AnyObject {
  /// The rows the file declares (0 when it does not say).
  var declaredRows: Int { get set }
  var labelSets: [String: [(value: Double, label: String)]] { get set }
  var messages: [String] { get set }
  /// Set when ReadStat handed over a string that is not valid UTF-8; parsing then aborts.
  var invalidUTF8: Bool { get set }
  /// Whether the parse stops once the header's metadata has been read (false by default).
  var stopsAfterMetadata: Bool { get }
}

extension ReadStatCallbackState {
  var stopsAfterMetadata: Bool { false }

  /// Decodes a C string that must be UTF-8; empty strings become `nil`.
  func text(_ p: UnsafePointer<CChar>?) -> String? {
    guard let p else { return nil }
    guard let s = String(validatingCString: p) else {
      invalidUTF8 = true
      return nil
    }
    return s.isEmpty ? nil : s
  }

  /// The metadata of the variable at `index` (0-based) with value-label set `labelSet`.
  func info(
    of variable: UnsafeMutablePointer<readstat_variable_t>, index: Int32, labelSet: UnsafePointer<CChar>?
  ) -> ReadStatVariableInfo {
    let isString = readstat_variable_get_type_class(variable) == READSTAT_TYPE_CLASS_STRING
    var ranges: [(lo: Double, hi: Double)] = []
    let rangeCount = readstat_variable_get_missing_ranges_count(variable)
    if !isString && rangeCount > 0 {
      for k in 0..<rangeCount {
        ranges.append(
          (
            numericValue(readstat_variable_get_missing_range_lo(variable, k)),
            numericValue(readstat_variable_get_missing_range_hi(variable, k))
          ))
      }
    }
    return ReadStatVariableInfo(
      name: text(readstat_variable_get_name(variable)) ?? "V\(index + 1)",
      label: text(readstat_variable_get_label(variable)), isString: isString, labelSet: text(labelSet),
      missingRanges: ranges)
  }
}

/// The state behind a callback's context pointer (an instance of `State` passed unretained by
/// `runParser`).
func callbackState<State: AnyObject>(_ ctx: UnsafeMutableRawPointer?, as _: State.Type) -> State? {
  guard let ctx else { return nil }
  return Unmanaged<State>.fromOpaque(ctx).takeUnretainedValue()
}

/// Sets the callbacks both readers share (metadata, errors and, with `valueLabels`, the value
/// labels) and the character encodings: UTF-8 out, `fileEncoding` in when given.
func setSharedHandlers(
  on parser: UnsafeMutablePointer<readstat_parser_t>, valueLabels: Bool, fileEncoding: String?
) {
  readstat_set_metadata_handler(parser, readStatMetadata)
  if valueLabels { readstat_set_value_label_handler(parser, readStatValueLabel) }
  readstat_set_error_handler(parser, readStatError)
  readstat_set_handler_character_encoding(parser, "UTF-8")
  if let fileEncoding { readstat_set_file_character_encoding(parser, fileEncoding) }
}

/// Runs the parser of `format` on `path`, `state` (kept alive meanwhile) the callbacks' context.
func runParser(
  _ parser: UnsafeMutablePointer<readstat_parser_t>, format: DataFileFormat, path: String,
  state: any ReadStatCallbackState
) -> readstat_error_t {
  withExtendedLifetime(state) {
    let ctx = Unmanaged.passUnretained(state as AnyObject).toOpaque()
    switch format {
    case .stata: return readstat_parse_dta(parser, path, ctx)
    case .spss: return readstat_parse_sav(parser, path, ctx)
    case .sasTransport: return readstat_parse_xport(parser, path, ctx)
    case .sas7bdat: return readstat_parse_sas7bdat(parser, path, ctx)
    case .delimitedText: return READSTAT_ERROR_PARSE
    }
  }
}

/// The shared state behind a shared callback's context pointer.
private func sharedState(_ ctx: UnsafeMutableRawPointer?) -> (any ReadStatCallbackState)? {
  callbackState(ctx, as: AnyObject.self) as? any ReadStatCallbackState
}

let readStatAbort: Int32 = 1

private let readStatMetadata: readstat_metadata_handler = { metadata, ctx in
  guard let state = sharedState(ctx) else { return readStatAbort }
  state.declaredRows = max(0, Int(readstat_get_row_count(metadata)))
  return state.stopsAfterMetadata ? readStatAbort : 0
}

private let readStatValueLabel: readstat_value_label_handler = { setName, value, label, ctx in
  guard let state = sharedState(ctx), let setName = state.text(setName) else { return readStatAbort }
  // Labels of string values and of Stata's extended missing values are not used.
  guard readstat_value_type_class(value) == READSTAT_TYPE_CLASS_NUMERIC,
    readstat_value_is_tagged_missing(value) == 0, readstat_value_is_system_missing(value) == 0
  else { return 0 }
  state.labelSets[setName, default: []].append((numericValue(value), state.text(label) ?? ""))
  return state.invalidUTF8 ? readStatAbort : 0
}

private let readStatError: readstat_error_handler = { message, ctx in
  guard let state = sharedState(ctx), let message else { return }
  state.messages.append(String(cString: message))
}

// MARK: - The in-memory reader's callbacks

private func context(_ ctx: UnsafeMutableRawPointer?) -> ReadStatContext? {
  callbackState(ctx, as: ReadStatContext.self)
}

private let readStatVariable: readstat_variable_handler = { index, variable, valLabels, ctx in
  guard let state = context(ctx), let variable else { return readStatAbort }
  var info = ReadStatVariable(info: state.info(of: variable, index: index, labelSet: valLabels))
  if state.invalidUTF8 { return readStatAbort }
  if info.info.isString {
    info.strings.reserveCapacity(state.declaredRows)
  } else {
    info.numbers.reserveCapacity(state.declaredRows)
    info.missing.reserveCapacity(state.declaredRows)
  }
  state.variables.append(info)
  return 0
}

private let readStatValue: readstat_value_handler = { _, variable, value, ctx in
  guard let state = context(ctx), let variable else { return readStatAbort }
  let j = Int(readstat_variable_get_index(variable))
  guard j >= 0 && j < state.variables.count else { return readStatAbort }
  if state.variables[j].info.isString {
    state.variables[j].strings.append(state.text(readstat_string_value(value)))
    if state.invalidUTF8 { return readStatAbort }
  } else {
    let cell = numericCell(value, of: variable)
    state.variables[j].numbers.append(cell.value)
    state.variables[j].missing.append(cell.missing)
  }
  return 0
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

