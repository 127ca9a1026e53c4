import StrataModels

extension RegressionReport {
  /// `Fixed effects: state (50), year (10); 3 singleton observation(s) removed`, or nothing.
  static func fixedEffectsLine(_ f: Fit) -> String {
    guard let fe = f.fixedEffects else { return "" }
    var line = "Fixed effects: " + fe.dimensions.map { "\($0.name) (\($0.count))" }.joined(separator: ", ")
    line += "; \(fe.parameters) fixed-effect parameter(s) in the df"
    if fe.singletonsRemoved > 0 { line += "; \(fe.singletonsRemoved) singleton observation(s) removed" }
    if fe.perfectFitRemoved > 0 {
      line += "; \(fe.perfectFitGroups) group(s) with a constant outcome (\(fe.perfectFitRemoved) obs.) removed"
    }
    return line + "\n"
  }

  /// The `fixed_effects` JSON member: one entry per dimension with its number of groups
  /// (fixest's `fixef_sizes`), the counted parameters and the removed observations.
  static func fixedEffectsJSON(_ fe: FixedEffectsDetails) -> JSONValue {
    .object([
      ("dimensions", .array(fe.dimensions.map { .object([("name", .string($0.name)), ("levels", .int($0.count))]) })),
      ("parameters", .int(fe.parameters)), ("singletons_removed", .int(fe.singletonsRemoved)),
      ("perfect_fit_groups_removed", .int(fe.perfectFitGroups)),
      ("perfect_fit_observations_removed", .int(fe.perfectFitRemoved)), ("sweeps", .int(fe.sweeps)),
    ])
  }
}
