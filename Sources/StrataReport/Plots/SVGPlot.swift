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

  /// The legend's rows: names in order, a new row when the next entry would pass `maxWidth`.
  static func legendRows(_ names: [String], maxWidth: Double) -> [[Int]] {
    var rows: [[Int]] = [[]]
    var used = 0.0
    for (i, name) in names.enumerated() {
      let w = 30 + textWidth(name, size: 12)
      if !rows[rows.count - 1].isEmpty && used + w - 16 > maxWidth {
        rows.append([])
        used = 0
      }
      rows[rows.count - 1].append(i)
      used += w
    }
    return rows
  }

  /// Vertical space a legend takes above the plot: 22 px for one row, 18 more for each further row.
  static func legendHeight(_ names: [String], maxWidth: Double) -> Double {
    names.count > 1 ? 22 + 18 * Double(legendRows(names, maxWidth: maxWidth).count - 1) : 0
  }

  /// `s` cut to fit `width` pixels at `size`, ending in "…" when cut.
  static func abbreviate(_ s: String, width: Double, size: Double = 12) -> String {
    if textWidth(s, size: size) <= width { return s }
    var out = ""
    for ch in s {
      if textWidth(out + String(ch) + "…", size: size) > width { break }
      out.append(ch)
    }
    return out + "…"
  }

  /// A legend of series names, each with its colour, from the top-left corner `x`, `y`; entries
  /// wrap onto further rows (18 px apart) so that none passes `maxWidth` from `x`.
  static func legend(_ names: [String], x: Double, y: Double, maxWidth: Double = .infinity) -> String {
    var out = "<g class=\"legend\">\n"
    for (r, row) in legendRows(names, maxWidth: maxWidth).enumerated() {
      var cx = x
      let cy = y + 18 * Double(r)
      for i in row {
        let colour = palette[i % palette.count]
        let name = abbreviate(names[i], width: maxWidth - 14)
        out += "<circle class=\"legend-mark\" cx=\"\(n(cx + 5))\" cy=\"\(n(cy))\" r=\"4\" fill=\"\(colour)\"/>\n"
        out += text(name, x: cx + 14, y: cy + 4, className: "legend-label")
        cx += 30 + textWidth(name, size: 12)
      }
    }
    return out + "</g>\n"
  }

  /// An axis scale: explicit limits (ticks inside them) or round ticks covering the data.
  static func scale(_ values: [Double], limits: ClosedRange<Double>?, including: [Double] = [])
    -> (low: Double, high: Double, ticks: [Double], decimals: Int)
  {
    if let limits, limits.upperBound > limits.lowerBound {
      let t = ticks(limits.lowerBound, limits.upperBound)
      let inside = t.values.filter { $0 >= limits.lowerBound - 1e-12 && $0 <= limits.upperBound + 1e-12 }
      return (limits.lowerBound, limits.upperBound, inside, t.decimals)
    }
    let all = (values + including).filter(\.isFinite)
    let t = ticks(all.min() ?? 0, all.max() ?? 1)
    return (t.values.first ?? 0, t.values.last ?? 1, t.values, t.decimals)
  }

  /// A clip path named `id` for the rectangle, applied to series through `clip-path="url(#id)"`.
  static func clipPath(_ id: String, x: Double, y: Double, width: Double, height: Double) -> String {
    "<clipPath id=\"\(id)\"><rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(width))\" height=\"\(n(height))\"/></clipPath>\n"
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
  /// Fixed x-axis limits (marks and intervals outside are clipped); nil: from the estimates and zero.
  public var xLimits: ClosedRange<Double>?
  /// Canvas width and height in pixels; nil: from the number of terms (460-px plot area).
  public var width: Double?
  public var height: Double?
  /// One panel per series, each with its own x axis (models on different scales).
  public var facet: Bool

  public init(
    title: String? = nil, xLabel: String = "Estimate and 95% confidence interval", series: [Series],
    xLimits: ClosedRange<Double>? = nil, width: Double? = nil, height: Double? = nil, facet: Bool = false
  ) {
    self.title = title
    self.xLabel = xLabel
    self.series = series
    self.xLimits = xLimits
    self.width = width
    self.height = height
    self.facet = facet
  }

  /// The plot as an SVG document: terms top to bottom, a reference line at zero, x-axis ticks
  /// and labels beneath, and a legend when there is more than one model (or, faceted, one panel
  /// per model titled by its name).
  public func svg() -> String {
    var labels: [String] = []
    for s in series { for p in s.points where !labels.contains(p.label) { labels.append(p.label) } }
    let panels: [[Int]] = facet ? series.indices.map { [$0] } : [Array(series.indices)]
    let dodged = facet ? 1 : series.count
    let left = 20 + (labels.map { SVG.textWidth($0, size: 12) }.max() ?? 40)
    let gap = 40.0
    let panelWidth: Double
    if let width {
      panelWidth = max(60, (width - left - 30 - gap * Double(panels.count - 1)) / Double(panels.count))
    } else {
      panelWidth = panels.count == 1 ? 460 : 260
    }
    let canvasWidth = width ?? (left + panelWidth * Double(panels.count) + gap * Double(panels.count - 1) + 30)
    let names = series.map(\.name)
    let legend = !facet && series.count > 1
    let top = (title == nil ? 16.0 : 40.0) + (legend ? SVG.legendHeight(names, maxWidth: canvasWidth - left - 10) : 0)
      + (facet ? 20 : 0)
    var rowHeight = 26.0 + 6 * Double(max(0, dodged - 1))
    if let height { rowHeight = max(8, (height - top - 60) / Double(max(1, labels.count))) }
    let plotHeight = rowHeight * Double(max(1, labels.count))
    let canvasHeight = height ?? (top + plotHeight + 60)

    var body = ""
    if legend { body += SVG.legend(names, x: left, y: (title == nil ? 16.0 : 40.0) + 8, maxWidth: canvasWidth - left - 10) }
    body += "<g class=\"y-axis\">\n"
    for (i, label) in labels.enumerated() {
      body += SVG.text(label, x: left - 8, y: top + rowHeight * (Double(i) + 0.5) + 4, className: "term-label", anchor: "end")
    }
    body += "</g>\n"
    for (p, members) in panels.enumerated() {
      let pl = left + Double(p) * (panelWidth + gap)
      let values = members.flatMap { series[$0].points.flatMap { [$0.low, $0.high, $0.estimate] } }
      let axis = SVG.scale(values, limits: xLimits, including: [0])
      let (lo, hi) = (axis.low, axis.high)
      func x(_ v: Double) -> Double { pl + (v - lo) / (hi - lo) * panelWidth }
      if facet {
        body += SVG.text(
          SVG.abbreviate(series[members[0]].name, width: panelWidth), x: pl + panelWidth / 2, y: top - 8,
          className: "panel-title", anchor: "middle", extra: " font-weight=\"bold\"")
      }
      body += "<rect class=\"frame\" x=\"\(SVG.n(pl))\" y=\"\(SVG.n(top))\" width=\"\(SVG.n(panelWidth))\" height=\"\(SVG.n(plotHeight))\" fill=\"none\" stroke=\"#888888\"/>\n"
      body += SVG.clipPath("panel-\(p)", x: pl, y: top, width: panelWidth, height: plotHeight)
      body += "<g class=\"x-axis\">\n"
      for t in axis.ticks {
        body += "<line class=\"grid\" x1=\"\(SVG.n(x(t)))\" y1=\"\(SVG.n(top))\" x2=\"\(SVG.n(x(t)))\" y2=\"\(SVG.n(top + plotHeight))\" stroke=\"#e5e5e5\"/>\n"
        body += "<line class=\"tick\" x1=\"\(SVG.n(x(t)))\" y1=\"\(SVG.n(top + plotHeight))\" x2=\"\(SVG.n(x(t)))\" y2=\"\(SVG.n(top + plotHeight + 5))\" stroke=\"#333333\"/>\n"
        body += SVG.text(String(format: "%.\(axis.decimals)f", t == 0 ? 0 : t), x: x(t), y: top + plotHeight + 18, className: "tick-label", anchor: "middle")
      }
      if p == 0 || !facet {
        let centre = facet ? left + (canvasWidth - left - 30) / 2 : pl + panelWidth / 2
        body += SVG.text(xLabel, x: centre, y: top + plotHeight + 40, className: "axis-label", anchor: "middle")
      }
      body += "</g>\n"
      if lo <= 0 && hi >= 0 {
        body += "<line class=\"zero\" x1=\"\(SVG.n(x(0)))\" y1=\"\(SVG.n(top))\" x2=\"\(SVG.n(x(0)))\" y2=\"\(SVG.n(top + plotHeight))\" stroke=\"#555555\" stroke-dasharray=\"4 3\"/>\n"
      }
      for (j, k) in members.enumerated() {
        let s = series[k]
        let colour = SVG.palette[k % SVG.palette.count]
        let offset = members.count > 1 ? (Double(j) - Double(members.count - 1) / 2) * 8 : 0
        body += "<g class=\"series\" fill=\"\(colour)\" stroke=\"\(colour)\" clip-path=\"url(#panel-\(p))\">\n"
        for point in s.points {
          guard let i = labels.firstIndex(of: point.label), point.estimate.isFinite else { continue }
          let y = top + rowHeight * (Double(i) + 0.5) + offset
          if point.low.isFinite, point.high.isFinite {
            body += "<line class=\"interval\" x1=\"\(SVG.n(x(point.low)))\" y1=\"\(SVG.n(y))\" x2=\"\(SVG.n(x(point.high)))\" y2=\"\(SVG.n(y))\" stroke-width=\"2\"/>\n"
          }
          body += "<circle class=\"mark\" cx=\"\(SVG.n(x(point.estimate)))\" cy=\"\(SVG.n(y))\" r=\"4\"/>\n"
        }
        body += "</g>\n"
      }
    }
    return SVG.document(width: canvasWidth, height: canvasHeight, title: title, body: body)
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
  /// Fixed axis limits (whatever falls outside is clipped); nil: from the data.
  public var xLimits: ClosedRange<Double>?
  public var yLimits: ClosedRange<Double>?
  /// Canvas width and height in pixels; nil: 560 wide with a 300-px plot area.
  public var width: Double?
  public var height: Double?
  /// The range the outcome can take (0...1 for probabilities): estimates and bands are cut to it.
  public var bounds: ClosedRange<Double>?
  /// Category labels of a discrete x (a 0/1 or factor variable): each curve's `x` holds indices
  /// into them, drawn as points with intervals rather than as a line and a band.
  public var categories: [String]?
  /// One panel per curve (groups side by side, on common axes) instead of one panel with a legend.
  public var facet: Bool

  public init(
    title: String? = nil, xLabel: String, yLabel: String, curves: [Curve], xLimits: ClosedRange<Double>? = nil,
    yLimits: ClosedRange<Double>? = nil, width: Double? = nil, height: Double? = nil,
    bounds: ClosedRange<Double>? = nil, categories: [String]? = nil, facet: Bool = false
  ) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.curves = curves
    self.xLimits = xLimits
    self.yLimits = yLimits
    self.width = width
    self.height = height
    self.bounds = bounds
    self.categories = categories
    self.facet = facet
  }

  /// `v` cut to `bounds`.
  private func bounded(_ v: Double) -> Double {
    guard let bounds, v.isFinite else { return v }
    return min(max(v, bounds.lowerBound), bounds.upperBound)
  }

  /// The plot as an SVG document with ticks and labels on both axes.
  public func svg() -> String {
    let drawn = curves.map { c in
      Curve(name: c.name, x: c.x, estimate: c.estimate.map(bounded), low: c.low.map(bounded), high: c.high.map(bounded))
    }
    let ys = drawn.flatMap { $0.low + $0.high + $0.estimate }
    let yAxis = SVG.scale(ys, limits: yLimits)
    let xAxis: (low: Double, high: Double, ticks: [Double], decimals: Int)
    if let categories {
      xAxis = (-0.5, Double(categories.count) - 0.5, categories.indices.map(Double.init), 0)
    } else {
      xAxis = SVG.scale(drawn.flatMap(\.x), limits: xLimits)
    }
    let (x0, x1) = (xAxis.low, xAxis.high)
    let (y0, y1) = (yAxis.low, yAxis.high)
    let left = 70.0
    let gap = 40.0
    let panels: [[Int]] = facet ? drawn.indices.map { [$0] } : [Array(drawn.indices)]
    let columns = min(panels.count, 3)
    let rows = (panels.count + columns - 1) / columns
    let names = drawn.map(\.name)
    let legend = !facet && drawn.count > 1
    let defaultWidth = facet && panels.count > 1 ? left + 260 * Double(columns) + gap * Double(columns - 1) + 30 : 560
    let canvasWidth = width ?? defaultWidth
    let base = title == nil ? 16.0 : 40.0
    let top = base + (legend ? SVG.legendHeight(names, maxWidth: canvasWidth - left - 10) : 0) + (facet ? 20 : 0)
    let panelWidth = max(60, (canvasWidth - left - 30 - gap * Double(columns - 1)) / Double(columns))
    let panelGap = facet ? 44.0 : 0
    let defaultPlotHeight = facet && panels.count > 1 ? 200.0 : 300
    let canvasHeight = height ?? (top + defaultPlotHeight * Double(rows) + panelGap * Double(rows - 1) + 60)
    let plotHeight = max(40, (canvasHeight - top - 60 - panelGap * Double(rows - 1)) / Double(rows))

    var body = ""
    if legend { body += SVG.legend(names, x: left, y: base + 8, maxWidth: canvasWidth - left - 10) }
    for (p, members) in panels.enumerated() {
      let pl = left + Double(p % columns) * (panelWidth + gap)
      let pt = top + Double(p / columns) * (plotHeight + panelGap)
      func px(_ v: Double) -> Double { pl + (v - x0) / (x1 - x0) * panelWidth }
      func py(_ v: Double) -> Double { pt + plotHeight - (v - y0) / (y1 - y0) * plotHeight }
      if facet {
        body += SVG.text(
          SVG.abbreviate(drawn[members[0]].name, width: panelWidth), x: pl + panelWidth / 2, y: pt - 8,
          className: "panel-title", anchor: "middle", extra: " font-weight=\"bold\"")
      }
      body += "<rect class=\"frame\" x=\"\(SVG.n(pl))\" y=\"\(SVG.n(pt))\" width=\"\(SVG.n(panelWidth))\" height=\"\(SVG.n(plotHeight))\" fill=\"none\" stroke=\"#888888\"/>\n"
      if facet || xLimits != nil || yLimits != nil {
        body += SVG.clipPath("panel-\(p)", x: pl, y: pt, width: panelWidth, height: plotHeight)
      }
      body += "<g class=\"x-axis\">\n"
      for (i, t) in xAxis.ticks.enumerated() {
        body += "<line class=\"tick\" x1=\"\(SVG.n(px(t)))\" y1=\"\(SVG.n(pt + plotHeight))\" x2=\"\(SVG.n(px(t)))\" y2=\"\(SVG.n(pt + plotHeight + 5))\" stroke=\"#333333\"/>\n"
        let label = categories.map { SVG.abbreviate($0[i], width: panelWidth / Double(max(1, $0.count)) - 4) }
          ?? String(format: "%.\(xAxis.decimals)f", t == 0 ? 0 : t)
        body += SVG.text(label, x: px(t), y: pt + plotHeight + 18, className: "tick-label", anchor: "middle")
      }
      if p == panels.count - 1 || !facet {
        body += SVG.text(xLabel, x: left + (canvasWidth - left - 30) / 2, y: canvasHeight - 20, className: "axis-label", anchor: "middle")
      }
      body += "</g>\n<g class=\"y-axis\">\n"
      if p % columns == 0 {
        for t in yAxis.ticks {
          body += "<line class=\"tick\" x1=\"\(SVG.n(pl - 5))\" y1=\"\(SVG.n(py(t)))\" x2=\"\(SVG.n(pl))\" y2=\"\(SVG.n(py(t)))\" stroke=\"#333333\"/>\n"
          body += SVG.text(String(format: "%.\(yAxis.decimals)f", t == 0 ? 0 : t), x: pl - 8, y: py(t) + 4, className: "tick-label", anchor: "end")
        }
      }
      if p == 0 {
        let yMid = top + (canvasHeight - top - 60) / 2
        body += SVG.text(yLabel, x: 16, y: yMid, className: "axis-label", anchor: "middle", extra: " transform=\"rotate(-90 16 \(SVG.n(yMid)))\"")
      }
      body += "</g>\n"
      let clip = facet || xLimits != nil || yLimits != nil ? " clip-path=\"url(#panel-\(p))\"" : ""
      for (j, k) in members.enumerated() {
        let c = drawn[k]
        let colour = SVG.palette[k % SVG.palette.count]
        if categories != nil {
          let step = min(12, panelWidth / Double(max(1, categories?.count ?? 1)) / Double(members.count + 1))
          let offset = (Double(j) - Double(members.count - 1) / 2) * step
          body += "<g class=\"series\" fill=\"\(colour)\" stroke=\"\(colour)\"\(clip)>\n"
          for i in c.x.indices where c.estimate[i].isFinite {
            let x = px(c.x[i]) + offset
            if c.low[i].isFinite, c.high[i].isFinite {
              body += "<line class=\"interval\" x1=\"\(SVG.n(x))\" y1=\"\(SVG.n(py(c.low[i])))\" x2=\"\(SVG.n(x))\" y2=\"\(SVG.n(py(c.high[i])))\" stroke-width=\"2\"/>\n"
            }
            // The numbers at full precision, for readers and checks (the drawing rounds to 0.01 px).
            let raw = curves[k]
            body += "<circle class=\"mark\" cx=\"\(SVG.n(x))\" cy=\"\(SVG.n(py(c.estimate[i])))\" r=\"4\""
              + " data-estimate=\"\(raw.estimate[i])\" data-low=\"\(raw.low[i])\" data-high=\"\(raw.high[i])\"/>\n"
          }
          body += "</g>\n"
          continue
        }
        let upper = zip(c.x, c.high).map { "\(SVG.n(px($0))),\(SVG.n(py($1)))" }
        let lower = zip(c.x, c.low).reversed().map { "\(SVG.n(px($0))),\(SVG.n(py($1)))" }
        body += "<g class=\"series\"\(clip)>\n"
        if !upper.isEmpty {
          body += "<path class=\"band\" d=\"M" + (upper + lower).joined(separator: " L") + " Z\" fill=\"\(colour)\" fill-opacity=\"0.18\" stroke=\"none\"/>\n"
        }
        let line = zip(c.x, c.estimate).map { "\(SVG.n(px($0))),\(SVG.n(py($1)))" }
        if !line.isEmpty {
          body += "<path class=\"curve\" d=\"M" + line.joined(separator: " L") + "\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
        }
        body += "</g>\n"
      }
    }
    return SVG.document(width: canvasWidth, height: canvasHeight, title: title, body: body)
  }
}
