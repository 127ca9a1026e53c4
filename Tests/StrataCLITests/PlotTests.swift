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
}
