import StrataData

/// The variables of the flexwork data set, in file order, and how they are built.
enum FlexworkColumns {
  /// A variable: its name and its value for one worker (a level index for factors).
  struct Variable: Sendable {
    var name: String
    var levels: [String]?
    var value: @Sendable (Worker) -> Double
  }

  /// Every variable except the design's weight and FPC, which come from the sample.
  static let variables: [Variable] = [
    .init(name: "id", value: { Double($0.id) }),
    .init(name: "region", levels: FlexworkModel.regions, value: { Double($0.region) }),
    .init(name: "province", value: { Double($0.province) }),
    .init(name: "city_tier", levels: FlexworkModel.cityTiers, value: { Double($0.tier) }),
    .init(name: "stratum", value: { Double($0.stratum) }),
    .init(name: "psu", value: { Double($0.point) }),
    .init(name: "platform", levels: FlexworkModel.platforms, value: { Double($0.platform) }),
    .init(name: "female", value: { $0.female }),
    .init(name: "age", value: { $0.age }),
    .init(name: "educ", value: { $0.educ }),
    .init(name: "married", value: { $0.married }),
    .init(name: "children", value: { $0.children }),
    .init(name: "migrant", value: { $0.migrant }),
    .init(name: "income", value: { $0.income }),
    .init(name: "income_cv", value: { $0.incomeCV }),
    .init(name: "hours", value: { $0.hours }),
    .init(name: "tenure", value: { $0.tenure }),
    .init(name: "burden", value: { $0.burden }),
    .init(name: "pilot", value: { $0.pilot }),
    .init(name: "contract", levels: FlexworkModel.contracts, value: { Double($0.contract) }),
    .init(name: "algo_control", value: { $0.algoControl }),
    .init(name: "copay", value: { $0.copay }),
    .init(name: "multihome", value: { $0.multihome }),
    .init(name: "knowledge", value: { $0.knowledge }),
    .init(name: "know_channel", value: { $0.knowChannel }),
    .init(name: "union", value: { $0.union }),
    .init(name: "discount", value: { $0.discount }),
    .init(name: "present_bias", value: { $0.presentBias }),
    .init(name: "risk_aversion", value: { $0.riskAversion }),
    .init(name: "trust", value: { $0.trust }),
    .init(name: "pension", value: { $0.pension }),
    .init(name: "medical", value: { $0.medical }),
    .init(name: "injury", value: { $0.injury }),
    .init(name: "months_share", value: { $0.monthsShare }),
    .init(name: "willingness", value: { $0.willingness }),
    .init(name: "n_schemes", value: { $0.schemes }),
  ]

  /// Where the design columns (`n_points`, `point_size`, `weight`) go: after `psu`.
  static let designInsertionIndex = 6

  /// An all-false missing mask for every variable.
  static func noMissing(count: Int) -> [String: [Bool]] {
    var m: [String: [Bool]] = [:]
    for v in variables { m[v.name] = Array(repeating: false, count: count) }
    return m
  }

  /// The data frame of `workers` with the design columns and the missing masks applied.
  static func frame(
    workers: [Worker], weights: [Double], fpc: [Double], pointSizes: [Double], missing: [String: [Bool]],
    source: String
  ) -> DataFrame {
    var columns: [Column] = variables.map { v in
      let mask = missing[v.name] ?? Array(repeating: false, count: workers.count)
      if let levels = v.levels {
        let codes = workers.indices.map { mask[$0] ? Int32(-1) : Int32(v.value(workers[$0])) }
        return Column(name: v.name, storage: .factor(FactorColumn(codes: codes, levels: levels)))
      }
      let values = workers.indices.map { mask[$0] ? Double.nan : v.value(workers[$0]) }
      return Column(name: v.name, storage: .numeric(NumericColumn(values: values, missing: mask)))
    }
    columns.insert(
      contentsOf: [
        Column(name: "n_points", storage: .numeric(NumericColumn(values: fpc))),
        Column(name: "point_size", storage: .numeric(NumericColumn(values: pointSizes))),
        Column(name: "weight", storage: .numeric(NumericColumn(values: weights))),
      ], at: designInsertionIndex)
    return DataFrame(columns: columns, source: source)
  }
}
