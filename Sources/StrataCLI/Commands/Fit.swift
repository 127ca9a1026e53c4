import ArgumentParser
import Foundation
import Strata

/// `strata fit MODEL FORMULA --data FILE ...`
struct Fit: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit a model from an R-style formula.",
    subcommands: [OLSCommand.self, WLSCommand.self])
}

/// Covariance choices on the command line.
enum VCEOption: String, ExpressibleByArgument, CaseIterable {
  case classical, hc0, hc1, hc2, hc3, cluster
}

/// Options shared by the least-squares commands.
struct LinearModelOptions: ParsableArguments {
  @Argument(help: "Model formula in R syntax, e.g. 'lwage ~ educ + exper + I(exper^2) + factor(region)'.")
  var formula: String

  @Option(help: "Data file (.csv, .tsv, .dta, .sav).")
  var data: String

  @Option(help: "Case weights: a column or an expression such as '1/inc' (as lm(weights=)).")
  var weights: String?

  @Option(help: "Variance estimator.")
  var vce: VCEOption?

  @Option(help: "Cluster variable(s), comma-separated for multiway clustering (implies --vce cluster).")
  var cluster: String?

  @Option(help: "Keep rows where this R-style expression is TRUE, e.g. 'fsize == 1 & age > 25'.")
  var subset: String?

  @Option(help: "Confidence level in percent.")
  var level: Double = 95

  @OptionGroup var outputOptions: OutputOptions

  var clusterNames: [String] {
    (cluster ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  func validate() throws {
    if vce == .cluster && clusterNames.isEmpty {
      throw ValidationError("--vce cluster needs --cluster COLUMN[,COLUMN2]")
    }
    if let vce, vce != .cluster, !clusterNames.isEmpty {
      throw ValidationError("--cluster goes with --vce cluster, not --vce \(vce.rawValue)")
    }
    if !(level > 0 && level < 100) { throw ValidationError("--level must be between 0 and 100") }
  }

  /// Reads the data, fits, estimates the covariance and renders the result.
  func run(requireWeights: Bool) throws {
    if requireWeights && weights == nil { throw ValidationError("wls needs --weights") }
    let frame = try DataReader.read(path: data)
    let names = clusterNames
    let options = ModelFrameOptions(subset: subset, weights: weights, extraVariables: names)
    let fit = try LeastSquares.fit(formula, data: frame, options: options)
    let spec: CovarianceSpec
    switch vce ?? (names.isEmpty ? .classical : .cluster) {
    case .classical: spec = .classical
    case .hc0: spec = .hc(.hc0)
    case .hc1: spec = .hc(.hc1)
    case .hc2: spec = .hc(.hc2)
    case .hc3: spec = .hc(.hc3)
    case .cluster:
      spec = .cluster(
        try names.map { name in
          let g = try frame.groupCodes(of: name, rows: fit.rows)
          return ClusterVariable(name: name, codes: g.codes, count: g.count)
        })
    }
    let result = try RegressionResult(fit: fit, covariance: covariance(of: fit, spec: spec), level: level)
    var labels: [String: String] = [:]
    for c in frame.columns { if let l = c.label, !l.isEmpty { labels[c.name] = l } }
    let context = ReportContext(dataSource: data, labels: labels)
    switch outputOptions.format {
    case .text: try outputOptions.write(RegressionReport.text(result, context: context))
    case .json: try outputOptions.write(RegressionReport.json(result, context: context).serialized() + "\n")
    case .csv: try outputOptions.write(RegressionReport.csv(result))
    }
  }
}

struct OLSCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ols", abstract: "Ordinary (or, with --weights, weighted) least squares, as R's lm().")
  @OptionGroup var options: LinearModelOptions
  func run() throws { try options.run(requireWeights: false) }
}

struct WLSCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "wls", abstract: "Weighted least squares (lm(weights =)); --weights is required.")
  @OptionGroup var options: LinearModelOptions
  func run() throws { try options.run(requireWeights: true) }
}
