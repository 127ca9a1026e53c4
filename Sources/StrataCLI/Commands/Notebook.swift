import ArgumentParser
import Foundation
import Strata

/// Errors running a notebook.
enum NotebookError: Error, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  case blockFailed(notebook: String, block: Int, line: Int, command: String, message: String)
  case capture(String)

  var description: String {
    switch self {
    case .unreadable(let p, let r): return "cannot read notebook \(p): \(r)"
    case .blockFailed(let notebook, let block, let line, let command, let message):
      return "\(notebook):\(line): block \(block) failed: `\(command)`: \(message)"
    case .capture(let r): return "cannot capture a command's output: \(r)"
    }
  }
}

/// `strata notebook run NOTEBOOK.md [--out DIR]`
struct NotebookCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "notebook", abstract: "Literate notebooks: Markdown with fenced strata blocks, rendered to Markdown and HTML.",
    subcommands: [NotebookRunCommand.self])
}

struct NotebookRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a notebook's ```strata blocks in order and write DIR/NAME.md and a self-contained DIR/NAME.html.",
    discussion: """
      Each block's commands run in this process, in order, from the current directory. `$WORK` in a
      command is the run's working folder (DIR/NAME_files), where --save files and plots go, so later
      blocks can use what earlier ones saved. `strata table` without --format renders as a Markdown
      table and an HTML table; `strata plot` without --output is saved as DIR/NAME_files/plot-N.svg
      and drawn in place. The same inputs give byte-identical reports. A failing block stops the run
      with the block number, its notebook line and the error.
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
      throw NotebookError.unreadable(path: notebook, reason: error.localizedDescription)
    }
    let document = NotebookDocument(parsing: text)
    let name = URL(fileURLWithPath: notebook).deletingPathExtension().lastPathComponent
    let filesName = name + "_files"
    let work = (out as NSString).appendingPathComponent(filesName)
    do {
      if FileManager.default.fileExists(atPath: work) { try FileManager.default.removeItem(atPath: work) }
      try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    } catch {
      throw OutputError.cannotWrite(path: work, reason: error.localizedDescription)
    }
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
            let markdown = try runCaptured(words + ["--format", "markdown"])
            let page = try runCaptured(words + ["--format", "html"])
            let html: String
            if let start = page.range(of: "<table"), let end = page.range(of: "</table>\n", options: .backwards) {
              html = String(page[start.lowerBound..<end.upperBound])
            } else {
              html = page
            }
            results.append(.table(markdown: markdown, html: html))
          } else if sub == "plot" && !hasOutput {
            plots += 1
            let svg = try runCaptured(words)
            let file = "plot-\(plots).svg"
            try writeOutput(Data(svg.utf8), to: (work as NSString).appendingPathComponent(file))
            results.append(.plot(path: filesName + "/" + file, svg: svg))
          } else {
            results.append(.text(try runCaptured(words)))
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
    try writeOutput(Data(document.markdown(outputs: outputs).utf8), to: (out as NSString).appendingPathComponent(name + ".md"))
    try writeOutput(
      Data(document.html(title: title, outputs: outputs).utf8), to: (out as NSString).appendingPathComponent(name + ".html"))
    if chatty { progress("wrote \(out)/\(name).md and \(out)/\(name).html") }
  }

  /// Parses and runs one strata command in this process, returning what it wrote to standard output.
  func runCaptured(_ arguments: [String]) throws -> String {
    var command = try StrataCommand.parseAsRoot(arguments)
    let outer = Invocation.arguments
    Invocation.arguments = arguments
    defer { Invocation.arguments = outer }
    return try captureStandardOutput { try command.run() }
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

