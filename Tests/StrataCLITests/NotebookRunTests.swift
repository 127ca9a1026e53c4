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

  /// A notebook in a fresh folder with a copy of wage1.csv; its commands save a fit, write a
  /// report file, render a table and draw a plot into `$WORK`.
  static func notebookFolder(name: String = "nb", extra: String = "", frontMatter: String = "") throws -> (URL, URL) {
    let (folder, data, _) = try folderWithData()
    let notebook = folder.appendingPathComponent(name + ".md")
    let text = frontMatter + """
      # Safety

      ```strata
      strata fit ols 'wage ~ educ + exper' --data \(data.path) --save $WORK/fit.json --output $WORK/fit.txt
      strata table $WORK/fit.json
      strata plot coef $WORK/fit.json
      \(extra)
      ```

      """
    try Data(text.utf8).write(to: notebook)
    return (folder, notebook)
  }

  /// A rerun removes only what the earlier run created (listed in the manifest): files a person
  /// put in DIR and in DIR/NAME_files survive, and the inputs are unchanged.
  @Test func rerunRemovesOnlyFilesTheRunCreated() throws {
    let (folder, notebook) = try Self.notebookFolder(extra: "strata describe data.csv --output $WORK/describe.txt")
    let out = folder.appendingPathComponent("out")
    let work = out.appendingPathComponent("nb_files")
    let dataBytes = try Data(contentsOf: folder.appendingPathComponent("data.csv"))

    let first = try runStrata(["notebook", "run", notebook.path, "--out", out.path], in: folder)
    #expect(first.status == 0, "\(first.stderr)")
    let manifest = try String(contentsOf: work.appendingPathComponent(".strata-manifest"), encoding: .utf8)
    #expect(manifest.components(separatedBy: "\n").filter { !$0.isEmpty && !$0.hasPrefix("#") }
      == ["fit.txt", "fit.json", "plot-1.svg", "describe.txt"])

    // A person's files beside the report and in the working folder.
    try Data("mine\n".utf8).write(to: out.appendingPathComponent("notes.txt"))
    try Data("mine too\n".utf8).write(to: work.appendingPathComponent("notes.txt"))
    try FileManager.default.createDirectory(at: work.appendingPathComponent("keep"), withIntermediateDirectories: false)
    try Data("kept\n".utf8).write(to: work.appendingPathComponent("keep/data.txt"))

    // The second version of the notebook no longer writes describe.txt: the rerun removes it.
    let changed = try String(contentsOf: notebook, encoding: .utf8).components(separatedBy: "\n")
      .filter { !$0.contains("describe") }.joined(separator: "\n")
    try Data(changed.utf8).write(to: notebook)
    let second = try runStrata(["notebook", "run", notebook.path, "--out", out.path], in: folder)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(try names(in: work) == [".strata-lock", ".strata-manifest", "fit.json", "fit.txt", "keep", "notes.txt", "plot-1.svg"])
    #expect(try names(in: out) == ["nb.html", "nb.md", "nb_files", "notes.txt"])
    #expect(try String(contentsOf: out.appendingPathComponent("notes.txt"), encoding: .utf8) == "mine\n")
    #expect(try String(contentsOf: work.appendingPathComponent("notes.txt"), encoding: .utf8) == "mine too\n")
    #expect(try String(contentsOf: work.appendingPathComponent("keep/data.txt"), encoding: .utf8) == "kept\n")
    #expect(try Data(contentsOf: folder.appendingPathComponent("data.csv")) == dataBytes)
    #expect(try String(contentsOf: notebook, encoding: .utf8) == changed)

    // A manifest edited to point outside the working folder removes nothing there.
    try Data("# edited\n../notes.txt\n/etc/hostname\nkeep/../notes.txt\n".utf8)
      .write(to: work.appendingPathComponent(".strata-manifest"))
    let third = try runStrata(["notebook", "run", notebook.path, "--out", out.path], in: folder)
    #expect(third.status == 0, "\(third.stderr)")
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("notes.txt").path))
    #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("notes.txt").path))
  }

  /// `--out` equal to the notebook's own folder (however it is spelled) would write NAME.md over
  /// the notebook: refused, and the notebook is unchanged.
  @Test func outOverTheNotebookIsRefused() throws {
    let (folder, notebook) = try Self.notebookFolder()
    let before = try Data(contentsOf: notebook)
    try FileManager.default.createSymbolicLink(
      atPath: folder.appendingPathComponent("alias").path, withDestinationPath: folder.path)
    for out in [folder.path, folder.path + "/.", folder.appendingPathComponent("alias").path, "."] {
      let run = try runStrata(["notebook", "run", "nb.md", "--out", out], in: folder)
      #expect(run.status == 1, "--out \(out)")
      #expect(run.stderr.contains("over the notebook nb.md itself; choose another --out folder"), "\(out): \(run.stderr)")
      #expect(try Data(contentsOf: notebook) == before)
    }
    #expect(try names(in: folder) == ["alias", "data.csv", "nb.md"], "nothing was written")
  }

  /// Commands write only inside $WORK: `$WORK/../x`, absolute paths and relative paths elsewhere
  /// are refused naming the notebook line, unless the front matter allows it.
  @Test func commandOutputsStayInTheWorkingFolder() throws {
    for target in ["$WORK/../escape.txt", "escape.txt", "OUTSIDE/escape.txt", "out/escape.txt"] {
      let (folder, notebook) = try Self.notebookFolder(name: "esc", extra: "strata describe data.csv --output TARGET")
      let text = try String(contentsOf: notebook, encoding: .utf8)
        .replacingOccurrences(of: "TARGET", with: target.replacingOccurrences(of: "OUTSIDE", with: folder.path))
      try Data(text.utf8).write(to: notebook)
      let out = folder.appendingPathComponent("out")
      let run = try runStrata(["notebook", "run", "esc.md", "--out", "out"], in: folder)
      #expect(run.status == 1, "\(target)")
      #expect(run.stderr.contains("esc.md:7: block 1 failed"), "\(target): \(run.stderr)")
      #expect(run.stderr.contains("is outside the run's folder"), "\(target): \(run.stderr)")
      #expect(run.stderr.contains("allow-outside-writes: true"))
      #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("escape.txt").path))
      #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("escape.txt").path))
    }

    // A link planted in $WORK that leads outside counts where it leads.
    let (linked, _) = try Self.notebookFolder(name: "esc", extra: "strata describe data.csv --output $WORK/link.txt")
    let planted = linked.appendingPathComponent("out/esc_files")
    try FileManager.default.createDirectory(at: planted, withIntermediateDirectories: true)
    try Data("outside\n".utf8).write(to: linked.appendingPathComponent("outside.txt"))
    try FileManager.default.createSymbolicLink(
      atPath: planted.appendingPathComponent("link.txt").path, withDestinationPath: linked.appendingPathComponent("outside.txt").path)
    let viaLink = try runStrata(["notebook", "run", "esc.md", "--out", "out"], in: linked)
    #expect(viaLink.status == 1)
    #expect(viaLink.stderr.contains("is outside the run's folder"), "\(viaLink.stderr)")
    #expect(try String(contentsOf: linked.appendingPathComponent("outside.txt"), encoding: .utf8) == "outside\n")

    // Allowed by the front matter: written; the front matter stays in the Markdown report and
    // is not shown in the HTML page. The notebook itself is still protected.
    let (folder, notebook) = try Self.notebookFolder(
      extra: "strata describe data.csv --output allowed.txt", frontMatter: "---\nallow-outside-writes: true\n---\n")
    let out = folder.appendingPathComponent("out")
    let run = try runStrata(["notebook", "run", "nb.md", "--out", "out"], in: folder)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("allowed.txt").path))
    let markdown = try String(contentsOf: out.appendingPathComponent("nb.md"), encoding: .utf8)
    #expect(markdown.hasPrefix("---\nallow-outside-writes: true\n---\n\n# Safety\n"))
    let html = try String(contentsOf: out.appendingPathComponent("nb.html"), encoding: .utf8)
    #expect(!html.contains("allow-outside-writes") && html.contains("<h1>Safety</h1>"))

    let text = try String(contentsOf: notebook, encoding: .utf8) + "\n```strata\nstrata describe data.csv --output nb.md\n```\n"
    try Data(text.utf8).write(to: notebook)
    let over = try runStrata(["notebook", "run", "nb.md", "--out", "out"], in: folder)
    #expect(over.status == 1)
    #expect(over.stderr.contains("--output nb.md is the input file nb.md"), "\(over.stderr)")
    #expect(try String(contentsOf: notebook, encoding: .utf8) == text)
  }

  /// While one run holds DIR/NAME_files, another stops with a clear error and writes nothing.
  @Test func secondRunWhileOneIsWritingIsRefused() throws {
    let (folder, notebook) = try Self.notebookFolder()
    let work = folder.appendingPathComponent("out/nb_files")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    let fd = open(work.appendingPathComponent(".strata-lock").path, O_RDWR | O_CREAT, 0o644)
    #expect(fd >= 0)
    #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
    let busy = try runStrata(["notebook", "run", notebook.path, "--out", "out"], in: folder)
    #expect(busy.status == 1)
    #expect(busy.stderr.contains("another strata notebook run is writing out/nb_files; wait for it to finish"), "\(busy.stderr)")
    #expect(try names(in: work) == [".strata-lock"])
    flock(fd, LOCK_UN)
    close(fd)
    let free = try runStrata(["notebook", "run", notebook.path, "--out", "out"], in: folder)
    #expect(free.status == 0, "\(free.stderr)")
  }

  /// Two runs started together on the same --out: each ends with a correct report or the clear
  /// "another run" error, and the report equals that of a run alone.
  @Test func concurrentRunsDoNotCorruptEachOther() throws {
    let (folder, notebook) = try Self.notebookFolder()
    let alone = try runStrata(["notebook", "run", notebook.path, "--out", "alone"], in: folder)
    #expect(alone.status == 0, "\(alone.stderr)")
    let processes = try (0..<2).map { _ -> (Process, Pipe) in
      let process = Process()
      process.executableURL = try strataBinary()
      process.arguments = ["notebook", "run", notebook.path, "--out", "shared"]
      process.currentDirectoryURL = folder
      let err = Pipe()
      process.standardError = err
      process.standardOutput = FileHandle.nullDevice
      try process.run()
      return (process, err)
    }
    var succeeded = 0
    for (process, err) in processes {
      let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      if process.terminationStatus == 0 {
        succeeded += 1
      } else {
        #expect(process.terminationStatus == 1)
        #expect(message.contains("another strata notebook run is writing shared/nb_files"), "\(message)")
      }
    }
    #expect(succeeded >= 1)
    for name in ["nb.md", "nb.html", "nb_files/fit.json", "nb_files/fit.txt", "nb_files/plot-1.svg"] {
      let a = try Data(contentsOf: folder.appendingPathComponent("alone/" + name))
      let b = try Data(contentsOf: folder.appendingPathComponent("shared/" + name))
      #expect(a == b, "\(name)")
    }
    #expect(fileType("/dev/null") == S_IFCHR)
  }
}
