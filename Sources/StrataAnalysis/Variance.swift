import StrataInference

/// The variance of a fit's coefficients, chosen before fitting (`nil` in a specification means
/// the default of the model and convention: classical for `lm`/`glm`, robust for fractional
/// models, clustered by the first fixed effect after absorbing fixed effects, design-based with
/// a design).
///
///     let m = try Model.fit(.probit, "inlf ~ educ + age", data: mroz, variance: .cluster("id"))
///     let h = try Model.fit(.ols, "y ~ x", data: d, variance: .hc(.hc3))
public enum Variance: Sendable, Codable, Equatable {
  /// Model-based (`vcov(lm)`, `vcov(glm)`).
  case classical
  /// The inverse observed information (Stata `vce(oim)`); likelihood models only.
  case oim
  /// Least squares HC1; GLMs HC0 (R) or HC0 × n/(n−1) (Stata).
  case robust
  /// Heteroskedasticity-consistent, as `sandwich::vcovHC(type =)`.
  case hc(HCType)
  /// Cluster-robust by one or more columns (multiway), as `sandwich::vcovCL`.
  case cluster([String])
  /// Design-based: linearization or replicates of the fit's design.
  case design

  /// Cluster-robust by the named columns.
  public static func cluster(_ names: String...) -> Variance { .cluster(names) }

  /// The cluster columns (empty unless `.cluster`).
  public var clusterNames: [String] {
    if case .cluster(let names) = self { return names }
    return []
  }
}

extension Variance {
  /// The name of the variance (`classical`, `hc3`, `cluster`, ...), as saved in a specification.
  public var name: String {
    switch self {
    case .classical: return "classical"
    case .oim: return "oim"
    case .robust: return "robust"
    case .hc(let t): return t.rawValue
    case .cluster: return "cluster"
    case .design: return "design"
    }
  }

  /// The variance of a name (`cluster` with `columns`); nil for an unknown name.
  public init?(name: String, columns: [String] = []) {
    switch name {
    case "classical": self = .classical
    case "oim": self = .oim
    case "robust": self = .robust
    case "cluster": self = .cluster(columns)
    case "design": self = .design
    default:
      guard let t = HCType(rawValue: name) else { return nil }
      self = .hc(t)
    }
  }

  private enum CodingKeys: String, CodingKey { case type, columns }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let name = try c.decode(String.self, forKey: .type)
    let columns = try c.decodeIfPresent([String].self, forKey: .columns) ?? []
    guard let v = Variance(name: name, columns: columns) else {
      throw DecodingError.dataCorruptedError(
        forKey: .type, in: c, debugDescription: "'\(name)' is not a variance (classical, oim, robust, hc0-hc3, cluster, design)")
    }
    self = v
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .type)
    if case .cluster(let columns) = self { try c.encode(columns, forKey: .columns) }
  }
}
