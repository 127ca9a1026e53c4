import ArgumentParser
import Foundation
import Strata

/// `strata plot coef|margins|predict ...`
struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot",
    abstract: "Coefficient and marginal-effect plots, and predicted-outcome curves, as SVG, PNG or PDF.",
    discussion: HelpExamples.plot,
    subcommands: [CoefPlotCommand.self, MarginsPlotCommand.self, PredictPlotCommand.self])
}

/// Errors making a plot.
enum PlotError: Error, CustomStringConvertible {
  case noConverter(String)
  case conversionFailed(String)
  case nothingToPlot
  case notNumeric(String)
  case tooManyCategories(String, Int)

  var description: String {
    switch self {
    case .noConverter(let format):
      return "\(format) output needs rsvg-convert (Debian: apt-get install librsvg2-bin; macOS: brew install librsvg); write .svg instead"
    case .conversionFailed(let r): return "rsvg-convert failed: \(r)"
    case .nothingToPlot: return "no estimates left to plot (check --keep/--drop)"
    case .notNumeric(let v): return "--x \(v) is not a column of the fit's data"
    case .tooManyCategories(let v, let n):
      return "--x \(v) is categorical with \(n) levels in the sample; at most 50 can be drawn as points"
    }
  }
}

/// `--output`: an `.svg`, `.png` or `.pdf` file (standard output: SVG).
struct PlotOutput: ParsableArguments {
  @Option(
    name: [.short, .long],
    help: "Write to FILE.svg, FILE.png or FILE.pdf (PNG and PDF through rsvg-convert, from librsvg); default: SVG on standard output.")
  var output: String?

  func write(_ svg: String) throws {
    let lower = output?.lowercased() ?? ""
    let format = lower.hasSuffix(".png") ? "png" : lower.hasSuffix(".pdf") ? "pdf" : nil
    guard let output, let format else {
      try writeOutput(Data(svg.utf8), to: output)
      return
    }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let candidates = path.split(separator: ":").map { "\($0)/rsvg-convert" }
      + ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert", "/opt/homebrew/bin/rsvg-convert"]
    let converter = candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let converter else { throw PlotError.noConverter(format.uppercased()) }
    // rsvg-convert writes a private temporary file; the result then replaces `output` atomically.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("strata-plot-\(UUID().uuidString).\(format)").path
    defer { unlink(scratch) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: converter)
    process.arguments = ["--format", format, "--output", scratch]
    let input = Pipe()
    let errors = Pipe()
    process.standardInput = input
    process.standardError = errors
    try process.run()
    input.fileHandleForWriting.write(Data(svg.utf8))
    try input.fileHandleForWriting.close()
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus != 0 { throw PlotError.conversionFailed(String(decoding: message, as: UTF8.self)) }
    guard let bytes = FileManager.default.contents(atPath: scratch) else {
      throw PlotError.conversionFailed("rsvg-convert wrote no \(format.uppercased())")
    }
    try OutputFile.write(bytes, to: output)
  }
}

/// What `--facet` splits into panels.
enum FacetOption: String, ExpressibleByArgument, CaseIterable {
  /// One panel per model (coef, margins).
  case model
  /// One panel per `--by` group (predict).
  case group
}

/// Axis limits, canvas size and facets, shared by the plot kinds.
struct PlotLayout: ParsableArguments {
  @Option(help: ArgumentHelp("x-axis limits, 'low,high' (what falls outside is clipped); with a negative low write --xlim=-1,1.", valueName: "low,high"))
  var xlim: String?

  @Option(help: ArgumentHelp("y-axis limits, 'low,high' (plot predict).", valueName: "low,high"))
  var ylim: String?

  @Option(help: "Canvas width in pixels (default 560, wider with facets).")
  var width: Double?

  @Option(help: "Canvas height in pixels (default: from the number of terms or panels).")
  var height: Double?

  @Option(help: "One panel per model (coef, margins: each on its own x axis) or per --by group (predict).")
  var facet: FacetOption?

  static func limits(_ text: String?, flag: String) throws -> ClosedRange<Double>? {
    guard let text else { return nil }
    let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let a = parts[0], let b = parts[1], a.isFinite, b.isFinite, a < b else {
      throw ValidationError("--\(flag) takes two numbers 'low,high' with low < high, not '\(text)'")
    }
    return a...b
  }

  var xLimits: ClosedRange<Double>? { get throws { try Self.limits(xlim, flag: "xlim") } }
  var yLimits: ClosedRange<Double>? { get throws { try Self.limits(ylim, flag: "ylim") } }

  func validate() throws {
    _ = try xLimits
    _ = try yLimits
    for (name, v) in [("width", width), ("height", height)] {
      if let v, !(v >= 100 && v <= 10000) { throw ValidationError("--\(name) must be between 100 and 10000 pixels") }
    }
  }

  /// Checks the options a dot-and-whisker plot takes.
  func intervalOptions() throws {
    if ylim != nil { throw ValidationError("--ylim applies to plot predict; the terms are on the y axis here (use --xlim)") }
    if facet == .group { throw ValidationError("--facet group applies to plot predict; use --facet model here") }
  }
}

/// Dot-and-whisker series from models, after the table's term selection and labels.
func intervalSeries(_ models: [ModelSummary], selection: TermSelection, dropIntercept: Bool) throws -> [IntervalPlot.Series] {
  var drop = list(selection.drop)
  if dropIntercept && selection.keep == nil { drop.append("(Intercept)") }
  let table = ModelTable(
    models: models,
    options: ModelTableOptions(
      keep: selection.keep.map { list($0) }, drop: drop, order: list(selection.order), labels: try selection.labelMap()))
  let series = models.map { m in
    IntervalPlot.Series(
      name: m.name,
      points: table.terms.compactMap { t in
        guard let e = m.estimates.first(where: { $0.term == t.term }), let b = e.estimate else { return nil }
        return IntervalPlot.Point(label: t.label, estimate: b, low: e.confLow ?? .nan, high: e.confHigh ?? .nan)
      })
  }
  if series.allSatisfy({ $0.points.isEmpty }) { throw PlotError.nothingToPlot }
  return series
}

func levelText(_ models: [ModelSummary]) -> String {
  let levels = Set(models.map(\.level))
  return levels.count == 1 ? NumberFormat.significant(levels.first ?? 95, 4) + "%" : "confidence"
}

struct CoefPlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coef", abstract: "Coefficients with confidence intervals, one row per term, models side by side (or one panel each).",
    discussion: HelpExamples.plotCoef)
  @Argument(help: "Saved fits or fit JSON results.") var results: [String]
  @OptionGroup var selection: TermSelection
  @OptionGroup var layout: PlotLayout
  @OptionGroup var plotOutput: PlotOutput

  func validate() throws { try layout.intervalOptions() }

  func run() throws {
    let models = try ResultFiles.loadAll(results, names: list(selection.names))
    let plot = IntervalPlot(
      title: selection.title, xLabel: "Estimate and \(levelText(models)) confidence interval",
      series: try intervalSeries(models, selection: selection, dropIntercept: true), xLimits: try layout.xLimits,
      width: layout.width, height: layout.height, facet: layout.facet == .model)
    try plotOutput.write(plot.svg())
  }
}

struct MarginsPlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "margins", abstract: "Marginal effects (strata margins/elasticities --format json) with confidence intervals.",
    discussion: HelpExamples.plotMargins)
  @Argument(help: "JSON results of strata margins or strata elasticities.") var results: [String]
  @OptionGroup var selection: TermSelection
  @OptionGroup var layout: PlotLayout
  @OptionGroup var plotOutput: PlotOutput

  func validate() throws { try layout.intervalOptions() }

  func run() throws {
    let models = try ResultFiles.loadAll(results, names: list(selection.names))
    let plot = IntervalPlot(
      title: selection.title, xLabel: "Marginal effect and \(levelText(models)) confidence interval",
      series: try intervalSeries(models, selection: selection, dropIntercept: false), xLimits: try layout.xLimits,
      width: layout.width, height: layout.height, facet: layout.facet == .model)
    try plotOutput.write(plot.svg())
  }
}

/// `strata plot predict FIT.json --x VAR [--by G]`: predictions along a grid of one variable,
/// other variables at their means (factors at their most frequent level); a 0/1 or factor `--x`
/// draws predictive margins per level as points with intervals.
struct PredictPlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Predicted outcomes along one variable with confidence bands (others at their means, factors at their mode).",
    discussion: """
      A numeric --x draws a curve and a band per --by group, the other variables at their means
      (factors at their most frequent level). A 0/1 or factor --x draws predictive margins instead
      (Stata's margins agecat + marginsplot): for each level, the average prediction over the
      estimation sample with --x (and --by) set to that level, as a point with its interval.
      Predicted probabilities and their bands are cut to [0, 1].

      Examples:
        strata plot predict logit.json --x educ --by kidslt6 --facet group -o educ.png
        strata plot predict logit.json --x agecat --ylim 0,1 --title 'Participation by age' -o age.pdf
      """)
  @Argument(help: "A fit saved with strata fit ... --save.") var result: String
  @Option(help: "The variable along the x axis (numeric: a curve; 0/1 or factor: points per level).") var x: String
  @Option(help: "A curve (or a set of points) for each group of this column.") var by: String?
  @Option(help: "Points along the grid.") var points: Int = 41
  @Option(help: "Confidence level in percent.") var level: Double = 95
  @Option(help: "A title.") var title: String?
  @Flag(name: .customLong("allow-changed-data"), help: "Go on when the data file changed since the fit was saved (size or hash differ).")
  var allowChangedData = false

  @OptionGroup var layout: PlotLayout
  @OptionGroup var plotOutput: PlotOutput

  func validate() throws {
    if points < 2 || points > 1000 { throw ValidationError("--points must be between 2 and 1000") }
    if !(level > 0 && level < 100) { throw ValidationError("--level must be between 0 and 100") }
    if layout.facet == .model { throw ValidationError("--facet model applies to plot coef and plot margins; use --facet group here") }
    if layout.facet == .group && by == nil { throw ValidationError("--facet group needs --by") }
  }

  /// A column name as a scenario writes it.
  private func quoted(_ name: String) -> String {
    let plain = name.first.map { $0.isLetter || $0 == "_" } == true && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
    return plain ? name : "`\(name)`"
  }

  /// The levels of a discrete column in the sample: (label, scenario value), or nil when `column` is
  /// numeric with values other than 0 and 1.
  private func discreteLevels(_ c: Column, rows: [Int]) -> [(label: String, value: String)]? {
    switch c.storage {
    case .factor(let f):
      let present = Set(rows.map { f.codes[$0] }.filter { $0 >= 0 })
      return f.levels.indices.filter { present.contains(Int32($0)) }.map { (f.levels[$0], f.levels[$0]) }
    case .numeric(let v):
      let values = Set(rows.compactMap { v.missing[$0] ? nil : v.values[$0] })
      guard !values.isEmpty, values.isSubset(of: [0, 1]) else { return nil }
      return values.sorted().map { (c.valueLabels[$0] ?? NumberFormat.significant($0, 6), $0 == 0 ? "0" : "1") }
    }
  }

  func run() throws {
    let saved = try SavedFit.load(from: result)
    let source = try saved.source(allowChangedData: allowChangedData)
    let data = source.model.data
    let rows = source.model.rows
    guard let xColumn = data.columns.first(where: { $0.name == x }) else { throw PlotError.notNumeric(x) }
    let response = saved.report?.dependent ?? ResultFiles.dependent(of: saved.formula) ?? "outcome"
    let probability = saved.link != nil && ["logit", "probit", "cloglog", "fraclogit", "fracprobit"].contains(saved.model)
    let levelText = NumberFormat.significant(level, 4)
    let xLabel = saved.report?.labels[x] ?? x
    if let levels = discreteLevels(xColumn, rows: rows) {
      if levels.count > 50 { throw PlotError.tooManyCategories(x, levels.count) }
      let curves = try predictiveMargins(source: source, data: data, rows: rows, levels: levels)
      let plot = CurvePlot(
        title: title, xLabel: xLabel,
        yLabel: (probability ? "Predictive margin, Pr(" + response + ")" : "Predictive margin of " + response)
          + " (\(levelText)% CI)",
        curves: curves, yLimits: try layout.yLimits, width: layout.width, height: layout.height,
        bounds: probability ? 0...1 : nil, categories: levels.map(\.label), facet: layout.facet == .group)
      return try plotOutput.write(plot.svg())
    }
    guard case .numeric(let xs) = xColumn.storage else { throw PlotError.notNumeric(x) }
    let xValues = rows.compactMap { xs.missing[$0] ? nil : xs.values[$0] }
    let (lo, hi) = (xValues.min() ?? 0, xValues.max() ?? 1)
    let grid = (0..<points).map { lo + (hi - lo) * Double($0) / Double(points - 1) }
    // Groups: factor levels present in the sample, or the distinct values of a numeric column.
    var groups: [(label: String, set: (inout Column, Int) -> Void)] = [("", { _, _ in })]
    if let by {
      let c = try data.column(named: by)
      switch c.storage {
      case .factor(let f):
        let present = Set(rows.map { f.codes[$0] }.filter { $0 >= 0 })
        groups = f.levels.indices.filter { present.contains(Int32($0)) }.map { code in
          (f.levels[code], { column, n in column.storage = .factor(FactorColumn(codes: Array(repeating: Int32(code), count: n), levels: f.levels)) })
        }
      case .numeric(let v):
        let values = Set(rows.compactMap { v.missing[$0] ? nil : v.values[$0] }).sorted()
        groups = values.prefix(12).map { value in
          (c.valueLabels[value] ?? NumberFormat.significant(value, 6),
           { column, n in column.storage = .numeric(NumericColumn(values: Array(repeating: value, count: n))) })
        }
      }
    }
    let needed = Set(saved.recipe.variables.map(\.name))
    var curves: [CurvePlot.Curve] = []
    for group in groups {
      var columns: [Column] = []
      for c in data.columns where needed.contains(c.name) {
        var column = c
        column.strayText = nil
        switch c.storage {
        case .numeric(let v):
          let present = rows.filter { !v.missing[$0] }.map { v.values[$0] }
          let mean = present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
          column.storage = .numeric(NumericColumn(values: c.name == x ? grid : Array(repeating: mean, count: points)))
        case .factor(let f):
          var counts = [Int](repeating: 0, count: f.levels.count)
          for r in rows where f.codes[r] >= 0 { counts[Int(f.codes[r])] += 1 }
          let mode = counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) } ?? 0
          column.storage = .factor(FactorColumn(codes: Array(repeating: Int32(mode), count: points), levels: f.levels))
        }
        if c.name == by { group.set(&column, points) }
        columns.append(column)
      }
      let p = try Scenarios.predictions(
        recipe: saved.recipe, newdata: DataFrame(columns: columns), coefficients: saved.coefficients, kept: saved.kept,
        link: saved.link, covariance: saved.covarianceMatrix, degreesOfFreedom: saved.degreesOfFreedom, level: level)
      curves.append(
        CurvePlot.Curve(
          name: by.map { "\($0) = \(group.label)" } ?? "", x: grid, estimate: p.map(\.result.estimate),
          low: p.map(\.result.confLow), high: p.map(\.result.confHigh)))
    }
    let plot = CurvePlot(
      title: title, xLabel: xLabel,
      yLabel: (saved.link == nil ? "Predicted " : "Predicted probability of ") + response + " (\(levelText)% band)",
      curves: curves, xLimits: try layout.xLimits, yLimits: try layout.yLimits, width: layout.width,
      height: layout.height, bounds: probability ? 0...1 : nil, facet: layout.facet == .group)
    try plotOutput.write(plot.svg())
  }

  /// Predictive margins of each level of `x` (within each `--by` group, which is set likewise):
  /// the average prediction over the estimation sample with the columns set, and its delta-method
  /// interval with covariates held fixed, one curve per group with `x` the level's index.
  private func predictiveMargins(
    source: MarginsSource, data: DataFrame, rows: [Int], levels: [(label: String, value: String)]
  ) throws -> [CurvePlot.Curve] {
    func literal(_ c: Column, _ value: String) throws -> String {
      if case .numeric = c.storage { return value }
      if value.contains("\"") || value.contains("\\") {
        throw ValidationError("level '\(value)' of \(c.name) contains a quote or backslash; plot it with a numeric code instead")
      }
      return "\"" + value + "\""
    }
    let xColumn = try data.column(named: x)
    var groups: [(name: String, assignment: String)] = [("", "")]
    if let by {
      let c = try data.column(named: by)
      guard let byLevels = discreteLevels(c, rows: rows) ?? numericGroups(c, rows: rows) else { throw PlotError.notNumeric(by) }
      groups = try byLevels.prefix(12).map { ("\(by) = \($0.label)", "; \(quoted(by)) = " + (try literal(c, $0.value))) }
    }
    var scenarios: [Scenario] = []
    for g in groups {
      for l in levels { scenarios.append(try Scenario.parse("\(quoted(x)) = \(try literal(xColumn, l.value))" + g.assignment)) }
    }
    let result = try Scenarios.compare(
      source.model, scenarios: scenarios, variance: try source.deltaMethod(.fixed),
      degreesOfFreedom: source.degreesOfFreedom, varianceTitle: source.varianceTitle, level: level)
    return groups.enumerated().map { k, g in
      let slice = result.comparisons[(k * levels.count)..<((k + 1) * levels.count)].map(\.predicted)
      return CurvePlot.Curve(
        name: g.name, x: levels.indices.map(Double.init), estimate: slice.map(\.estimate), low: slice.map(\.confLow),
        high: slice.map(\.confHigh))
    }
  }

  /// The distinct values of a numeric grouping column (at most 12), as scenario values.
  private func numericGroups(_ c: Column, rows: [Int]) -> [(label: String, value: String)]? {
    guard case .numeric(let v) = c.storage else { return nil }
    return Set(rows.compactMap { v.missing[$0] ? nil : v.values[$0] }).sorted().prefix(12).map {
      (c.valueLabels[$0] ?? NumberFormat.significant($0, 6), "\($0)")
    }
  }
}
