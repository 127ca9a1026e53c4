import RealModule
import StrataData
import StrataFormula
import StrataLinalg

extension FlexworkModel {
  /// The calibration formula of the shipped population margins
  /// (`datasets/flexwork/population_margins.csv`): the strata (region × city tier, as the
  /// interaction of the two factors, which spans the 12 stratum indicators), sex and platform type.
  ///
  /// R: `model.matrix(~ region * city_tier + female + platform, census)` has 18 columns, from
  /// `(Intercept)` to `regionwest:city_tiertier3`; their sums over the census are the totals that
  /// `calibrate(design, ~ region * city_tier + female + platform, population = ...)` takes.
  public static let calibrationFormula = "~ region * city_tier + female + platform"

  /// The variables whose average marginal effects the notebook reports, in the order of its
  /// `strata margins --margins-variables` list (CODEBOOK §7).
  public static let truthMarginsVariables = [
    "knowledge", "know_channel", "present_bias", "discount", "income_cv", "burden", "contract", "copay",
  ]

  /// The outcomes whose population rates ``FlexworkPopulation/truth()`` reports.
  public static let truthOutcomes = ["pension", "medical", "injury"]
}

/// One population value of the simulated study: a rate or a true average marginal effect.
public struct PopulationValue: Sendable, Equatable {
  /// The row name `strata table` gives the matching estimate: `pension`, `pension [platform = shop]`,
  /// `knowledge`, `contract (wage_employee vs none)`.
  public var term: String
  /// The value over the whole population.
  public var value: Double

  public init(term: String, value: Double) {
    self.term = term
    self.value = value
  }
}

extension FlexworkPopulation {
  /// Population totals of the model-matrix columns of a one-sided formula, named as R's
  /// `model.matrix` names them: the `population` argument of R `calibrate()` and the
  /// `--totals FILE.csv` of `strata ... --calibrate`.
  ///
  ///     let margins = try population.totals(formula: FlexworkModel.calibrationFormula)
  ///     // [("(Intercept)", 200000), ("regioneast", 90000), ...]
  ///
  /// Every variable of the census may be used (`~ platform + age` gives the count of each
  /// non-reference platform and the total of age).
  ///
  /// - Throws: `FormulaError` for an unknown variable or a formula that cannot be built, and
  ///   `SimulationError.marginsFormulaHasResponse` for a two-sided formula.
  /// - Complexity: O(size × columns).
  public func totals(formula: String) throws -> [(term: String, total: Double)] {
    let parsed = try Formula.parse(formula)
    guard parsed.response == nil else { throw SimulationError.marginsFormulaHasResponse(formula: formula) }
    let mm = try ModelMatrix.build(formula: parsed, data: census())
    return mm.columnNames.enumerated().map { j, name in
      (name, mm.x.column(j).reduce(0, +))
    }
  }

  /// The totals of ``totals(formula:)`` as a two-column frame, `term` (a factor whose levels are
  /// the column names in model-matrix order) and `total`, for `CSVWriter`.
  public func totalsFrame(formula: String) throws -> DataFrame {
    let t = try totals(formula: formula)
    return DataFrame(
      columns: [
        Column(name: "term", storage: .factor(FactorColumn(codes: t.indices.map { Int32($0) }, levels: t.map(\.term)))),
        Column(name: "total", storage: .numeric(NumericColumn(values: t.map(\.total)))),
      ], source: "flexwork population totals of \(formula) (population \(size), seed \(seed))")
  }

  /// The population values a sample of this population estimates (CODEBOOK §7):
  ///
  /// - the rates of ``FlexworkModel/truthOutcomes`` over every worker, then within each platform
  ///   type (`pension [platform = delivery]`);
  /// - the average marginal effects of the pension probit at the *true* coefficients
  ///   (``FlexworkModel/pensionCoefficients``), averaged over every worker: `φ(x′β)·β_k` for the
  ///   numeric variables of ``FlexworkModel/truthMarginsVariables`` (a derivative, as `strata
  ///   margins --margins dydx` takes for numeric 0/1 variables too) and, for contract type, the
  ///   average of `Φ(x′β)` at each level minus at `none`. The composite error of the pension
  ///   equation is standard normal given x (CODEBOOK §3.1), so `Φ(x′β)` is each worker's true
  ///   probability and these are the model's own effects.
  ///
  /// - Complexity: O(size × coefficients).
  public func truth() -> [PopulationValue] {
    let M = FlexworkModel.self
    let n = Double(workers.count)
    var values: [PopulationValue] = []
    let outcomes: [(String, (Worker) -> Double)] = [("pension", { $0.pension }), ("medical", { $0.medical }), ("injury", { $0.injury })]
    for (name, value) in outcomes {
      values.append(PopulationValue(term: name, value: workers.reduce(0) { $0 + value($1) } / n))
    }
    for (name, value) in outcomes {
      for (p, platform) in M.platforms.enumerated() {
        var sum = 0.0
        var count = 0.0
        for w in workers where w.platform == p {
          sum += value(w)
          count += 1
        }
        values.append(PopulationValue(term: "\(name) [platform = \(platform)]", value: sum / count))
      }
    }

    let beta = M.pensionCoefficients.map(\.value)
    let column = Dictionary(uniqueKeysWithValues: M.pensionCoefficients.enumerated().map { ($1.term, $0) })
    let contractColumns = (1..<M.contracts.count).map { column["contract" + M.contracts[$0]] ?? 0 }
    var density = 0.0
    var levelProbability = Array(repeating: 0.0, count: M.contracts.count)
    for w in workers {
      let x = M.pensionRegressors(w)
      var index = 0.0
      for (xi, b) in zip(x, beta) { index += xi * b }
      density += Normal.density(index)
      let own = w.contract == 0 ? 0 : beta[contractColumns[w.contract - 1]]
      for k in 0..<M.contracts.count {
        let shift = k == 0 ? 0 : beta[contractColumns[k - 1]]
        levelProbability[k] += Normal.cdf(index - own + shift)
      }
    }
    for variable in M.truthMarginsVariables {
      if variable == "contract" {
        for k in 1..<M.contracts.count {
          values.append(
            PopulationValue(
              term: "contract (\(M.contracts[k]) vs \(M.contracts[0]))",
              value: (levelProbability[k] - levelProbability[0]) / n))
        }
      } else if let j = column[variable] {
        values.append(PopulationValue(term: variable, value: density / n * beta[j]))
      }
    }
    return values
  }

  /// ``truth()`` as a two-column frame, `term` and `value`, for `CSVWriter`; `strata table`
  /// reads such a file as a column of known values.
  public func truthFrame() -> DataFrame {
    let t = truth()
    return DataFrame(
      columns: [
        Column(name: "term", storage: .factor(FactorColumn(codes: t.indices.map { Int32($0) }, levels: t.map(\.term)))),
        Column(name: "value", storage: .numeric(NumericColumn(values: t.map(\.value)))),
      ], source: "flexwork population values (population \(size), seed \(seed))")
  }
}
