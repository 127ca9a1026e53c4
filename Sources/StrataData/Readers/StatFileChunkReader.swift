import CReadStat
import Foundation

/// A Stata `.dta`, SPSS `.sav`/`.zsav`, SAS `.xpt` or `.sas7bdat` file read in chunks of rows
/// through ReadStat's callbacks, never held whole: what such a file larger than memory is
/// streamed through.
///
///     let reader = try StatFileChunkReader(path: "big.dta")
///     try reader.forEachChunk(columns: ["y", "x", "region"], rowsPerChunk: 100_000) { frame, first in
///       // frame: rows first ..< first + frame.rowCount of those columns
///     }
///
/// Each chunk's columns are those ``StatFileReader`` reads for the whole file, row for row:
/// the same kinds (a numeric variable whose every non-missing value has a label of its set is a
/// factor with the set's labels as levels; a string variable is a factor), the same levels in
/// every chunk (a string variable's are the distinct values of the whole file in C-locale order,
/// found by a first parse of the file), the same missing values, labels and value labels.
///
/// Memory held: the variables' metadata and value labels, each string column's distinct values,
/// and one chunk of the asked columns (``largestChunkRows`` rows at most); ReadStat itself reads
/// a row at a time. Parsing is done in this process one file at a time (ReadStat's character-set
/// conversion failed under parallel parses), `body` included.
///
/// A gzip-compressed file (`.dta.gz`, …) is not streamed: ReadStat seeks in these formats.
///
/// The corresponding C functions are `readstat_parse_dta`, `readstat_parse_sav`,
/// `readstat_parse_xport` and `readstat_parse_sas7bdat`, with `readstat_set_row_limit` for the
/// first parse (metadata and value labels).
public final class StatFileChunkReader {
  /// The file.
  public let path: String
  /// The file's variable names, in order.
  public let names: [String]
  /// The rows the file declares (0 when it does not say).
  public let declaredRows: Int
  /// The most rows a chunk has held (the memory-independence check: at most `rowsPerChunk`).
  public private(set) var largestChunkRows = 0
  /// Parses of the file made (the first reads its metadata, the second its string values).
  public private(set) var parses = 0

  let format: DataFileFormat
  let encoding: String?
  let variables: [ReadStatVariableInfo]
  let labelSets: [String: [(value: Double, label: String)]]
  /// The columns' kinds over the whole file, once found (by column name).
  private var kinds: [String: StreamedKind] = [:]

  /// Opens `path` and reads its variables and value labels (ReadStat reads one row).
  ///
  /// - Throws: `DataError.unsupportedFormat` for another extension or a gzip-compressed file;
  ///   `DataError.unreadable` naming the file when it is missing, not of its extension's format,
  ///   truncated or damaged (the in-memory reader's checks and messages).
  public init(path: String) throws {
    guard let format = DataFileFormat(path: path), format != .delimitedText, !DataFileFormat.isGzipped(path: path)
    else {
      throw DataError.unsupportedFormat(path: path)
    }
    guard fileExists(path) else { throw DataError.unreadable(path: path, reason: "no such file") }
    let reader = StatFileReader(path: path)
    if let problem = reader.structuralProblemOfFile(format) {
      throw DataError.unreadable(path: path, reason: problem)
    }
    self.path = path
    self.format = format
    // The in-memory reader's encodings: UTF-8, then Stata's own (old files) or Windows-1252 (transport).
    var candidates: [String?] = [nil]
    if format == .stata { candidates = ["UTF-8", nil] }
    if format == .sasTransport { candidates = ["UTF-8", "WINDOWS-1252"] }
    var found: (ParseState, String?)?
    var lastFailure: ReadStatFailure?
    var attempts = 0
    for encoding in candidates where found == nil {
      attempts += 1
      let state = ParseState(wanted: nil)
      do {
        try StatFileChunkReader.parse(path: path, format: format, encoding: encoding, state: state, rowLimit: 1)
        found = (state, encoding)
      } catch let failure as ReadStatFailure where (failure.isEncodingProblem || failure.invalidUTF8) {
        lastFailure = failure
      } catch let failure as ReadStatFailure {
        throw failure.dataError(path: path)
      }
    }
    guard let (state, encoding) = found else {
      throw (lastFailure ?? ReadStatFailure(status: READSTAT_ERROR_PARSE, messages: [])).dataError(path: path)
    }
    parses = attempts
    self.encoding = encoding
    variables = state.variables
    names = state.variables.map(\.name)
    labelSets = state.labelSets
    declaredRows = Self.declaredRowCount(path: path, format: format, encoding: encoding)
  }

  /// The rows the file's header declares (0 when it does not say), from a parse stopped at the
  /// header's metadata (not counted in ``parses``): the parse of one row above reports one row,
  /// as ReadStat caps the row count it reports at the row limit.
  private static func declaredRowCount(path: String, format: DataFileFormat, encoding: String?) -> Int {
    let state = ParseState(wanted: nil)
    state.stopsAfterMetadata = true
    // The parse ends in READSTAT_ERROR_USER_ABORT, by design.
    try? parse(path: path, format: format, encoding: encoding, state: state, rowLimit: 0)
    return state.declaredRows
  }

  /// Calls `body` with each chunk of at most `rowsPerChunk` rows of `columns` and the 0-based
  /// row of its first row. The first call first parses the file once for its string columns'
  /// levels and its labelled columns' kinds.
  ///
  /// - Throws: `DataError.unknownColumn` for a name the file does not have; `DataError.unreadable`
  ///   naming the file when ReadStat fails or the file changes between parses; what `body` throws.
  public func forEachChunk(
    columns: [String], rowsPerChunk: Int, _ body: (DataFrame, Int) throws -> Void
  ) throws {
    var wanted: [Int] = []
    for name in columns {
      guard let j = names.firstIndex(of: name) else {
        throw DataError.unknownColumn(
          name: name, source: path, suggestions: names.filter { $0.lowercased() == name.lowercased() })
      }
      wanted.append(j)
    }
    try discoverKinds(of: wanted)
    let state = ParseState(wanted: wanted)
    state.rowsPerChunk = Swift.max(1, rowsPerChunk)
    state.slots = wanted.map { j in ChunkSlot(variable: variables[j], kind: kinds[variables[j].name] ?? .numeric) }
    state.source = path
    try withoutActuallyEscaping(body) { escapable in
      state.body = escapable
      defer { state.body = nil }
      do {
        try Self.parse(path: path, format: format, encoding: encoding, state: state, rowLimit: 0)
        try state.flush()
      } catch let failure as ReadStatFailure {
        if let error = state.bodyError { throw error }
        throw failure.dataError(path: path)
      }
    }
    parses += 1
    largestChunkRows = Swift.max(largestChunkRows, state.largestChunk)
  }

  /// Parses the file once for the kinds of the variables `wanted` not yet known: a string
  /// variable's distinct values, whether a labelled variable's every value has a label.
  private func discoverKinds(of wanted: [Int]) throws {
    let unknown = wanted.filter { kinds[variables[$0].name] == nil }
    guard !unknown.isEmpty else { return }
    let needsData = unknown.filter { variables[$0].isString || labelCodes(variables[$0]) != nil }
    for j in unknown where !needsData.contains(j) {
      let v = variables[j]
      kinds[v.name] = .numeric
    }
    guard !needsData.isEmpty else { return }
    let state = ParseState(wanted: needsData)
    state.discovering = true
    state.slots = needsData.map { j in
      let v = variables[j]
      if v.isString { return ChunkSlot(variable: v, kind: .text(levels: [], index: [:])) }
      let (levels, codes) = labelCodes(v) ?? ([], [:])
      return ChunkSlot(variable: v, kind: .labelled(levels: levels, codeOfValue: codes))
    }
    do {
      try Self.parse(path: path, format: format, encoding: encoding, state: state, rowLimit: 0)
    } catch let failure as ReadStatFailure {
      throw failure.dataError(path: path)
    }
    parses += 1
    for slot in state.slots {
      let v = slot.variable
      switch slot.kind {
      case .text:
        let (levels, _) = sortedLevels(slot.distinct)
        var index: [String: Int32] = [:]
        for (k, level) in levels.enumerated() { index[level] = Int32(k) }
        kinds[v.name] = .text(levels: levels, index: index)
      case .labelled(let levels, let codes):
        if slot.allLabelled {
          kinds[v.name] = .labelled(levels: levels, codeOfValue: codes)
        } else {
          var valueLabels: [Double: String] = [:]
          for e in labelSets[v.labelSet ?? ""] ?? [] { valueLabels[e.value] = e.label }
          kinds[v.name] = .valueLabelled(valueLabels)
        }
      default:
        kinds[v.name] = .numeric
      }
    }
  }

  /// The factor a numeric variable's value-label set makes (nil without a non-empty set).
  private func labelCodes(_ v: ReadStatVariableInfo) -> (levels: [String], codeOfValue: [Double: Int32])? {
    guard !v.isString, let name = v.labelSet, let entries = labelSets[name], !entries.isEmpty else { return nil }
    return labelLevels(entries, missingRanges: v.missingRanges)
  }

  /// One ReadStat parse (one retry of a character-set failure before any chunk was given, as the
  /// in-memory reader does), under the process's ReadStat lock.
  private static func parse(
    path: String, format: DataFileFormat, encoding: String?, state: ParseState, rowLimit: Int
  ) throws {
    readStatLock.lock()
    defer { readStatLock.unlock() }
    do {
      try parseOnce(path: path, format: format, encoding: encoding, state: state, rowLimit: rowLimit)
    } catch let failure as ReadStatFailure
      where failure.status == READSTAT_ERROR_UNSUPPORTED_CHARSET && state.given == 0 && state.bodyError == nil
    {
      state.reset()
      try parseOnce(path: path, format: format, encoding: encoding, state: state, rowLimit: rowLimit)
    }
  }

  private static func parseOnce(
    path: String, format: DataFileFormat, encoding: String?, state: ParseState, rowLimit: Int
  ) throws {
    guard let parser = readstat_parser_init() else {
      throw DataError.unreadable(path: path, reason: "ReadStat could not allocate a parser")
    }
    defer { readstat_parser_free(parser) }
    // The value labels are read by the first parse (no values); later parses read values only.
    setSharedHandlers(on: parser, valueLabels: state.wanted == nil, fileEncoding: encoding)
    readstat_set_variable_handler(parser, streamedVariable)
    if state.wanted != nil { readstat_set_value_handler(parser, streamedValue) }
    if rowLimit > 0 { readstat_set_row_limit(parser, rowLimit) }
    let status = runParser(parser, format: format, path: path, state: state)
    if status != READSTAT_OK || state.invalidUTF8 || state.bodyError != nil {
      throw ReadStatFailure(status: status, messages: state.messages, invalidUTF8: state.invalidUTF8)
    }
  }
}

/// What a streamed column is over the whole file.
enum StreamedKind {
  case numeric
  /// Numeric with value labels that do not cover every value.
  case valueLabelled([Double: String])
  /// A factor of the value labels (every value labelled).
  case labelled(levels: [String], codeOfValue: [Double: Int32])
  /// A string variable: a factor of its distinct values.
  case text(levels: [String], index: [String: Int32])
}

/// One asked column's values in the chunk being read.
struct ChunkSlot {
  var variable: ReadStatVariableInfo
  var kind: StreamedKind
  var numbers: [Double] = []
  var missing: [Bool] = []
  var codes: [Int32] = []
  // Discovery.
  var distinct: [String] = []
  var seen: Set<String> = []
  var allLabelled = true

  init(variable: ReadStatVariableInfo, kind: StreamedKind) {
    self.variable = variable
    self.kind = kind
  }

  mutating func clear() {
    numbers.removeAll(keepingCapacity: true)
    missing.removeAll(keepingCapacity: true)
    codes.removeAll(keepingCapacity: true)
  }
}

/// The state the C callbacks fill in; passed to them as the context pointer.
final class ParseState: ReadStatCallbackState {
  /// The variable indices whose values are read (nil: metadata and value labels only).
  let wanted: [Int]?
  var slotOfVariable: [Int: Int] = [:]
  var slots: [ChunkSlot] = []
  var discovering = false
  var variables: [ReadStatVariableInfo] = []
  var labelSets: [String: [(value: Double, label: String)]] = [:]
  var declaredRows = 0
  /// Stop the parse once the header's metadata (the row count) has been read.
  var stopsAfterMetadata = false
  var messages: [String] = []
  var invalidUTF8 = false
  var source = ""
  // Chunks.
  var rowsPerChunk = 1
  var chunkFirst = 0
  var currentRow = -1
  var largestChunk = 0
  /// Chunks given to `body`.
  var given = 0
  var body: ((DataFrame, Int) throws -> Void)?
  var bodyError: Error?

  init(wanted: [Int]?) {
    self.wanted = wanted
    if let wanted { for (k, j) in wanted.enumerated() { slotOfVariable[j] = k } }
  }

  func reset() {
    variables = []
    labelSets = [:]
    messages = []
    invalidUTF8 = false
    for k in slots.indices {
      slots[k].clear()
      slots[k].distinct = []
      slots[k].seen = []
      slots[k].allLabelled = true
    }
    chunkFirst = 0
    currentRow = -1
  }

  /// Rows read into the slots and not yet given.
  var bufferedRows: Int { currentRow < 0 ? 0 : currentRow - chunkFirst + 1 }

  /// Gives the buffered rows to `body` as a frame.
  func flush() throws {
    guard !discovering, let body else { return }
    let n = bufferedRows
    guard n > 0 else { return }
    largestChunk = Swift.max(largestChunk, n)
    var columns: [Column] = []
    for slot in slots {
      let v = slot.variable
      guard slot.numbers.count == n || slot.codes.count == n else {
        throw DataError.unreadable(path: source, reason: "a row of \(v.name) had no value (the file may be damaged)")
      }
      switch slot.kind {
      case .numeric:
        columns.append(
          Column(name: v.name, label: v.label, storage: .numeric(NumericColumn(values: slot.numbers, missing: slot.missing))))
      case .valueLabelled(let labels):
        columns.append(
          Column(
            name: v.name, label: v.label, valueLabels: labels,
            storage: .numeric(NumericColumn(values: slot.numbers, missing: slot.missing))))
      case .labelled(let levels, let codeOfValue):
        var codes = [Int32](repeating: -1, count: n)
        for i in 0..<n where !slot.missing[i] {
          guard let c = codeOfValue[slot.numbers[i]] else {
            throw DataError.unreadable(
              path: source,
              reason: "the file changed while it was read (\(v.name) has a value without a label that it did not have before)")
          }
          codes[i] = c
        }
        columns.append(Column(name: v.name, label: v.label, storage: .factor(FactorColumn(codes: codes, levels: levels))))
      case .text(let levels, _):
        columns.append(Column(name: v.name, label: v.label, storage: .factor(FactorColumn(codes: slot.codes, levels: levels))))
      }
    }
    for k in slots.indices { slots[k].clear() }
    let first = chunkFirst
    chunkFirst += n
    given += 1
    try body(DataFrame(columns: columns, source: source), first)
  }
}

private func state(_ ctx: UnsafeMutableRawPointer?) -> ParseState? {
  callbackState(ctx, as: ParseState.self)
}

private let streamedVariable: readstat_variable_handler = { index, variable, valLabels, ctx in
  guard let s = state(ctx), let variable else { return readStatAbort }
  if let wanted = s.wanted {
    return s.slotOfVariable[Int(index)] == nil && !wanted.isEmpty
      ? Int32(READSTAT_HANDLER_SKIP_VARIABLE) : 0
  }
  s.variables.append(s.info(of: variable, index: index, labelSet: valLabels))
  return s.invalidUTF8 ? readStatAbort : 0
}

private let streamedValue: readstat_value_handler = { row, variable, value, ctx in
  guard let s = state(ctx), let variable else { return readStatAbort }
  guard let k = s.slotOfVariable[Int(readstat_variable_get_index(variable))] else { return 0 }
  let r = Int(row)
  if r != s.currentRow {
    if !s.discovering && s.bufferedRows >= s.rowsPerChunk {
      do {
        try s.flush()
      } catch {
        s.bodyError = error
        return readStatAbort
      }
    }
    s.currentRow = r
  }
  switch s.slots[k].kind {
  case .text(_, let index):
    let string = s.text(readstat_string_value(value))
    if s.invalidUTF8 { return readStatAbort }
    if s.discovering {
      if let string, s.slots[k].seen.insert(string).inserted { s.slots[k].distinct.append(string) }
    } else if let string {
      guard let c = index[string] else {
        s.bodyError = DataError.unreadable(
          path: s.source,
          reason: "the file changed while it was read (\(s.slots[k].variable.name) has a value it did not have before)")
        return readStatAbort
      }
      s.slots[k].codes.append(c)
    } else {
      s.slots[k].codes.append(-1)
    }
  default:
    let (number, isMissing) = numericCell(value, of: variable)
    if s.discovering {
      if !isMissing, case .labelled(_, let codes) = s.slots[k].kind, codes[number] == nil {
        s.slots[k].allLabelled = false
      }
    } else {
      s.slots[k].numbers.append(number)
      s.slots[k].missing.append(isMissing)
    }
  }
  return 0
}
