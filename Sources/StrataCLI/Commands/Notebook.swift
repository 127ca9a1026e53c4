import ArgumentParser
import Foundation
import Strata

/// Errors running a notebook.
enum NotebookError: Error, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  case blockFailed(notebook: String, block: Int, line: Int, command: String, message: String)
  case capture(String)
  case overwritesNotebook(notebook: String, out: String, report: String)
  case busy(folder: String)
  case cannotLock(folder: String, reason: String)

  var description: String {
    switch self {
    case .unreadable(let p, let r): return "cannot read notebook \(p): \(r)"
    case .blockFailed(let notebook, let block, let line, let command, let message):
      return "\(notebook):\(line): block \(block) failed: `\(command)`: \(message)"
    case .capture(let r): return "cannot capture a command's output: \(r)"
    case .overwritesNotebook(let notebook, let out, let report):
      return "--out \(out) would write the report \(report) over the notebook \(notebook) itself; choose another --out folder (for example --out out)"
    case .busy(let folder):
      return "another strata notebook run is writing \(folder); wait for it to finish, or choose another --out folder"
    case .cannotLock(let folder, let reason): return "cannot lock \(folder) for this run: \(reason)"
    }
  }
}

/// `strata notebook run NOTEBOOK.md [--out DIR]`
struct NotebookCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "notebook", abstract: "Literate notebooks: Markdown with fenced strata blocks, rendered to Markdown and HTML.",
    subcommands: [NotebookRunCommand.self])
}

struct NotebookRunCommand: ParsableCommand, ManagesOutputFolder {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a notebook's ```strata blocks in order and write DIR/NAME.md and a self-contained DIR/NAME.html.",
    discussion: """
      Each block's commands run in this process, in order, from the current directory. `$WORK` in a
      command is the run's working folder (DIR/NAME_files), where --save files and plots go, so later
      blocks can use what earlier ones saved. A command's output without --format or --output
      shows every table it prints (the estimates of mean, total, prop, ratio, quantile and var, tab,
      fit and its --split and --margins, margins, elasticities, test, lincom, nlcom, ...) as a
      Markdown table and an HTML table, the lines around them (header, notes) as text; `strata
      table` renders its own Markdown and HTML tables, and the comparisons of `strata predict
      --scenario` a table of the named scenarios; `strata plot` without --output is saved as DIR/NAME_files/plot-N.svg
      and drawn in place. A command's --output, --save or --out must be inside $WORK unless the
      notebook's front matter says `allow-outside-writes: true`. A rerun removes only the files an
      earlier run created (listed in DIR/NAME_files/.strata-manifest); one run at a time may write
      DIR/NAME_files. The same inputs give byte-identical reports on the same machine (other CPUs may
      differ in the last digits of some numbers). A failing block stops the run with the block
      number, its notebook line and the error.

      Examples:
        strata notebook run notebooks-cli/05-table-17-1.md --out out
      """)

  @Argument(help: "The notebook (Markdown with ```strata blocks).")
  var notebook: String

  @Option(help: "Folder for NAME.md, NAME.html and the working folder NAME_files.")
  var out: String = "out"

  func run() throws {
    let text: String
    do {
      text = try String(contentsOfFile: notebook, encoding: .utf8)
    } catch {
      throw NotebookError.unreadable(path: notebook, reason: fileErrorReason(error))
    }
    let document = NotebookDocument(parsing: text)
    let name = URL(fileURLWithPath: notebook).deletingPathExtension().lastPathComponent
    let filesName = name + "_files"
    let work = (out as NSString).appendingPathComponent(filesName)
    let reportPath = (out as NSString).appendingPathComponent(name + ".md")
    let pagePath = (out as NSString).appendingPathComponent(name + ".html")
    for report in [reportPath, pagePath] {
      let same = FileIdentity(notebook).map { $0 == FileIdentity(report) } ?? false
      if same || OutputSafety.canonicalPath(report) == OutputSafety.canonicalPath(notebook) {
        throw NotebookError.overwritesNotebook(notebook: notebook, out: out, report: report)
      }
    }
    do {
      try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    } catch {
      var isFolder: ObjCBool = false
      if FileManager.default.fileExists(atPath: out, isDirectory: &isFolder), !isFolder.boolValue {
        throw OutputError.notFolder(path: work, folder: out)
      }
      throw OutputError.cannotWrite(path: work, reason: fileErrorReason(error))
    }
    let lock = try NotebookRunLock(folder: work)
    defer { lock.release() }
    let run = NotebookRunFiles(
      notebook: notebook, work: work, allowOutside: document.frontMatter["allow-outside-writes"] == "true")
    try run.removePreviousFiles()
    defer { run.saveManifest() }

    let chatty = isatty(STDERR_FILENO) == 1
    var outputs: [[NotebookOutput]] = []
    var plots = 0
    let blocks = document.blocks
    for block in blocks {
      if chatty { progress("block \(block.number)/\(blocks.count) (\(notebook):\(block.line))") }
      var results: [NotebookOutput] = []
      for command in block.commands {
        func fail(_ message: String) -> NotebookError {
          .blockFailed(notebook: notebook, block: block.number, line: command.line, command: command.text, message: message)
        }
        var words = shellWords(command.text).map { $0.replacingOccurrences(of: "$WORK", with: work) }
        guard words.first == "strata" else { throw fail("a strata block holds strata commands") }
        words.removeFirst()
        let sub = words.first ?? ""
        let hasOutput = words.contains { $0 == "-o" || $0 == "--output" || $0.hasPrefix("--output=") }
        do {
          if sub == "notebook" { throw ValidationError("notebooks do not run other notebooks") }
          if sub == "table" && !hasOutput && !words.contains(where: { $0 == "--format" || $0.hasPrefix("--format=") }) {
            let markdown = try runCaptured(words + ["--format", "markdown"], files: run)
            let page = try runCaptured(words + ["--format", "html"], files: run)
            let html: String
            if let start = page.range(of: "<table"), let end = page.range(of: "</table>\n", options: .backwards) {
              html = String(page[start.lowerBound..<end.upperBound])
            } else {
              html = page
            }
            results.append(.table(markdown: markdown, html: html))
          } else if sub == "predict" && !hasOutput && words.contains(where: { $0 == "--scenario" || $0.hasPrefix("--scenario=") })
            && !words.contains(where: { $0 == "--format" || $0.hasPrefix("--format=") })
          {
            results += try scenarioOutputs(
              text: runCaptured(words, files: run), csv: runCaptured(words + ["--format", "csv"], files: run))
          } else if sub == "plot" && !hasOutput {
            plots += 1
            let svg = try runCaptured(words, files: run)
            let file = "plot-\(plots).svg"
            try run.write(Data(svg.utf8), to: (work as NSString).appendingPathComponent(file))
            results.append(.plot(path: filesName + "/" + file, svg: svg))
          } else if hasOutput || words.contains(where: { $0 == "--format" || $0.hasPrefix("--format=") }) {
            results.append(.text(try runCaptured(words, files: run)))
          } else {
            // Every table a text report draws becomes a Markdown/HTML table; the rest stays text.
            let tables = RenderedTables()
            let text = try RenderedTables.$current.withValue(tables) { try runCaptured(words, files: run) }
            results += tables.outputs(of: text)
          }
        } catch let error as NotebookError {
          throw error
        } catch {
          throw fail(ErrorMessage.render(error) ?? StrataCommand.message(for: error))
        }
      }
      outputs.append(results)
    }
    let title = document.parts.lazy.compactMap { part -> String? in
      guard case .markdown(let lines) = part else { return nil }
      return lines.first { $0.hasPrefix("# ") }.map { String($0.dropFirst(2)) }
    }.first ?? name
    try OutputFile.write(Data(document.markdown(outputs: outputs).utf8), to: reportPath)
    try OutputFile.write(Data(document.html(title: title, outputs: outputs).utf8), to: pagePath)
    if chatty { progress("wrote \(out)/\(name).md and \(out)/\(name).html") }
  }

  /// A scenario comparison as the notebook shows it: the text's header lines, the comparisons
  /// as a Markdown/HTML table (from the command's CSV, rounded as the text rounds), and the
  /// scenario definitions under it.
  func scenarioOutputs(text: String, csv: String) throws -> [NotebookOutput] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let tableStart = lines.firstIndex(where: { $0.hasPrefix("scenario ") }) else { return [.text(text)] }
    let footerStart = lines.firstIndex(of: "Scenarios:") ?? lines.count
    let records = parseCSV(csv)
    guard let header = records.first, header.count >= 9 else { return [.text(text)] }
    let body = records.dropFirst().filter { $0.count == header.count }
    let hasGroup = body.contains { !$0[1].isEmpty }
    var columns: [Table.Column] = [.init("Scenario", alignment: .left)]
    if hasGroup {
      let words = lines[tableStart].split(separator: " ", omittingEmptySubsequences: true)
      columns.append(.init(words.count > 1 ? String(words[1]) : "Group", alignment: .left))
    }
    columns += [.init("", alignment: .left), .init("Estimate"), .init("Std. Error"), .init("95% CI low"), .init("95% CI high")]
    if let level = lines[tableStart].range(of: #"\[[0-9.]+% Conf\."#, options: .regularExpression) {
      let pct = lines[tableStart][level].dropFirst().dropLast(7)
      columns[columns.count - 2].header = "\(pct)% CI low"
      columns[columns.count - 1].header = "\(pct)% CI high"
    }
    var table = Table(columns: columns)
    var previous: (String, String)?
    for r in body {
      func number(_ i: Int, _ digits: Int) -> String { Double(r[i]).map { NumberFormat.significant($0, digits) } ?? r[i] }
      let key = (r[0], r[1])
      let first = previous.map { $0 != key } ?? true
      previous = key
      var row = [first ? r[0] : ""]
      if hasGroup { row.append(first ? r[1] : "") }
      row += [r[2] == "predicted" ? "scenario" : r[2], number(3, 6), number(4, 4), number(7, 6), number(8, 6)]
      table.rows.append(row)
    }
    let head = lines[..<tableStart].joined(separator: "\n").trimmingCharacters(in: .newlines) + "\n"
    var out: [NotebookOutput] = [.text(head), .table(markdown: MarkdownRenderer.render(table), html: MarkdownRenderer.html(table))]
    let footer = lines[footerStart...].joined(separator: "\n").trimmingCharacters(in: .newlines)
    if !footer.isEmpty { out.append(.text(footer + "\n")) }
    return out
  }

  /// Parses CSV (RFC 4180: quoted fields, doubled quotes) into records of fields.
  func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var quoted = false
    var chars = Array(text).makeIterator()
    var pending: Character? = nil
    while let c = pending ?? chars.next() {
      pending = nil
      if quoted {
        if c == "\"" {
          if let n = chars.next() {
            if n == "\"" { field.append("\"") } else { quoted = false; pending = n }
          } else { quoted = false }
        } else {
          field.append(c)
        }
      } else if c == "\"" && field.isEmpty {
        quoted = true
      } else if c == "," {
        record.append(field)
        field = ""
      } else if c == "\n" {
        record.append(field)
        records.append(record)
        record = []
        field = ""
      } else if c != "\r" {
        field.append(c)
      }
    }
    if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
    return records
  }

  /// Parses and runs one strata command in this process, returning what it wrote to standard
  /// output. Its output files pass the notebook's rules first (`NotebookRunFiles.admit`).
  func runCaptured(_ arguments: [String], files: NotebookRunFiles) throws -> String {
    var command = try StrataCommand.parseAsRoot(arguments)
    let targets = try files.admit(command, arguments: arguments)
    let outer = Invocation.arguments
    Invocation.arguments = arguments
    defer {
      Invocation.arguments = outer
      files.recordWritten(targets)
    }
    return try captureStandardOutput { try TextWidthOptions.running(command) { try command.run() } }
  }
}

/// An exclusive lock on a notebook's working folder for one run (`flock` on
/// `DIR/NAME_files/.strata-lock`, released when the run ends, even by a crash).
final class NotebookRunLock {
  private var descriptor: Int32

  init(folder: String) throws {
    let path = (folder as NSString).appendingPathComponent(".strata-lock")
    descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw NotebookError.cannotLock(folder: folder, reason: posixReason(errno)) }
    if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
      let code = errno
      close(descriptor)
      descriptor = -1
      if code == EWOULDBLOCK { throw NotebookError.busy(folder: folder) }
      throw NotebookError.cannotLock(folder: folder, reason: posixReason(code))
    }
  }

  func release() {
    guard descriptor >= 0 else { return }
    flock(descriptor, LOCK_UN)
    close(descriptor)
    descriptor = -1
  }

  deinit { release() }
}

/// The files a notebook run owns: its commands may write only inside the working folder
/// (unless the notebook allows more), and the files it creates there are listed in
/// `.strata-manifest`, so a rerun removes those and nothing else.
final class NotebookRunFiles {
  static let manifestName = ".strata-manifest"

  let notebook: String
  let work: String
  let allowOutside: Bool
  /// Files (relative to `work`) this run created, in order.
  private(set) var created: [String] = []
  /// Outputs of the command about to run that did not exist before it.
  private var fresh: Set<String> = []

  init(notebook: String, work: String, allowOutside: Bool) {
    self.notebook = notebook
    self.work = work
    self.allowOutside = allowOutside
  }

  var manifestPath: String { (work as NSString).appendingPathComponent(Self.manifestName) }

  /// The canonical working folder, ending in `/`.
  var workPrefix: String { OutputFile.resolvedPath(OutputSafety.canonicalPath(work)) + "/" }

  /// Removes the files the previous run listed in its manifest (plain files inside the working
  /// folder only), then forgets them.
  func removePreviousFiles() throws {
    guard let text = try? String(contentsOfFile: manifestPath, encoding: .utf8) else { return }
    for line in text.components(separatedBy: "\n") {
      let relative = line.trimmingCharacters(in: .whitespaces)
      guard let path = ownedPath(relative) else { continue }
      var info = stat()
      guard lstat(path, &info) == 0 else { continue }
      let type = info.st_mode & S_IFMT
      if type == S_IFREG || type == S_IFLNK { unlink(path) }
    }
  }

  /// The path of a manifest entry, if the entry is a plain relative path inside the working folder.
  func ownedPath(_ relative: String) -> String? {
    if relative.isEmpty || relative.hasPrefix("#") || relative.hasPrefix("/") { return nil }
    let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
    if parts.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) { return nil }
    if relative == Self.manifestName || relative == ".strata-lock" { return nil }
    return (work as NSString).appendingPathComponent(relative)
  }

  /// Checks a command's outputs before it runs: the shared input/output checks (the notebook
  /// counts as an input), and, unless allowed, every output file inside the working folder.
  func admit(_ command: ParsableCommand, arguments: [String]) throws -> [OutputTarget] {
    let targets = try OutputSafety.check(command, arguments: arguments, protectedFiles: [notebook])
    fresh = []
    for target in targets where !OutputFile.isStandardStream(target.path) {
      var info = stat()
      let exists = stat(target.path, &info) == 0
      let type = info.st_mode & S_IFMT
      if exists && (type == S_IFCHR || type == S_IFIFO) { continue }
      if !allowOutside {
        let escapes = target.path.split(separator: "/").contains("..")
        // An existing file counts where its links lead.
        let place = exists ? OutputFile.resolvedPath(target.path) : OutputSafety.canonicalPath(target.path)
        if escapes || !place.hasPrefix(workPrefix) {
          throw OutputError.outsideNotebookFolder(option: target.option, path: target.path, folder: work)
        }
      }
      if !exists { fresh.insert(target.path) }
    }
    return targets
  }

  /// Notes which of a command's outputs it created inside the working folder.
  func recordWritten(_ targets: [OutputTarget]) {
    for target in targets where fresh.contains(target.path) && FileManager.default.fileExists(atPath: target.path) {
      let canonical = OutputSafety.canonicalPath(target.path)
      guard canonical.hasPrefix(workPrefix) else { continue }
      let relative = String(canonical.dropFirst(workPrefix.count))
      if !created.contains(relative) { created.append(relative) }
    }
    fresh = []
  }

  /// Writes a file of the run's own (a plot) and records it if it is new.
  func write(_ bytes: Data, to path: String) throws {
    let isNew = !FileManager.default.fileExists(atPath: path)
    try OutputFile.write(bytes, to: path)
    if isNew {
      fresh = [path]
      recordWritten([OutputTarget(option: "", path: path)])
    }
  }

  /// Lists the files this run created (kept even when the run fails, so the next run removes them).
  func saveManifest() {
    let header = "# Files written by strata notebook run \(notebook); a rerun removes these and nothing else.\n"
    try? OutputFile.write(Data((header + created.map { $0 + "\n" }.joined()).utf8), to: manifestPath)
  }
}

/// The arguments of the strata command being run: the process's, or a notebook command's while
/// the notebook runs it in this process (the CLI is single-threaded).
enum Invocation {
  nonisolated(unsafe) static var arguments: [String] = Array(CommandLine.arguments.dropFirst())
}

/// Runs `body` with file descriptor 1 pointed at a temporary file and returns what was written.
func captureStandardOutput(_ body: () throws -> Void) throws -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-notebook-\(UUID().uuidString)").path
  let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
  guard fd >= 0 else { throw NotebookError.capture("cannot open \(path)") }
  defer {
    close(fd)
    unlink(path)
  }
  fflush(nil)  // every C stream (print buffers through stdio)
  let saved = dup(STDOUT_FILENO)
  guard saved >= 0, dup2(fd, STDOUT_FILENO) >= 0 else { throw NotebookError.capture("cannot redirect standard output") }
  var failure: Error?
  do { try body() } catch { failure = error }
  fflush(nil)  // every C stream (print buffers through stdio)
  dup2(saved, STDOUT_FILENO)
  close(saved)
  if let failure { throw failure }
  let data = FileManager.default.contents(atPath: path) ?? Data()
  return String(decoding: data, as: UTF8.self)
}

