import Foundation
import Testing
import _StrataTestSupport

#if canImport(FoundationXML)
  import FoundationXML
#endif

@Suite("strata plot draws what it says")
struct PlotTests {
  @Test func coefficientPlotHasOneMarkAndIntervalPerTermAndModel() throws {
    let run = try runStrata([
      "plot", "coef", "Tests/Fixtures/report/lpm.json", "Tests/Fixtures/report/logit.json", "--labels",
      "Tests/Fixtures/report/labels.csv", "--names", "LPM,Logit",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let svg = try #require(XMLCollector.parse(run.stdout), "SVG is not well-formed")
    // 7 terms (the intercept is left out) x 2 models.
    #expect(svg.count("circle", class: "mark") == 14)
    #expect(svg.count("line", class: "interval") == 14)
    let terms = svg.texts["term-label"] ?? []
    #expect(terms == ["nwifeinc", "受教育年限 (years of schooling)", "exper", "Experience squared", "age", "Kids < 6", "kidsge6"])
    let ticks = svg.count("line", class: "tick")
    #expect(ticks >= 3)
    #expect((svg.texts["tick-label"] ?? []).count == ticks)
    #expect(svg.texts["axis-label"] == ["Estimate and 95% confidence interval"])
    #expect(svg.texts["legend-label"] == ["LPM", "Logit"])

    // The marks sit where the axis says: map tick labels to x and place the logit educ estimate.
    let tickX = svg.elements.filter { $0.attributes["class"] == "tick" }.compactMap { Double($0.attributes["x1"] ?? "") }
    let tickValues = (svg.texts["tick-label"] ?? []).compactMap(Double.init)
    let slope = (tickX[1] - tickX[0]) / (tickValues[1] - tickValues[0])
    let marks = svg.elements.filter { $0.attributes["class"] == "mark" }.compactMap { Double($0.attributes["cx"] ?? "") }
    // Series order: LPM's 7 marks, then the logit's; educ is the second term. Logit educ = 0.2211704.
    let expected = tickX[0] + (0.2211704 - tickValues[0]) * slope
    #expect(abs(marks[7 + 1] - expected) < 0.01, "mark at \(marks[8]), axis says \(expected)")  // 2-decimal coordinates
  }

  @Test func predictionPlotDrawsACurveAndBandPerGroup() throws {
    let run = try runStrata(["plot", "predict", "Tests/Fixtures/report/logit.json", "--x", "educ", "--by", "kidslt6"])
    #expect(run.status == 0, "\(run.stderr)")
    let svg = try #require(XMLCollector.parse(run.stdout))
    let groups = svg.texts["legend-label"] ?? []
    #expect(groups == ["kidslt6 = 0", "kidslt6 = 1", "kidslt6 = 2", "kidslt6 = 3"])
    #expect(svg.count("path", class: "curve") == 4)
    #expect(svg.count("path", class: "band") == 4)
    #expect((svg.texts["axis-label"] ?? []).contains("educ"))
  }

  @Test func pngNeedsAConverterOrWritesOne() throws {
    let dir = try temporaryDirectory()
    let png = dir.appendingPathComponent("coef.png").path
    let run = try runStrata(["plot", "coef", "Tests/Fixtures/report/lpm.json", "--output", png])
    if executable("rsvg-convert") == nil {
      #expect(run.status == 1)
      #expect(run.stderr.contains("rsvg-convert"))
    } else {
      #expect(run.status == 0, "\(run.stderr)")
      let data = try Data(contentsOf: URL(fileURLWithPath: png))
      #expect(data.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    }
  }

  /// The canvas size of a parsed SVG.
  private func canvas(_ svg: XMLCollector) throws -> (width: Double, height: Double) {
    let root = try #require(svg.elements.first { $0.name == "svg" })
    return (try #require(Double(root.attributes["width"] ?? "")), try #require(Double(root.attributes["height"] ?? "")))
  }

  @Test func manyGroupsKeepEveryLegendEntryInsideTheCanvas() throws {
    // --by age: 12 groups ("age = 30" ... "age = 41"); on one row they would run past 560 px.
    for extra in [[String](), ["--width", "400"]] {
      let run = try runStrata(["plot", "predict", "Tests/Fixtures/report/logit.json", "--x", "educ", "--by", "age"] + extra)
      #expect(run.status == 0, "\(run.stderr)")
      let svg = try #require(XMLCollector.parse(run.stdout))
      let (width, height) = try canvas(svg)
      let labels = svg.texts["legend-label"] ?? []
      #expect(labels.count == 12)
      let placed = svg.elements.filter { $0.attributes["class"] == "legend-label" }
      #expect(placed.count == labels.count)
      for (element, label) in zip(placed, labels) {
        let x = try #require(Double(element.attributes["x"] ?? ""))
        let y = try #require(Double(element.attributes["y"] ?? ""))
        // 12-px text, 0.6 em per ASCII character: the renderer's own estimate.
        #expect(x >= 0 && x + Double(label.count) * 7.2 <= width, "\(label) at x \(x) runs past \(width)")
        #expect(y > 0 && y <= height)
      }
      // The legend rows sit above the plot frame.
      let frameTop = try #require(Double(svg.elements.first { $0.attributes["class"] == "frame" }?.attributes["y"] ?? ""))
      let lastLegendY = placed.compactMap { Double($0.attributes["y"] ?? "") }.max() ?? 0
      #expect(lastLegendY < frameTop)
      if let w = extra.last { #expect(width == Double(w)) }
    }
  }

  @Test func aBinaryXDrawsPointsWithIntervals() throws {
    let dir = try temporaryDirectory()
    let fit = dir.appendingPathComponent("city.json").path
    let saved = try runStrata(["fit", "logit", "inlf ~ educ + city + kidslt6", "--data", "datasets/mroz.csv", "--save", fit])
    #expect(saved.status == 0, "\(saved.stderr)")
    let run = try runStrata(["plot", "predict", fit, "--x", "city"])
    #expect(run.status == 0, "\(run.stderr)")
    let svg = try #require(XMLCollector.parse(run.stdout))
    #expect(svg.count("path", class: "curve") == 0)
    #expect(svg.count("path", class: "band") == 0)
    #expect(svg.count("circle", class: "mark") == 2)
    #expect(svg.count("line", class: "interval") == 2)
    #expect(svg.texts["tick-label"]?.prefix(2) == ["0", "1"])
  }

  /// R: Tests/Fixtures/plots/make_predictive_margins.R (svyglm logit, margins per level of stype).
  @Test func aFactorXDrawsPredictiveMarginsThatMatchR() throws {
    let dir = try temporaryDirectory()
    let fit = dir.appendingPathComponent("stype.json").path
    let saved = try runStrata([
      "fit", "logit", "sch.wide ~ ell + meals + stype", "--data", "datasets/apistrat.csv", "--strata", "stype",
      "--weights", "pw", "--fpc", "fpc", "--save", fit,
    ])
    #expect(saved.status == 0, "\(saved.stderr)")
    let run = try runStrata(["plot", "predict", fit, "--x", "stype", "--title", "Whole-school target by school type"])
    #expect(run.status == 0, "\(run.stderr)")
    let svg = try #require(XMLCollector.parse(run.stdout))
    #expect(svg.texts["title"] == ["Whole-school target by school type"])
    let marks = svg.elements.filter { $0.attributes["class"] == "mark" }
    #expect(marks.count == 3)
    let csv = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/Fixtures/plots/predictive_margins_stype.csv"), encoding: .utf8)
    let reference = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
    #expect(reference.count == 3)
    #expect(Array((svg.texts["tick-label"] ?? []).prefix(3)) == reference.map { $0[0] })
    for (mark, r) in zip(marks, reference) {
      for (attribute, column) in [("data-estimate", 1), ("data-low", 3), ("data-high", 4)] {
        let got = try #require(Double(mark.attributes[attribute] ?? ""))
        let want = try #require(Double(r[column]))
        #expect(abs(got - want) <= 1e-8 * abs(want), "\(r[0]) \(attribute): \(got) vs R \(want)")
      }
    }
    // The y-axis says "Predictive margin".
    #expect((svg.texts["axis-label"] ?? []).contains { $0.hasPrefix("Predictive margin") })
  }

  @Test func probabilityBandsStayWithinZeroAndOne() throws {
    // kidslt6 = 3 has few women: its delta-method band runs below 0 on the probability scale.
    for extra in [[String](), ["--ylim", "0,1"]] {
      let run = try runStrata(["plot", "predict", "Tests/Fixtures/report/logit.json", "--x", "educ", "--by", "kidslt6"] + extra)
      #expect(run.status == 0, "\(run.stderr)")
      let svg = try #require(XMLCollector.parse(run.stdout))
      let frame = try #require(svg.elements.first { $0.attributes["class"] == "frame" })
      let top = try #require(Double(frame.attributes["y"] ?? ""))
      let bottom = top + (try #require(Double(frame.attributes["height"] ?? "")))
      // y-axis tick labels: every one a probability.
      let yTicks = svg.elements.filter { $0.attributes["class"] == "tick-label" && $0.attributes["text-anchor"] == "end" }
      #expect(!yTicks.isEmpty)
      let tickValues = (svg.texts["tick-label"] ?? []).suffix(yTicks.count).compactMap(Double.init)
      #expect(tickValues.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(tickValues)")
      for band in svg.elements where band.attributes["class"] == "band" {
        let d = try #require(band.attributes["d"])
        let ys = d.split(whereSeparator: { " MLZ".contains($0) }).compactMap { $0.split(separator: ",").last.flatMap { Double($0) } }
        #expect(!ys.isEmpty)
        #expect(ys.allSatisfy { $0 >= top - 0.01 && $0 <= bottom + 0.01 })
      }
    }
  }

  @Test func facetsDrawOnePanelPerModelOrGroup() throws {
    let coef = try runStrata([
      "plot", "coef", "Tests/Fixtures/report/lpm.json", "Tests/Fixtures/report/logit.json", "--names", "LPM,Logit",
      "--facet", "model", "--xlim=-1,1",
    ])
    #expect(coef.status == 0, "\(coef.stderr)")
    let svg = try #require(XMLCollector.parse(coef.stdout))
    #expect(svg.count("rect", class: "frame") == 2)
    #expect(svg.texts["panel-title"] == ["LPM", "Logit"])
    #expect(svg.texts["legend-label"] == nil)
    let predict = try runStrata([
      "plot", "predict", "Tests/Fixtures/report/logit.json", "--x", "educ", "--by", "kidslt6", "--facet", "group",
      "--width", "900", "--height", "600",
    ])
    #expect(predict.status == 0, "\(predict.stderr)")
    let panels = try #require(XMLCollector.parse(predict.stdout))
    #expect(panels.count("rect", class: "frame") == 4)
    #expect(try canvas(panels) == (900, 600))
    for element in panels.elements where element.attributes["class"] == "frame" {
      let x = try #require(Double(element.attributes["x"] ?? ""))
      let w = try #require(Double(element.attributes["width"] ?? ""))
      #expect(x + w <= 900)
    }
    let wrong = try runStrata(["plot", "coef", "Tests/Fixtures/report/lpm.json", "--facet", "group"])
    #expect(wrong.status != 0)
    #expect(wrong.stderr.contains("--facet group applies to plot predict"))
    let badLimits = try runStrata(["plot", "coef", "Tests/Fixtures/report/lpm.json", "--xlim", "1,0"])
    #expect(badLimits.status != 0)
    #expect(badLimits.stderr.contains("--xlim takes two numbers"))
  }

  @Test func pdfNeedsAConverterOrWritesOne() throws {
    let dir = try temporaryDirectory()
    let pdf = dir.appendingPathComponent("coef.pdf").path
    let run = try runStrata(["plot", "coef", "Tests/Fixtures/report/lpm.json", "--output", pdf])
    if executable("rsvg-convert") == nil {
      #expect(run.status == 1)
      #expect(run.stderr.contains("PDF output needs rsvg-convert"))
    } else {
      #expect(run.status == 0, "\(run.stderr)")
      let data = try Data(contentsOf: URL(fileURLWithPath: pdf))
      #expect(data.prefix(4) == Data("%PDF".utf8))
    }
  }

  @Test func theSVGNamesAGenericFontFamily() throws {
    let run = try runStrata(["plot", "coef", "Tests/Fixtures/report/lpm.json"])
    let svg = try #require(XMLCollector.parse(run.stdout))
    let family = try #require(svg.elements.first { $0.name == "svg" }?.attributes["font-family"])
    #expect(family.hasSuffix(",sans-serif"))
  }
}
