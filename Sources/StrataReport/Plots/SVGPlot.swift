import Foundation

/// Shared pieces of the SVG plots: scales, ticks, text and the document frame.
enum SVG {
  /// Fonts that carry Chinese, Japanese and Korean as well as Latin text.
  static let fontFamily =
    "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Zen Hei','Microsoft YaHei','PingFang SC',Arial,sans-serif"
  static let palette = ["#1f4e9a", "#b03a2e", "#1e8449", "#7d3c98", "#b9770e", "#2e4053"]

  /// A coordinate with two decimals (stable text for golden files).
  static func n(_ x: Double) -> String {
    let s = String(format: "%.2f", x)
    return s == "-0.00" ? "0.00" : s
  }

  /// About `count` round tick values (steps of 1, 2 or 5 × 10^k) covering `low...high`.
  static func ticks(_ low: Double, _ high: Double, count: Int = 5) -> (values: [Double], decimals: Int) {
    var (lo, hi) = (low, high)
    if !(hi > lo) {
      lo -= 1
      hi += 1
    }
    let raw = (hi - lo) / Double(max(1, count))
    let power = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
    let first = (lo / step).rounded(.down)
    let last = (hi / step).rounded(.up)
    let values = stride(from: first, through: last, by: 1).map { $0 * step }
    return (values, max(0, Int(-floor(log10(step) + 1e-9))))
  }

  /// Text width in pixels at `size`, from the display width (East Asian characters are wide).
  static func textWidth(_ s: String, size: Double) -> Double { Double(displayWidth(s)) * size * 0.6 }

  static func text(
    _ s: String, x: Double, y: Double, className: String, anchor: String = "start", size: Double = 12,
    extra: String = ""
  ) -> String {
    "<text class=\"\(className)\" x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\" font-size=\"\(n(size))\"\(extra)>"
      + ModelTable.htmlEscape(s) + "</text>\n"
  }

  static func document(width: Double, height: Double, title: String?, body: String) -> String {
    var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(n(width))\" height=\"\(n(height))\""
    out += " viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"\(fontFamily)\">\n"
    if let title { out += "<title>" + ModelTable.htmlEscape(title) + "</title>\n" }
    out += "<rect class=\"background\" x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"#ffffff\"/>\n"
    if let title { out += text(title, x: width / 2, y: 22, className: "title", anchor: "middle", size: 15, extra: " font-weight=\"bold\"") }
    return out + body + "</svg>\n"
  }

  /// A legend of series names, each with its colour, from the top-left corner `x`, `y`.
  static func legend(_ names: [String], x: Double, y: Double) -> String {
    var out = "<g class=\"legend\">\n"
    var cx = x
    for (i, name) in names.enumerated() {
      let colour = palette[i % palette.count]
      out += "<circle class=\"legend-mark\" cx=\"\(n(cx + 5))\" cy=\"\(n(y))\" r=\"4\" fill=\"\(colour)\"/>\n"
      out += text(name, x: cx + 14, y: y + 4, className: "legend-label")
      cx += 30 + textWidth(name, size: 12)
    }
    return out + "</g>\n"
  }
}

/// A dot-and-whisker plot: one mark and one interval per term and model (coefficients,
/// marginal effects), drawn as a self-contained SVG.
///
/// ```swift
/// let plot = IntervalPlot(series: [.init(name: "OLS", points: [.init(label: "educ", estimate: 0.08, low: 0.06, high: 0.10)])])
/// let svg = plot.svg()
/// ```
public struct IntervalPlot: Sendable {
  /// One estimate with its interval.
  public struct Point: Sendable {
    public var label: String
    public var estimate: Double
    public var low: Double
    public var high: Double
    public init(label: String, estimate: Double, low: Double, high: Double) {
      self.label = label
      self.estimate = estimate
      self.low = low
      self.high = high
    }
  }

  /// One model's estimates, drawn in one colour.
  public struct Series: Sendable {
    public var name: String
    public var points: [Point]
    public init(name: String, points: [Point]) {
      self.name = name
      self.points = points
    }
  }

  public var title: String?
  public var xLabel: String
  public var series: [Series]

  public init(title: String? = nil, xLabel: String = "Estimate and 95% confidence interval", series: [Series]) {
    self.title = title
    self.xLabel = xLabel
    self.series = series
  }

  /// The plot as an SVG document: terms top to bottom, a reference line at zero, x-axis ticks
  /// and labels beneath, and a legend when there is more than one model.
  public func svg() -> String {
    var labels: [String] = []
    for s in series { for p in s.points where !labels.contains(p.label) { labels.append(p.label) } }
    let values = series.flatMap { $0.points.flatMap { [$0.low, $0.high, $0.estimate] } }.filter(\.isFinite)
    let (tickValues, decimals) = SVG.ticks(min(values.min() ?? -1, 0), max(values.max() ?? 1, 0))
    let lo = tickValues.first ?? -1
    let hi = tickValues.last ?? 1
    let rowHeight = 26.0 + 6 * Double(max(0, series.count - 1))
    let left = 20 + (labels.map { SVG.textWidth($0, size: 12) }.max() ?? 40)
    let plotWidth = 460.0
    let top = (title == nil ? 16.0 : 40.0) + (series.count > 1 ? 22 : 0)
    let plotHeight = rowHeight * Double(max(1, labels.count))
    let width = left + plotWidth + 30
    let height = top + plotHeight + 60
    func x(_ v: Double) -> Double { left + (v - lo) / (hi - lo) * plotWidth }

    var body = ""
    if series.count > 1 { body += SVG.legend(series.map(\.name), x: left, y: top - 14) }
    body += "<rect class=\"frame\" x=\"\(SVG.n(left))\" y=\"\(SVG.n(top))\" width=\"\(SVG.n(plotWidth))\" height=\"\(SVG.n(plotHeight))\" fill=\"none\" stroke=\"#888888\"/>\n"
    body += "<g class=\"x-axis\">\n"
    for t in tickValues {
      body += "<line class=\"grid\" x1=\"\(SVG.n(x(t)))\" y1=\"\(SVG.n(top))\" x2=\"\(SVG.n(x(t)))\" y2=\"\(SVG.n(top + plotHeight))\" stroke=\"#e5e5e5\"/>\n"
      body += "<line class=\"tick\" x1=\"\(SVG.n(x(t)))\" y1=\"\(SVG.n(top + plotHeight))\" x2=\"\(SVG.n(x(t)))\" y2=\"\(SVG.n(top + plotHeight + 5))\" stroke=\"#333333\"/>\n"
      body += SVG.text(String(format: "%.\(decimals)f", t == 0 ? 0 : t), x: x(t), y: top + plotHeight + 18, className: "tick-label", anchor: "middle")
    }
    body += SVG.text(xLabel, x: left + plotWidth / 2, y: top + plotHeight + 40, className: "axis-label", anchor: "middle")
    body += "</g>\n"
    body += "<line class=\"zero\" x1=\"\(SVG.n(x(0)))\" y1=\"\(SVG.n(top))\" x2=\"\(SVG.n(x(0)))\" y2=\"\(SVG.n(top + plotHeight))\" stroke=\"#555555\" stroke-dasharray=\"4 3\"/>\n"
    body += "<g class=\"y-axis\">\n"
    for (i, label) in labels.enumerated() {
      body += SVG.text(label, x: left - 8, y: top + rowHeight * (Double(i) + 0.5) + 4, className: "term-label", anchor: "end")
    }
    body += "</g>\n"
    for (k, s) in series.enumerated() {
      let colour = SVG.palette[k % SVG.palette.count]
      let offset = series.count > 1 ? (Double(k) - Double(series.count - 1) / 2) * 8 : 0
      body += "<g class=\"series\" fill=\"\(colour)\" stroke=\"\(colour)\">\n"
      for p in s.points {
        guard let i = labels.firstIndex(of: p.label), p.estimate.isFinite else { continue }
        let y = top + rowHeight * (Double(i) + 0.5) + offset
        if p.low.isFinite, p.high.isFinite {
          body += "<line class=\"interval\" x1=\"\(SVG.n(x(p.low)))\" y1=\"\(SVG.n(y))\" x2=\"\(SVG.n(x(p.high)))\" y2=\"\(SVG.n(y))\" stroke-width=\"2\"/>\n"
        }
        body += "<circle class=\"mark\" cx=\"\(SVG.n(x(p.estimate)))\" cy=\"\(SVG.n(y))\" r=\"4\"/>\n"
      }
      body += "</g>\n"
    }
    return SVG.document(width: width, height: height, title: title, body: body)
  }
}

/// Predicted outcomes against one variable: a line and a shaded confidence band per group.
public struct CurvePlot: Sendable {
  /// One group's predictions along the grid.
  public struct Curve: Sendable {
    public var name: String
    public var x: [Double]
    public var estimate: [Double]
    public var low: [Double]
    public var high: [Double]
    public init(name: String, x: [Double], estimate: [Double], low: [Double], high: [Double]) {
      self.name = name
      self.x = x
      self.estimate = estimate
      self.low = low
      self.high = high
    }
  }

  public var title: String?
  public var xLabel: String
  public var yLabel: String
  public var curves: [Curve]

  public init(title: String? = nil, xLabel: String, yLabel: String, curves: [Curve]) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.curves = curves
  }

  /// The plot as an SVG document with ticks and labels on both axes.
  public func svg() -> String {
    let xs = curves.flatMap(\.x).filter(\.isFinite)
    let ys = curves.flatMap { $0.low + $0.high + $0.estimate }.filter(\.isFinite)
    let (xTicks, xDecimals) = SVG.ticks(xs.min() ?? 0, xs.max() ?? 1)
    let (yTicks, yDecimals) = SVG.ticks(ys.min() ?? 0, ys.max() ?? 1)
    let (x0, x1) = (xTicks.first ?? 0, xTicks.last ?? 1)
    let (y0, y1) = (yTicks.first ?? 0, yTicks.last ?? 1)
    let left = 70.0
    let top = (title == nil ? 16.0 : 40.0) + (curves.count > 1 ? 22 : 0)
    let (plotWidth, plotHeight) = (460.0, 300.0)
    func px(_ v: Double) -> Double { left + (v - x0) / (x1 - x0) * plotWidth }
    func py(_ v: Double) -> Double { top + plotHeight - (v - y0) / (y1 - y0) * plotHeight }
    var body = ""
    if curves.count > 1 { body += SVG.legend(curves.map(\.name), x: left, y: top - 14) }
    body += "<rect class=\"frame\" x=\"\(SVG.n(left))\" y=\"\(SVG.n(top))\" width=\"\(SVG.n(plotWidth))\" height=\"\(SVG.n(plotHeight))\" fill=\"none\" stroke=\"#888888\"/>\n"
    body += "<g class=\"x-axis\">\n"
    for t in xTicks {
      body += "<line class=\"tick\" x1=\"\(SVG.n(px(t)))\" y1=\"\(SVG.n(top + plotHeight))\" x2=\"\(SVG.n(px(t)))\" y2=\"\(SVG.n(top + plotHeight + 5))\" stroke=\"#333333\"/>\n"
      body += SVG.text(String(format: "%.\(xDecimals)f", t == 0 ? 0 : t), x: px(t), y: top + plotHeight + 18, className: "tick-label", anchor: "middle")
    }
    body += SVG.text(xLabel, x: left + plotWidth / 2, y: top + plotHeight + 40, className: "axis-label", anchor: "middle")
    body += "</g>\n<g class=\"y-axis\">\n"
    for t in yTicks {
      body += "<line class=\"tick\" x1=\"\(SVG.n(left - 5))\" y1=\"\(SVG.n(py(t)))\" x2=\"\(SVG.n(left))\" y2=\"\(SVG.n(py(t)))\" stroke=\"#333333\"/>\n"
      body += SVG.text(String(format: "%.\(yDecimals)f", t == 0 ? 0 : t), x: left - 8, y: py(t) + 4, className: "tick-label", anchor: "end")
    }
    let yMid = top + plotHeight / 2
    body += SVG.text(yLabel, x: 16, y: yMid, className: "axis-label", anchor: "middle", extra: " transform=\"rotate(-90 16 \(SVG.n(yMid)))\"")
    body += "</g>\n"
    for (k, c) in curves.enumerated() {
      let colour = SVG.palette[k % SVG.palette.count]
      let upper = zip(c.x, c.high).map { "\(SVG.n(px($0))),\(SVG.n(py($1)))" }
      let lower = zip(c.x, c.low).reversed().map { "\(SVG.n(px($0))),\(SVG.n(py($1)))" }
      body += "<g class=\"series\">\n"
      if !upper.isEmpty {
        body += "<path class=\"band\" d=\"M" + (upper + lower).joined(separator: " L") + " Z\" fill=\"\(colour)\" fill-opacity=\"0.18\" stroke=\"none\"/>\n"
      }
      let line = zip(c.x, c.estimate).map { "\(SVG.n(px($0))),\(SVG.n(py($1)))" }
      if !line.isEmpty {
        body += "<path class=\"curve\" d=\"M" + line.joined(separator: " L") + "\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
      }
      body += "</g>\n"
    }
    return SVG.document(width: left + plotWidth + 30, height: top + plotHeight + 60, title: title, body: body)
  }
}
