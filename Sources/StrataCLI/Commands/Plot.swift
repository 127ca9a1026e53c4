import ArgumentParser
import Foundation
import Strata

/// `strata plot coef|margins|predict ...`
struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot",
    abstract: "Coefficient and marginal-effect plots, and predicted-outcome curves, as SVG (or PNG with rsvg-convert).",
    subcommands: [CoefPlotCommand.self, MarginsPlotCommand.self, PredictPlotCommand.self])
}

/// Errors making a plot.
enum PlotError: Error, CustomStringConvertible {
  case noConverter
  case conversionFailed(String)
  case nothingToPlot
  case notNumeric(String)

  var description: String {
    switch self {
    case .noConverter: return "PNG output needs rsvg-convert (Debian: apt-get install librsvg2-bin); write .svg instead"
    case .conversionFailed(let r): return "rsvg-convert failed: \(r)"
    case .nothingToPlot: return "no estimates left to plot (check --keep/--drop)"
    case .notNumeric(let v): return "--x \(v) is not a numeric column of the fit's data"
    }
  }
}

/// `--output`: an `.svg` or `.png` file (standard output: SVG).
struct PlotOutput: ParsableArguments {
  @Option(name: [.short, .long], help: "Write to FILE.svg or FILE.png (PNG needs rsvg-convert); default: SVG on standard output.")
  var output: String?

  func write(_ svg: String) throws {
    guard let output, output.lowercased().hasSuffix(".png") else {
      try writeOutput(Data(svg.utf8), to: output)
      return
    }
    let converter = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert", "/opt/homebrew/bin/rsvg-convert"]
      .first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let converter else { throw PlotError.noConverter }
    // rsvg-convert writes a private temporary file; the PNG then replaces `output` atomically.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("strata-plot-\(UUID().uuidString).png").path
    defer { unlink(scratch) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: converter)
    process.arguments = ["--format", "png", "--output", scratch]
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
    guard let png = FileManager.default.contents(atPath: scratch) else {
      throw PlotError.conversionFailed("rsvg-convert wrote no PNG")
    }
    try OutputFile.write(png, to: output)
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
    commandName: "coef", abstract: "Coefficients with confidence intervals, one row per term, models side by side.")
  @Argument(help: "Saved fits or fit JSON results.") var results: [String]
  @OptionGroup var selection: TermSelection
  @OptionGroup var plotOutput: PlotOutput

  func run() throws {
    let models = try ResultFiles.loadAll(results, names: list(selection.names))
    let plot = IntervalPlot(
      title: selection.title, xLabel: "Estimate and \(levelText(models)) confidence interval",
      series: try intervalSeries(models, selection: selection, dropIntercept: true))
    try plotOutput.write(plot.svg())
  }
}

struct MarginsPlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "margins", abstract: "Marginal effects (strata margins/elasticities --format json) with confidence intervals.")
  @Argument(help: "JSON results of strata margins or strata elasticities.") var results: [String]
  @OptionGroup var selection: TermSelection
  @OptionGroup var plotOutput: PlotOutput

  func run() throws {
    let models = try ResultFiles.loadAll(results, names: list(selection.names))
    let plot = IntervalPlot(
      title: selection.title, xLabel: "Marginal effect and \(levelText(models)) confidence interval",
      series: try intervalSeries(models, selection: selection, dropIntercept: false))
    try plotOutput.write(plot.svg())
  }
}

/// `strata plot predict FIT.json --x VAR [--by G]`: predictions along a grid of one variable,
/// other variables at their means (factors at their most frequent level).
struct PredictPlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Predicted outcomes along one variable with confidence bands (others at their means, factors at their mode).")
  @Argument(help: "A fit saved with strata fit ... --save.") var result: String
  @Option(help: "The numeric variable along the x axis.") var x: String
  @Option(help: "A curve for each group of this column.") var by: String?
  @Option(help: "Points along the grid.") var points: Int = 41
  @Option(help: "Confidence level in percent.") var level: Double = 95
  @Option(help: "A title.") var title: String?
  @Flag(name: .customLong("allow-changed-data"), help: "Go on when the data file changed since the fit was saved (size or hash differ).")
  var allowChangedData = false

  @OptionGroup var plotOutput: PlotOutput

  func validate() throws {
    if points < 2 || points > 1000 { throw ValidationError("--points must be between 2 and 1000") }
    if !(level > 0 && level < 100) { throw ValidationError("--level must be between 0 and 100") }
  }

  func run() throws {
    let saved = try SavedFit.load(from: result)
    let source = try saved.source(allowChangedData: allowChangedData)
    let data = source.model.data
    let rows = source.model.rows
    guard let xColumn = data.columns.first(where: { $0.name == x }), case .numeric(let xs) = xColumn.storage else {
      throw PlotError.notNumeric(x)
    }
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
    let response = saved.report?.dependent ?? ResultFiles.dependent(of: saved.formula) ?? "outcome"
    let plot = CurvePlot(
      title: title, xLabel: saved.report?.labels[x] ?? x,
      yLabel: (saved.link == nil ? "Predicted " : "Predicted probability of ") + response
        + " (\(NumberFormat.significant(level, 4))% band)",
      curves: curves)
    try plotOutput.write(plot.svg())
  }
}
