import Foundation
import Strata

// The saved fit as a file: its fields, reading and checking them, and the data's fingerprint.
// Imports only Foundation and Strata (no ArgumentParser, no command types), so the fuzzer in
// `Fuzz/` compiles this file as it is (`Fuzz/Sources/SavedFitFuzz/`).

/// Errors reading a saved fit.
enum SavedFitError: Error, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  case notAFit(path: String)
  /// Not JSON at all: truncated or edited by hand.
  case notJSON(path: String, reason: String)
  /// A field that is missing, of the wrong type or inconsistent with the others.
  case badField(path: String, field: String, reason: String)
  case unsupportedVersion(path: String, version: Int)
  case badCommand(path: String, reason: String)
  case dataChanged(path: String, reason: String)
  /// The data file differs from the one the fit was saved on (size or hash).
  case dataFileChanged(path: String, data: String, reason: String)

  var description: String {
    switch self {
    case .unreadable(let p, let r): return "cannot read saved fit \(p): \(r)"
    case .notAFit(let p): return "\(p) is not a fit saved by strata fit --save"
    case .notJSON(let p, let r):
      return "saved fit \(p) is not valid JSON (\(r)); it was truncated or edited: save the fit again with strata fit ... --save"
    case .badField(let p, let f, let r):
      return "saved fit \(p): field '\(f)' \(r); the file was edited or truncated: save the fit again with strata fit ... --save"
    case .unsupportedVersion(let p, let v):
      return "saved fit \(p) has version \(v); this strata reads versions 1 to \(SavedFit.currentVersion): save the fit again with this strata"
    case .badCommand(let p, let r): return "saved fit \(p): its fit command no longer parses (\(r))"
    case .dataChanged(let p, let r):
      return "saved fit \(p): the data no longer match the fit (\(r)); refit with strata fit ... --save"
    case .dataFileChanged(let p, let d, let r):
      return "\(d) changed since the fit \(p) was saved (\(r)); refit, or pass --allow-changed-data"
    }
  }
}

/// The PostgreSQL source of a pushed-down fit: the connection string without any password
/// (libpq finds it again in `PGPASSWORD`, `~/.pgpass` or a service file), the table or the
/// query, and the partition key the sums were grouped by.
struct SavedPushdown: Codable, Equatable {
  var connection: String
  var table: String?
  var sql: String?
  var partitionKey: String?

  enum CodingKeys: String, CodingKey {
    case connection, table, sql
    case partitionKey = "partition_key"
  }
}

/// A fit saved by `strata fit ... --save RESULT.json`, the input of `strata margins`,
/// `strata predict`, `strata elasticities`, `strata table` and `strata plot`.
///
/// The file (JSON) carries what margins need without refitting:
/// - `specification` (version 3): the library's `FitSpecification` — model, formula, data source
///   (its path relative to the saved file's folder, and its fingerprint), weights, subset, design
///   (the full declaration), subpopulation, variance, convention, level, iteration controls — so
///   `cd elsewhere && strata margins path/to/fit.json` and a fit moved with its data both work;
/// - `command` (versions 1 and 2 only, still read): the `strata fit` arguments, with the `--data`
///   path relative to the current directory, translated into a specification when read;
/// - `model`, `formula`, `data`, `nobs`, `terms` (every column), `kept` (their indices),
///   `coefficients` (kept), `vcov` (kept × kept), `df` (null for z tests), `vce`, `vce_title`;
/// - `recipe`: the `ModelRecipe` (formula, kept levels, codings), enough for `--newdata`;
/// - `data_fingerprint` (version 2): size, modification time and hash of the data file, so that
///   margins on changed data stop (`--allow-changed-data` goes on).
///
/// `load(from:)` checks every field against the others (lengths, a square symmetric `vcov`,
/// finite numbers, indices in range, a known model and version) and names the field that is
/// wrong: an edited or truncated file is an error, never a crash or a wrong number.
///
/// Reconstruction (`SavedFit.swift`) re-reads the data and rebuilds the model matrix with the
/// saved options (design weights included), checks that it has the saved columns and
/// observations, and pairs it with the saved coefficients and covariance: no refit. Only
/// `--margins-vce unconditional` needs the per-observation scores; it refits the same command
/// and checks that the coefficients agree (1e-8 relative) with the saved ones.
struct SavedFit: Codable {
  /// The version this strata writes (3: a declarative specification); it reads 1 (no
  /// fingerprint) and 2 (the fit's argv) too.
  static let currentVersion = 3

  var format = "strata-fit"
  var version = SavedFit.currentVersion
  /// The fit command's arguments (versions 1 and 2).
  var command: [String]?
  /// What was fitted (version 3); its data path is relative to this file's folder.
  var specification: FitSpecification?
  var model: String
  var formula: String
  var data: String
  var nobs: Int
  var terms: [String]
  var kept: [Int]
  var coefficients: [Double]
  var vcov: [[Double]]
  var df: Double?
  var vce: String
  var vceTitle: String
  var recipe: ModelRecipe
  /// Statistics and labels for `strata table` (`SavedFit+Report.swift`).
  var report: SavedReport?
  /// The data file as it was when the fit was saved (nil in version 1 files).
  var dataFingerprint: DataFingerprint?
  /// Whether the fit was streamed (`--stream`, `--memory`): its margins and scenarios stream the
  /// data file again (`AggregateMargins`) instead of reading it into memory. Absent: false.
  var streamed: Bool?
  /// Where the rows of a fit pushed down to PostgreSQL live (`fit … --data postgresql://…`):
  /// its scenarios run as aggregate SQL there again. Absent: the data are a file.
  var pushdown: SavedPushdown?
  /// Where it was read from (for messages).
  var path: String = ""

  enum CodingKeys: String, CodingKey {
    case format, version, command, specification, model, formula, data, nobs, terms, kept, coefficients, vcov, df, vce
    case vceTitle = "vce_title"
    case recipe, report
    case dataFingerprint = "data_fingerprint"
    case streamed, pushdown
  }

  /// The models a fit can be saved from (`Fit.Kind` raw values).
  static let savedModels: Set<String> = Set(["ols", "wls", "iv", "nbreg"] + GLMModel.allCases.map(\.rawValue))

  /// Reads and checks the saved fit at `path`.
  static func load(from path: String) throws -> SavedFit {
    let bytes: Data
    do {
      bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw SavedFitError.unreadable(path: path, reason: fileErrorReason(error))
    }
    return try decode(bytes, path: path)
  }

  /// Decodes and checks the bytes of a saved fit (`path` is for messages).
  static func decode(_ bytes: Data, path: String) throws -> SavedFit {
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: bytes)
    } catch {
      throw SavedFitError.notJSON(path: path, reason: jsonErrorText(error))
    }
    guard let fields = object as? [String: Any], fields["format"] as? String == "strata-fit" else {
      throw SavedFitError.notAFit(path: path)
    }
    guard let version = fields["version"] as? Int else {
      throw SavedFitError.badField(path: path, field: "version", reason: "is missing or not a whole number")
    }
    guard (1...currentVersion).contains(version) else {
      throw SavedFitError.unsupportedVersion(path: path, version: version)
    }
    var saved: SavedFit
    do {
      saved = try JSONDecoder().decode(SavedFit.self, from: bytes)
    } catch let error as DecodingError {
      throw fieldError(error, path: path)
    } catch {
      throw SavedFitError.notJSON(path: path, reason: "\(error)")
    }
    saved.path = path
    try saved.validate()
    return saved
  }

  /// Foundation's message for a JSON syntax error (with its line and column where it gives them).
  static func jsonErrorText(_ error: Error) -> String {
    let ns = error as NSError
    if let debug = ns.userInfo[NSDebugDescriptionErrorKey] as? String, !debug.isEmpty { return debug }
    return ns.localizedDescription
  }

  /// `vcov[2][1]`, `recipe.columnNames`.
  static func fieldName(_ path: [CodingKey]) -> String {
    var out = ""
    for key in path {
      if let i = key.intValue {
        out += "[\(i)]"
      } else {
        out += (out.isEmpty ? "" : ".") + key.stringValue
      }
    }
    return out.isEmpty ? "(top level)" : out
  }

  static func fieldError(_ error: DecodingError, path: String) -> SavedFitError {
    switch error {
    case .keyNotFound(let key, let c):
      return .badField(path: path, field: fieldName(c.codingPath + [key]), reason: "is missing")
    case .valueNotFound(let type, let c):
      return .badField(path: path, field: fieldName(c.codingPath), reason: "is null where a \(type) is expected")
    case .typeMismatch(let type, let c):
      return .badField(path: path, field: fieldName(c.codingPath), reason: "is not a \(type) (\(c.debugDescription))")
    case .dataCorrupted(let c):
      if c.codingPath.isEmpty { return .notJSON(path: path, reason: c.debugDescription) }
      return .badField(path: path, field: fieldName(c.codingPath), reason: "is invalid (\(c.debugDescription))")
    @unknown default:
      return .badField(path: path, field: "(unknown)", reason: "\(error)")
    }
  }

  /// Checks the fields against each other.
  func validate() throws {
    func bad(_ field: String, _ reason: String) -> SavedFitError { .badField(path: path, field: field, reason: reason) }
    guard Self.savedModels.contains(model) else {
      throw bad("model", "is '\(model)', not one of \(Self.savedModels.sorted().joined(separator: ", "))")
    }
    if specification != nil {
      // Checked last, against the other fields (`validate(_:)`).
    } else if version >= 3 {
      throw bad("specification", "is missing (version \(version) files describe the fit declaratively)")
    } else {
      guard let command else { throw bad("command", "is missing") }
      guard !command.isEmpty else { throw bad("command", "is empty") }
    }
    guard nobs > 0 else { throw bad("nobs", "is \(nobs), not a positive count") }
    guard !terms.isEmpty else { throw bad("terms", "is empty") }
    guard recipe.columnNames == terms else {
      throw bad("recipe.columnNames", "has \(recipe.columnNames.count) columns that differ from the \(terms.count) terms")
    }
    guard !kept.isEmpty else { throw bad("kept", "is empty") }
    for (i, index) in kept.enumerated() {
      guard index >= 0, index < terms.count else {
        throw bad("kept[\(i)]", "is \(index), outside the \(terms.count) terms (0 to \(terms.count - 1))")
      }
      if i > 0, index <= kept[i - 1] { throw bad("kept[\(i)]", "is \(index), not after \(kept[i - 1]) (kept must increase)") }
    }
    let k = kept.count
    guard coefficients.count == k else {
      throw bad("coefficients", "has \(coefficients.count) values but 'kept' lists \(k) terms")
    }
    if let i = coefficients.firstIndex(where: { !$0.isFinite }) { throw bad("coefficients[\(i)]", "is not finite") }
    guard vcov.count == k else {
      throw bad("vcov", "has \(vcov.count) rows; it must be \(k) × \(k), one row and column per kept coefficient")
    }
    for (i, row) in vcov.enumerated() {
      guard row.count == k else {
        throw bad("vcov[\(i)]", "has \(row.count) values; vcov must be \(k) × \(k) (square, one per kept coefficient)")
      }
      if let j = row.firstIndex(where: { !$0.isFinite }) { throw bad("vcov[\(i)][\(j)]", "is not finite") }
    }
    for i in 0..<k {
      guard vcov[i][i] >= 0 else { throw bad("vcov[\(i)][\(i)]", "is \(vcov[i][i]), a negative variance") }
      for j in 0..<i {
        let scale = max((vcov[i][i] * vcov[j][j]).squareRoot(), abs(vcov[i][j]), abs(vcov[j][i]))
        guard abs(vcov[i][j] - vcov[j][i]) <= 1e-8 * scale else {
          throw bad("vcov[\(i)][\(j)]", "is \(vcov[i][j]) but vcov[\(j)][\(i)] is \(vcov[j][i]); vcov must be symmetric")
        }
      }
    }
    if let df, !(df.isFinite && df > 0) { throw bad("df", "is \(df), not a positive number of degrees of freedom") }
    if let r = report {
      guard r.level > 0, r.level < 100 else { throw bad("report.level", "is \(r.level), not between 0 and 100") }
      guard r.test == "t" || r.test == "z" else { throw bad("report.test", "is '\(r.test)', not t or z") }
    }
    if let p = pushdown {
      guard !p.connection.isEmpty else { throw bad("pushdown.connection", "is empty") }
      guard (p.table == nil) != (p.sql == nil) else { throw bad("pushdown", "must name either a table or a query (sql)") }
      if let t = p.table, t.isEmpty { throw bad("pushdown.table", "is empty") }
    }
    if let f = dataFingerprint {
      guard f.size >= 0 else { throw bad("data_fingerprint.size", "is negative") }
      guard DataFingerprint.parseHash(f.hash) != nil else {
        throw bad("data_fingerprint.hash", "is '\(f.hash)', not fnv1a64: and 16 hexadecimal digits")
      }
    }
    if let spec = specification { try validate(spec) }
  }

  /// Checks the specification against the other fields.
  func validate(_ spec: FitSpecification) throws {
    func bad(_ field: String, _ reason: String) -> SavedFitError { .badField(path: path, field: field, reason: reason) }
    let savable: Set<ModelKind> = [.ols, .wls, .iv, .logit, .probit, .cloglog, .poisson, .nbreg, .fraclogit, .fracprobit]
    guard savable.contains(spec.model) else {
      throw bad("specification.model", "is '\(spec.model.rawValue)', a model whose fits are not saved")
    }
    guard spec.fittedFormula == formula else {
      throw bad("specification.formula", "is '\(spec.formula)' but 'formula' is '\(formula)'")
    }
    guard let source = spec.data, !source.path.isEmpty else {
      throw bad("specification.data.path", "is missing or empty")
    }
    if let f = source.fingerprint {
      guard DataFingerprint.parseHash(f.hash) != nil, f.size >= 0 else {
        throw bad("specification.data.fingerprint", "is not a size and an fnv1a64: hash")
      }
      if let top = dataFingerprint, top.hash != f.hash || top.size != f.size {
        throw bad("specification.data.fingerprint", "differs from 'data_fingerprint'")
      }
    }
    guard spec.level > 0, spec.level < 100 else {
      throw bad("specification.level", "is \(spec.level), not between 0 and 100")
    }
    guard spec.control.maxIterations >= 1, spec.control.tolerance > 0, spec.control.tolerance < 1 else {
      throw bad("specification.control", "has iterations below 1 or a tolerance outside (0, 1)")
    }
    if spec.design != nil && spec.weights != nil {
      throw bad("specification.weights", "is set together with a design (the design carries the weights)")
    }
    if spec.design == nil && spec.subpop != nil {
      throw bad("specification.subpop", "is set without a design")
    }
  }

  var covarianceMatrix: Matrix {
    let k = vcov.count
    var m = Matrix(rows: k, cols: k)
    for i in 0..<k { for j in 0..<k { m[i, j] = vcov[i][j] } }
    return m
  }

  var degreesOfFreedom: Double { df ?? .infinity }
}

/// What `strata table` and `strata plot` need from a saved fit beyond its coefficients and
/// covariance: fit statistics, the design and the data's labels (optional in the file, so fits
/// saved before it was added still load). Made from a fit in `SavedFit+Report.swift`.
struct SavedReport: Codable {
  var dependent: String?
  var level: Double
  /// `t` or `z`.
  var test: String
  var rSquared: Double?
  var adjRSquared: Double?
  var pseudoRSquared: Double?
  var logLik: Double?
  var aic: Double?
  /// E.g. `5 strata, 40 PSUs`.
  var design: String?
  /// Variable and value labels of the terms, from the data.
  var labels: [String: String]

  enum CodingKeys: String, CodingKey {
    case dependent, level, test, labels, design
    case rSquared = "r_squared"
    case adjRSquared = "adj_r_squared"
    case pseudoRSquared = "pseudo_r_squared"
    case logLik, aic = "AIC"
  }
}

/// The data file a fit was saved on: its size, modification time and a 64-bit FNV-1a hash of
/// its bytes (one streaming pass, 1 MiB at a time). Margins compare size and hash; a file that
/// was only touched (same bytes, new time) still matches.
struct DataFingerprint: Codable, Equatable {
  /// Bytes.
  var size: Int
  /// Seconds since 1970 (informational: not compared).
  var modified: Double
  /// `fnv1a64:` and 16 hexadecimal digits.
  var hash: String

  /// The fingerprint of the file at `path`, or nil when it is not a regular file (a pipe, a
  /// device) or cannot be read.
  static func of(file path: String) -> DataFingerprint? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      attributes[.type] as? FileAttributeType == .typeRegular,
      let size = (attributes[.size] as? NSNumber)?.intValue,
      let handle = FileHandle(forReadingAtPath: path)
    else { return nil }
    defer { try? handle.close() }
    var h = FNV1a64()
    var read = 0
    do {
      // nil or empty at the end of the file.
      while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        h.combine(chunk)
        read += chunk.count
      }
    } catch {
      return nil
    }
    guard read == size else { return nil }  // changing while read: no fingerprint
    let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    return DataFingerprint(size: size, modified: modified, hash: "fnv1a64:" + h.hex)
  }

  /// The 64-bit value of a `fnv1a64:…` hash text.
  static func parseHash(_ text: String) -> UInt64? {
    guard text.hasPrefix("fnv1a64:") else { return nil }
    let digits = text.dropFirst("fnv1a64:".count)
    guard digits.count == 16 else { return nil }
    return UInt64(digits, radix: 16)
  }

  /// Why `current` is not this fingerprint's data (`size 120 -> 131 bytes`), or nil when it is.
  func difference(from current: DataFingerprint) -> String? {
    if size != current.size { return "size \(size) -> \(current.size) bytes" }
    if hash != current.hash { return "same size, hash differs" }
    return nil
  }
}

/// FNV-1a, 64 bits: `h = (h xor byte) * 1099511628211` from 14695981039346656037.
struct FNV1a64 {
  var value: UInt64 = 0xcbf2_9ce4_8422_2325

  /// Through a span (about 3 times as fast as iterating `Data`: some 0.4 GB/s here).
  mutating func combine(_ bytes: Data) {
    var h = value
    let span = bytes.span
    for i in span.indices { h = (h ^ UInt64(span[i])) &* 0x0000_0100_0000_01b3 }
    value = h
  }

  var hex: String {
    let s = String(value, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
  }
}
