import ArgumentParser
import Foundation
import Strata

/// Formats of the verification report.
enum ReproduceFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json, markdown
}

/// Where the registry is and how to print the report.
struct ReproduceOptions: ParsableArguments {
  @Option(help: "Directory of registry files (*.json, one per source).")
  var registry: String = "datasets/published"

  @Option(help: "Report format.")
  var format: ReproduceFormat = .text

  @Option(name: [.short, .long], help: "Write the report to this file instead of standard output.")
  var output: String?

  @OptionGroup var textWidth: TextWidthOptions

  func write(_ text: String) throws {
    let text = format == .text ? TextLayout.fit(text, width: textWidth.width) : text
    if let output {
      try OutputFile.write(Data(text.utf8), to: output)
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }
}

/// `strata reproduce list | ID... | --all`: re-derives published estimates and checks them.
struct ReproduceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reproduce",
    abstract: "Re-derive published estimates (textbooks, R documentation) and check them against the printed numbers.",
    discussion: """
      Each case of the registry (datasets/published/*.json) stores a citation, the strata command and \
      the numbers as printed. The command runs in this process; every printed number must lie within \
      half a unit of its last printed digit of the computed value, unless the case states an exception \
      and its reason. The exit status is non-zero when any case fails. Cases needing a command this \
      build lacks (such as strata fit iv) are reported as skipped.

      Examples:
        strata reproduce list
        strata reproduce --all
      """,
    subcommands: [ReproduceRunCommand.self, ReproduceListCommand.self],
    defaultSubcommand: ReproduceRunCommand.self)
}

/// `strata reproduce [run] ID... | --all`.
struct ReproduceRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Run cases by id, or every case with --all (the default subcommand).")

  @Argument(help: "Case ids (see `strata reproduce list`).")
  var ids: [String] = []

  @Flag(help: "Run every case of the registry.")
  var all = false

  @OptionGroup var options: ReproduceOptions

  func validate() throws {
    if all && !ids.isEmpty { throw ValidationError("give case ids or --all, not both") }
    if !all && ids.isEmpty { throw ValidationError("name the cases to run (see `strata reproduce list`) or pass --all") }
  }

  func run() throws {
    let registry = try PublishedRegistry.load(directory: options.registry)
    let entries = all ? registry.entries : try registry.entries(ids: ids)
    let outcomes = entries.map(CaseRunner.run)
    switch options.format {
    case .text: try options.write(ReproductionReport.text(outcomes, registry: options.registry))
    case .markdown: try options.write(ReproductionReport.markdown(outcomes, registry: options.registry))
    case .json: try options.write(ReproductionReport.json(outcomes, registry: options.registry).serialized() + "\n")
    }
    if outcomes.contains(where: \.isFailure) { throw ExitCode(1) }
  }
}

/// `strata reproduce list`.
struct ReproduceListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "list", abstract: "List the cases of the registry.")

  @OptionGroup var options: ReproduceOptions

  func run() throws {
    let registry = try PublishedRegistry.load(directory: options.registry)
    let table = ReproductionReport.list(registry)
    switch options.format {
    case .text: try options.write(TextRenderer.render(table))
    case .markdown:
      var out = "| " + table.columns.map(\.header).joined(separator: " | ") + " |\n"
      out += "|" + table.columns.map { _ in "---|" }.joined() + "\n"
      for row in table.rows { out += "| " + row.joined(separator: " | ") + " |\n" }
      try options.write(out)
    case .json:
      let rows: [JSONValue] = table.rows.map { row in
        .object(zip(table.columns, row).map { ($0.header, .string($1)) })
      }
      try options.write(JSONValue.object([("registry", .string(registry.directory)), ("cases", .array(rows))]).serialized() + "\n")
    }
  }
}
