import StrataInference

/// Which program's defaults a fit follows: R (`glm`, `sandwich`, `survey`) or Stata.
///
///     let fit = try design.fit(.logit, "sch.wide ~ ell + meals", convention: .stata)
///
/// - `r`: GLMs report `vcov(glm)` (expected-information bread); fractional models HC0; design
///   fits use `svyglm`'s residual df (design df − p + 1).
/// - `stata`: GLMs report the observed information (`oim`); `robust` is HC0 × n/(n−1); design
///   fits use #PSUs − #strata.
public enum Convention: String, Sendable, Codable, CaseIterable {
  case r
  case stata

  /// The design degrees-of-freedom rule of this convention.
  var designDF: DesignDFConvention { self == .stata ? .stata : .r }
}
