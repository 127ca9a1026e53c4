import Foundation
import StrataData
import StrataLinalg

/// A declared design of either kind: linearization or replicate weights.
public enum SampleDesign: Sendable {
  case linearization(LinearizationDesign)
  case replicate(ReplicateDesign)

  /// Builds the design a specification declares on `data`: replicate weights from the data,
  /// replicates built from a linearization design, or a linearization design.
  public init(_ spec: DesignSpecification, data: DataFrame) throws {
    let replicates: ReplicateDesign
    if let rep = spec.replicateWeights {
      replicates = try ReplicateDesign(rep, weights: spec.weights, data: data)
    } else if let build = spec.buildReplicates {
      // As R `calibrate(as.svrepdesign(d), ...)`: replicates from the design before calibration,
      // then the full sample and every replicate calibrated (below).
      replicates = try ReplicateDesign(
        building: build, from: try LinearizationDesign(spec, data: data, calibrating: false), data: data)
    } else {
      self = .linearization(try LinearizationDesign(spec, data: data))
      return
    }
    self = .replicate(try spec.calibration.map { try replicates.calibrated($0, data: data) } ?? replicates)
  }

  /// Full-sample weight of each data row.
  public var weights: [Double] {
    switch self {
    case .linearization(let d): return d.weights
    case .replicate(let d): return d.weights
    }
  }

  /// What the calibration did (nil without one).
  public var calibration: CalibrationSummary? {
    switch self {
    case .linearization(let d): return d.calibration
    case .replicate(let d): return d.calibration
    }
  }

  /// Number of data rows.
  public var rowCount: Int {
    switch self {
    case .linearization(let d): return d.rowCount
    case .replicate(let d): return d.rowCount
    }
  }

  /// Design degrees of freedom of the design restricted to `rows` (R `degf(subset(design))`).
  public func degreesOfFreedom(rows: [Int]) -> Int {
    switch self {
    case .linearization(let d): return d.degreesOfFreedom(rows: rows)
    case .replicate(let d): return d.degreesOfFreedom(rows: rows)
    }
  }

  /// The covariance of a statistic over `rows`, by the design's one engine.
  ///
  /// - Parameters:
  ///   - estimate: the statistic from weights over `rows` (called once per replicate).
  ///   - influence: its influence functions (rows × p) at the full-sample weights.
  public func covariance(
    rows: [Int], estimate: ([Double]) throws -> [Double], influence: ([Double]) throws -> Matrix
  ) throws -> (estimate: [Double], covariance: Matrix) {
    switch self {
    case .linearization(let d):
      let w = rows.map { d.weights[$0] }
      return (try estimate(w), try d.variance(influence: try influence(w), rows: rows))
    case .replicate(let d):
      return try d.variance(rows: rows, estimate: estimate)
    }
  }

  /// Counts for output.
  public var summary: DesignSummary {
    let allRows = Array(0..<rowCount)
    switch self {
    case .linearization(let d):
      return DesignSummary(
        kind: "linearization", observations: d.rowCount, strata: d.strataCount, psus: d.psuCount,
        stages: d.stageCount, populationSize: d.populationSize, df: d.degreesOfFreedom(rows: allRows),
        replicates: nil, replicateType: nil, lonelyPSU: d.lonelyPSU, zeroWeights: d.zeroWeightRows.count,
        weightSource: d.weightSource.rawValue, fpc: d.hasFPC, calibration: d.calibration)
    case .replicate(let d):
      return DesignSummary(
        kind: "replicate", observations: d.rowCount, strata: nil, psus: nil, stages: nil,
        populationSize: d.populationSize, df: d.degreesOfFreedom(rows: allRows), replicates: d.replicateCount,
        replicateType: d.type, lonelyPSU: nil, zeroWeights: d.zeroWeightRows.count, weightSource: "column",
        fpc: false, scale: d.scale, mse: d.mse, calibration: d.calibration)
    }
  }
}

/// Counts and settings of a design, for the design line of every report.
public struct DesignSummary: Sendable {
  public var kind: String
  public var observations: Int
  public var strata: Int?
  public var psus: Int?
  public var stages: Int?
  public var populationSize: Double
  public var df: Int
  public var replicates: Int?
  public var replicateType: ReplicateType?
  public var lonelyPSU: LonelyPSURule?
  public var zeroWeights: Int
  public var weightSource: String
  public var fpc: Bool
  public var scale: Double?
  public var mse: Bool?
  /// What the calibration of the weights did (nil without one).
  public var calibration: CalibrationSummary?

  public init(
    kind: String, observations: Int, strata: Int?, psus: Int?, stages: Int?, populationSize: Double, df: Int,
    replicates: Int?, replicateType: ReplicateType?, lonelyPSU: LonelyPSURule?, zeroWeights: Int,
    weightSource: String, fpc: Bool, scale: Double? = nil, mse: Bool? = nil,
    calibration: CalibrationSummary? = nil
  ) {
    self.calibration = calibration
    self.kind = kind
    self.observations = observations
    self.strata = strata
    self.psus = psus
    self.stages = stages
    self.populationSize = populationSize
    self.df = df
    self.replicates = replicates
    self.replicateType = replicateType
    self.lonelyPSU = lonelyPSU
    self.zeroWeights = zeroWeights
    self.weightSource = weightSource
    self.fpc = fpc
    self.scale = scale
    self.mse = mse
  }
}

extension DesignSpecification {
  /// Reads a design declaration saved by `save(to:)` (`strata svyset --save`).
  ///
  /// - Throws: `DesignError.designFileUnreadable` or `.notADesignFile`, naming the file and the problem.
  public static func load(from path: String) throws -> DesignSpecification {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw DesignError.designFileUnreadable(path: path, reason: fileErrorReason(error))
    }
    do {
      return try JSONDecoder().decode(DesignSpecification.self, from: data)
    } catch {
      throw DesignError.notADesignFile(path: path, reason: decodingErrorReason(error))
    }
  }

  /// Writes the declaration as JSON.
  public func save(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    do {
      try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    } catch {
      throw DesignError.designFileUnwritable(path: path, reason: fileErrorReason(error))
    }
  }
}
