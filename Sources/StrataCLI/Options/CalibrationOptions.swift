import ArgumentParser
import Foundation
import Strata

extension CalibrationSpecification.DistanceFunction: ExpressibleByArgument {}

/// The calibration flags of every design-aware command (R `calibrate`/`postStratify`/`rake`,
/// Stata `svycal`/`poststrata()`): one of `--calibrate`, `--poststratify`, `--rake`, with `--totals`.
struct CalibrationOptions: ParsableArguments {
  @Option(help: ArgumentHelp(
    "Calibrate the weights (R calibrate): a one-sided formula; --totals names its model-matrix columns.",
    valueName: "formula"))
  var calibrate: String?

  @Option(help: ArgumentHelp(
    "Post-stratify (R postStratify) on these columns (comma list; cells named a.b); --totals gives a total per level.",
    valueName: "columns"))
  var poststratify: String?

  @Option(help: ArgumentHelp(
    "Rake (R rake) to these margins in order, separated by ';'; --totals 'margin:level=N,...'. Iterated to convergence.",
    valueName: "margins"))
  var rake: String?

  @Option(help: ArgumentHelp(
    "Population totals: 'name=value,...' (--calibrate: model-matrix column names such as (Intercept), stypeH; "
      + "--poststratify: levels; --rake: margin:level) or a CSV file with columns term,total.",
    valueName: "totals"))
  var totals: String?

  @Option(help: "Calibration distance function: linear (default), raking or logit (needs --bounds).")
  var calfun: CalibrationSpecification.DistanceFunction?

  @Option(help: ArgumentHelp("Bounds on the calibration g-weights, lower < 1 < upper.", valueName: "lo,hi"))
  var bounds: String?

  var declaresCalibration: Bool { calibrate != nil || poststratify != nil || rake != nil }

  func validate() throws {
    let given = [("--calibrate", calibrate), ("--poststratify", poststratify), ("--rake", rake)].filter { $0.1 != nil }
    if given.count > 1 {
      throw ValidationError("give one of \(given.map(\.0).joined(separator: ", ")): each replaces the weights")
    }
    if given.isEmpty && totals != nil {
      throw ValidationError("--totals goes with --calibrate, --poststratify or --rake")
    }
    if !given.isEmpty && totals == nil {
      throw ValidationError("\(given[0].0) needs --totals (name=value,... or a CSV file with columns term,total)")
    }
    if calibrate == nil && (calfun != nil || bounds != nil) {
      throw ValidationError("--calfun and --bounds go with --calibrate")
    }
  }

  /// The calibration the flags describe (nil without one).
  func specification() throws -> CalibrationSpecification? {
    guard declaresCalibration, let totals else { return nil }
    let pairs = try Self.totals(totals)
    if let calibrate {
      var b: (lower: Double, upper: Double)?
      if let bounds {
        let parts = bounds.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let lo = parts[0], let hi = parts[1] else {
          throw CommandLineError(description: "--bounds '\(bounds)': give two numbers LO,HI (lower < 1 < upper)")
        }
        b = (lo, hi)
      }
      return .calibrate(
        formula: calibrate, totals: pairs.map { .init(name: $0.0, value: $0.1) }, distance: calfun ?? .linear, bounds: b)
    }
    if let poststratify {
      return .poststratify(DesignStructureOptions.list(poststratify), totals: pairs.map { .init(name: $0.0, value: $0.1) })
    }
    let margins = (rake ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    if margins.isEmpty { throw CommandLineError(description: "--rake needs margins, such as 'stype;sch.wide'") }
    var perMargin: [String: [CalibrationSpecification.Total]] = [:]
    for (name, value) in pairs {
      // `margin:level`; the margin is the longest declared margin the name starts with.
      guard let margin = margins.filter({ name.hasPrefix($0 + ":") }).max(by: { $0.count < $1.count }) else {
        throw CommandLineError(description: 
          "--totals '\(name)': with --rake each total is margin:level=value, margin one of \(margins.joined(separator: ", "))")
      }
      perMargin[margin, default: []].append(.init(name: String(name.dropFirst(margin.count + 1)), value: value))
    }
    return .rake(margins.map { .init(variables: [$0], totals: perMargin[$0] ?? []) })
  }

  /// `name=value,...`, or a CSV file with columns `term,total`.
  static func totals(_ text: String) throws -> [(String, Double)] {
    if text.lowercased().hasSuffix(".csv") || (FileManager.default.fileExists(atPath: text) && !text.contains("=")) {
      return try totalsFile(text)
    }
    var out: [(String, Double)] = []
    for item in text.split(separator: ",") {
      let entry = item.trimmingCharacters(in: .whitespaces)
      guard let eq = entry.lastIndex(of: "="), let v = Double(entry[entry.index(after: eq)...].trimmingCharacters(in: .whitespaces))
      else { throw CommandLineError(description: "--totals: '\(entry)' is not name=number") }
      out.append((entry[..<eq].trimmingCharacters(in: .whitespaces), v))
    }
    if out.isEmpty { throw CommandLineError(description: "--totals is empty") }
    return out
  }

  static func totalsFile(_ path: String) throws -> [(String, Double)] {
    let content: String
    do {
      content = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw CommandLineError(description: "--totals \(path): cannot read the file (\((error as NSError).localizedDescription))")
    }
    func unquote(_ s: Substring) -> String {
      var t = s.trimmingCharacters(in: .whitespaces)
      if t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") { t = String(t.dropFirst().dropLast()) }
      return t
    }
    let lines = content.split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    guard let header = lines.first else { throw CommandLineError(description: "--totals \(path): the file is empty") }
    let names = header.split(separator: ",", omittingEmptySubsequences: false).map(unquote)
    guard let ti = names.firstIndex(of: "term"), let vi = names.firstIndex(of: "total") else {
      throw CommandLineError(description: "--totals \(path): needs columns 'term' and 'total' (found \(names.joined(separator: ", ")))")
    }
    var out: [(String, Double)] = []
    for (k, line) in lines.dropFirst().enumerated() {
      let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(unquote)
      guard cells.count > max(ti, vi), let v = Double(cells[vi]) else {
        throw CommandLineError(description: "--totals \(path): line \(k + 2) has no numeric 'total'")
      }
      out.append((cells[ti], v))
    }
    if out.isEmpty { throw CommandLineError(description: "--totals \(path): no totals") }
    return out
  }
}
