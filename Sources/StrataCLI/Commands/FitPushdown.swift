import ArgumentParser
import Foundation
import Strata

/// `strata fit ols|wls|logit|poisson --data postgresql://…`: the fit runs as aggregate SQL in
/// the server (`StrataPostgres.Pushdown`); only sums cross the wire.
extension LinearModelOptions {
  /// The flags the pushdown does not take yet, refused by name.
  func pushdownRefusals() -> String? {
    if subset != nil { return "--subset" }
    if split != nil { return "--split" }
    if test != nil { return "--test" }
    if marginsOptions.selection.isRequested { return "--margins" }
    if marginsOptions.save != nil { return "--save" }
    if convention == .stata { return "--convention stata" }
    if outputOptions.format == .csv { return "--format csv" }
    if streaming.memory != nil { return "--memory" }
    if streaming.stream { return "--stream" }
    return nil
  }

  func runPushdown(_ model: ModelChoice) throws {
    if let flag = pushdownRefusals() {
      throw ValidationError("\(flag) is not available with a PostgreSQL --data yet (see Guides/Scale.md)")
    }
    let family: PushdownFamily
    switch model {
    case .leastSquares(let requireWeights):
      if requireWeights && weights == nil { throw ValidationError("wls needs --weights") }
      family = .gaussian
    case .glm(.logit, _): family = .logit
    case .glm(.poisson, _): family = .poisson
    default:
      throw ValidationError("with a PostgreSQL --data, fit ols, wls, logit and poisson are available (not \(model.kind.rawValue) yet)")
    }
    let variance: PushdownVariance
    let clusters = clusterNames
    if isDesignBased {
      let declared = try design.specification(weights: weights)
      if declared.psu.count > 1 || declared.fpc.count > 1 {
        throw ValidationError("with a PostgreSQL --data, one-stage designs only (one --psu, one --fpc)")
      }
      if declared.calibration != nil || declared.buildReplicates != nil {
        throw ValidationError("with a PostgreSQL --data, calibration and --replicate are not available (give --repweights columns)")
      }
      if !clusters.isEmpty { throw ValidationError("with a survey design, declare clusters as PSUs (--psu), not --cluster") }
      if let vce, vce != .design { throw ValidationError("--vce \(vce.rawValue) with a design: only --vce design") }
      variance = .design(declared)
    } else if clusters.count == 1 {
      variance = .cluster(clusters[0])
    } else if clusters.count > 1 {
      throw ValidationError("with a PostgreSQL --data, one --cluster column only")
    } else {
      switch vce {
      case nil, .classical?: variance = .classical
      case .hc0?: variance = .hc0
      case .hc1?: variance = .hc1
      case .robust?: variance = family == .gaussian ? .hc1 : .hc0
      default:
        throw ValidationError("with a PostgreSQL --data, --vce classical, robust, hc0, hc1, cluster or design")
      }
    }
    var spec = PushdownSpecification(
      family: family, formula: formula, weights: weights, variance: variance, subpop: design.subpop,
      partitionKey: partitionKey, exactSums: exactSums)
    if case .glm(_, let o) = model { spec.maxIterations = o.maxiter }
    let source = try PostgresSource(uri: data, sql: sql)
    let fit = try Pushdown.fit(spec, source: source)
    try outputOptions.write(outputOptions.format == .json ? pushdownJSON(fit) : pushdownText(fit, family: family))
  }

  func pushdownText(_ fit: PushdownFit, family: PushdownFamily) -> String {
    let stat = family == .gaussian ? "t value" : "z value"
    var lines = [
      "Fit pushed down to PostgreSQL: \(fit.source)",
      "Model: \(formula)  (\(family.rawValue))",
      "Observations: \(fit.observations)   Iterations: \(fit.iterations)   Deviance: \(fmt(fit.deviance))"
        + (fit.designDegreesOfFreedom.map { "   Design df: \($0)" } ?? "")
        + (fit.replicates > 0 ? "   Replicates: \(fit.replicates)" : ""),
      "",
    ]
    let width = max(12, fit.terms.map(\.count).max() ?? 0)
    lines.append(pad("", width) + " " + ["Estimate", "Std. Error", stat].map { pad($0, 14, left: true) }.joined(separator: " "))
    for (j, term) in fit.terms.enumerated() {
      let se = fit.standardErrors[j]
      lines.append(
        pad(term, width) + " "
          + [fmt(fit.coefficients[j]), fmt(se), fmt(fit.coefficients[j] / se)].map { pad($0, 14, left: true) }
          .joined(separator: " "))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  func pushdownJSON(_ fit: PushdownFit) -> String {
    func num(_ x: Double) -> String { x.isFinite ? String(format: "%.17g", x) : "null" }
    func str(_ s: String) -> String {
      let data = try? JSONSerialization.data(withJSONObject: [s])
      return data.map { String(decoding: $0, as: UTF8.self).dropFirst().dropLast() }.map(String.init) ?? "\"\""
    }
    let coefs = fit.terms.enumerated().map { j, t in
      "{\"term\": \(str(t)), \"estimate\": \(num(fit.coefficients[j])), \"std_error\": \(num(fit.standardErrors[j]))}"
    }
    let vcov = fit.covariance.map { "[" + $0.map(num).joined(separator: ", ") + "]" }
    return """
      {"source": \(str(fit.source)), "formula": \(str(formula)), "nobs": \(fit.observations), \
      "iterations": \(fit.iterations), "deviance": \(num(fit.deviance)), \
      "coefficients": [\(coefs.joined(separator: ", "))], "vcov": [\(vcov.joined(separator: ", "))]}

      """
  }

  private func fmt(_ x: Double) -> String { String(format: "%.6g", x) }
  private func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, n - s.count))
    return left ? fill + s : s + fill
  }
}
