import ArgumentParser
import Foundation
import Strata

/// Errors reading a saved fit.
enum SavedFitError: Error, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  case notAFit(path: String)
  case badCommand(path: String, reason: String)
  case dataChanged(path: String, reason: String)

  var description: String {
    switch self {
    case .unreadable(let p, let r): return "cannot read saved fit \(p): \(r)"
    case .notAFit(let p): return "\(p) is not a fit saved by strata fit --save"
    case .badCommand(let p, let r): return "saved fit \(p): its fit command no longer parses (\(r))"
    case .dataChanged(let p, let r):
      return "saved fit \(p): the data no longer match the fit (\(r)); refit with strata fit ... --save"
    }
  }
}

/// A fit saved by `strata fit ... --save RESULT.json`, the input of `strata margins`,
/// `strata predict` and `strata elasticities`.
///
/// The file (JSON) carries what margins need without refitting:
/// - `command`: the `strata fit` arguments (model, formula, `--data` path as given — relative
///   paths are read from the current directory —, subset, weights, design flags, vce, convention),
///   without `--save`, `--output` and `--format`;
/// - `model`, `formula`, `data`, `nobs`, `terms` (every column), `kept` (their indices),
///   `coefficients` (kept), `vcov` (kept × kept), `df` (null for z tests), `vce`, `vce_title`;
/// - `recipe`: the `ModelRecipe` (formula, kept levels, codings), enough for `--newdata`.
///
/// Reconstruction re-reads the data and rebuilds the model matrix with the saved options (design
/// weights included), checks that it has the saved columns and observations, and pairs it with
/// the saved coefficients and covariance: no refit. Only `--margins-vce unconditional` needs the
/// per-observation scores; it refits the same command and checks that the coefficients agree
/// (1e-8 relative) with the saved ones.
struct SavedFit: Codable {
  var format = "strata-fit"
  var version = 1
  var command: [String]
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
  /// Where it was read from (for messages).
  var path: String = ""

  enum CodingKeys: String, CodingKey {
    case format, version, command, model, formula, data, nobs, terms, kept, coefficients, vcov, df, vce
    case vceTitle = "vce_title"
    case recipe, report
  }

  /// The arguments of this process's `strata fit` command, without output and save flags.
  static func fitArguments() -> [String] {
    let args = Invocation.arguments
    var out: [String] = []
    var skip = false
    for a in args {
      if skip {
        skip = false
        continue
      }
      if ["--save", "--output", "-o", "--format"].contains(a) {
        skip = true
        continue
      }
      if a.hasPrefix("--save=") || a.hasPrefix("--output=") || a.hasPrefix("--format=") { continue }
      out.append(a)
    }
    return out
  }

  init(session s: FitSession, options: LinearModelOptions) throws {
    guard let recipe = s.fit.recipe else { throw MarginsError.missingRecipe }
    let v = s.result.covariance
    command = Self.fitArguments()
    model = s.fit.kind.rawValue
    formula = s.fit.formula
    data = options.data
    nobs = s.fit.nobs
    terms = s.fit.terms
    kept = s.fit.kept
    coefficients = s.fit.keptCoefficients
    vcov = (0..<v.matrix.rows).map { i in (0..<v.matrix.cols).map { v.matrix[i, $0] } }
    df = v.degreesOfFreedom.isFinite ? v.degreesOfFreedom : nil
    vce = v.spec.name
    vceTitle = v.title.isEmpty ? v.spec.title : v.title
    self.recipe = recipe
    report = SavedReport(session: s)
  }

  func write(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let bytes: Data
    do {
      bytes = try encoder.encode(self)
    } catch {
      throw OutputError.cannotWrite(
        path: path, reason: "the fit holds a number JSON cannot store (NaN or infinity); check the fit's warnings")
    }
    try OutputFile.write(bytes, to: path)
  }

  static func load(from path: String) throws -> SavedFit {
    let bytes: Data
    do {
      bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw SavedFitError.unreadable(path: path, reason: fileErrorReason(error))
    }
    var saved: SavedFit
    do {
      saved = try JSONDecoder().decode(SavedFit.self, from: bytes)
    } catch {
      throw SavedFitError.notAFit(path: path)
    }
    guard saved.format == "strata-fit" else { throw SavedFitError.notAFit(path: path) }
    saved.path = path
    return saved
  }

  var covarianceMatrix: Matrix {
    let k = vcov.count
    var m = Matrix(rows: k, cols: k)
    for i in 0..<k { for j in 0..<k { m[i, j] = vcov[i][j] } }
    return m
  }

  var degreesOfFreedom: Double { df ?? .infinity }

  var link: Link? {
    GLMModel(rawValue: model)?.link
  }

  /// The fit command's options and model, re-parsed.
  func reparse() throws -> (LinearModelOptions, ModelChoice) {
    let command: ParsableCommand
    do {
      command = try StrataCommand.parseAsRoot(self.command)
    } catch {
      throw SavedFitError.badCommand(path: path, reason: StrataCommand.message(for: error))
    }
    switch command {
    case let c as OLSCommand: return (c.options, .leastSquares(requireWeights: false))
    case let c as WLSCommand: return (c.options, .leastSquares(requireWeights: true))
    case let c as any GLMSubcommand: return (c.options, .glm(type(of: c).model, c.glmOptions))
    case let c as IVCommand: return (c.options, .iv)
    default: throw SavedFitError.badCommand(path: path, reason: "not a strata fit command")
    }
  }

  /// Rebuilds the model on its data (no refit) for margins, scenarios and elasticities.
  func source() throws -> MarginsSource {
    let (options, choice) = try reparse()
    let prepared = try options.prepare(choice)
    let mm = prepared.mm
    guard mm.columnNames == terms else {
      throw SavedFitError.dataChanged(path: path, reason: "the model matrix has columns \(mm.columnNames.joined(separator: ", "))")
    }
    // The estimation sample: the model frame's rows with positive weight (fits drop zero weights).
    var rows = mm.rows
    var weights = mm.weights
    if let w = mm.weights {
      let positive = w.indices.filter { w[$0] > 0 }
      rows = positive.map { mm.rows[$0] }
      weights = positive.map { w[$0] }
    }
    guard rows.count == nobs else {
      throw SavedFitError.dataChanged(path: path, reason: "\(rows.count) observations instead of \(nobs)")
    }
    let model = PredictionModel(
      recipe: mm.recipe, data: prepared.frame, rows: rows, coefficients: coefficients, kept: kept, link: choice.link,
      weights: weights)
    let path = self.path
    let saved = coefficients
    return MarginsSource(
      model: model, covariance: covarianceMatrix, degreesOfFreedom: degreesOfFreedom, varianceTitle: vceTitle,
      title: "\(self.model): \(formula)", kind: self.model, formula: formula, data: data,
      unconditional: {
        let session = try options.estimate(prepared)
        let again = session.fit.keptCoefficients
        for (a, b) in zip(again, saved) where abs(a - b) > 1e-8 * max(abs(b), 1e-300) {
          throw SavedFitError.dataChanged(path: path, reason: "refitted coefficients differ from the saved ones")
        }
        return try InfluenceVariance.matching(fit: session.fit, covariance: session.result.covariance)
      })
  }
}
