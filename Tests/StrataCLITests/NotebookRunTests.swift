import Foundation
import Testing
import _StrataTestSupport

@Suite("strata notebook run")
struct NotebookRunTests {
  /// `notebooks-cli/05-table-17-1.md` reproduces Wooldridge's Table 17.1: rendered twice, the
  /// reports are byte-identical, the HTML is well-formed, and the table matches the print.
  @Test func tableNotebookRendersTwiceIdentically() throws {
    let a = try temporaryDirectory()
    let b = try temporaryDirectory()
    for dir in [a, b] {
      let run = try runStrata(["notebook", "run", "notebooks-cli/05-table-17-1.md", "--out", dir.path])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stderr.isEmpty, "no progress when stderr is not a terminal")
    }
    for name in ["05-table-17-1.md", "05-table-17-1.html", "05-table-17-1_files/plot-1.svg"] {
      let x = try Data(contentsOf: a.appendingPathComponent(name))
      let y = try Data(contentsOf: b.appendingPathComponent(name))
      #expect(x == y, "\(name) differs between runs")
    }
    let markdown = try String(contentsOf: a.appendingPathComponent("05-table-17-1.md"), encoding: .utf8)
    #expect(markdown.contains("| Years of schooling (受教育年限) | 0.038\\*\\*\\* | 0.221\\*\\*\\* | 0.131\\*\\*\\* |"))
    #expect(markdown.contains("![plot](05-table-17-1_files/plot-1.svg)"))
    #expect(markdown.contains("![plot](05-table-17-1_files/plot-2.svg)"))
    let html = try String(contentsOf: a.appendingPathComponent("05-table-17-1.html"), encoding: .utf8)
    let xml = try #require(XMLCollector.parse(html), "notebook HTML is not well-formed")
    #expect(xml.elements.filter { $0.name == "table" }.count == 1)
    #expect(xml.elements.filter { $0.name == "svg" }.count == 2)
    #expect(!html.contains("<script") && !html.contains("src="))

    // Every printed coefficient and standard error, to half a unit in its last printed digit.
    let work = a.appendingPathComponent("05-table-17-1_files")
    let tidy = try runStrata([
      "table", work.appendingPathComponent("lpm.json").path, work.appendingPathComponent("logit.json").path,
      work.appendingPathComponent("probit.json").path, "--format", "json",
    ])
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(tidy.stdout.utf8)) as? [String: Any])
    let estimates = try #require(doc["estimates"] as? [[String: Any]])
    let published = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: repositoryRoot.appendingPathComponent("datasets/published.json")))
        as? [String: Any])
    let cases = try #require(published["textbook_cases"] as? [[String: Any]])
    var checked = 0
    for (model, id) in [(1, "wooldridge_table17_1_lpm"), (2, "wooldridge_table17_1_logit"), (3, "wooldridge_table17_1_probit")] {
      let c = try #require(cases.first { $0["id"] as? String == id })
      let printed = try #require((c["printed"] as? [String: Any])?["coefficients"] as? [[String: Any]])
      for p in printed {
        let term = try #require(p["term"] as? String)
        let ours = try #require(estimates.first { $0["model"] as? Int == model && $0["term"] as? String == term })
        for (key, printedKey) in [("estimate", "estimate_printed"), ("std_error", "std_error_printed")] {
          let text = try #require(p[printedKey] as? String)
          let value = try #require(Double(text.hasPrefix("-.") ? "-0" + text.dropFirst() : (text.hasPrefix(".") ? "0" + text : text)))
          let decimals = text.split(separator: ".").last?.count ?? 0
          let mine = try #require(ours[key] as? Double)
          #expect(abs(mine - value) <= 0.5 * pow(10, -Double(decimals)) + 1e-12, "\(id) \(term) \(key): \(mine) vs \(text)")
          checked += 1
        }
      }
    }
    #expect(checked == 48)
  }

  @Test func failingBlockNamesBlockAndLine() throws {
    let notebook = try temporaryFile(
      "bad.md",
      "# Bad\n\n```strata\nstrata describe datasets/wage1.csv --format json --output /dev/null\n```\n\nText.\n\n```strata\nstrata fit ols 'y ~ nosuch' --data datasets/wage1.csv\n```\n")
    let out = try temporaryDirectory()
    let run = try runStrata(["notebook", "run", notebook, "--out", out.path])
    #expect(run.status == 1)
    #expect(run.stderr.contains("bad.md:10: block 2 failed"), "\(run.stderr)")
    #expect(run.stderr.contains("nosuch"))
  }
}
