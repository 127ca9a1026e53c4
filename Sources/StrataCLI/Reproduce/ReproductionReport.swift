import Foundation
import Strata

/// The verification report of `strata reproduce`: printed against computed, case by case, in text,
/// JSON or Markdown, all drawn from the same `Table`s.
enum ReproductionReport {
  /// Counts of the outcomes.
  struct Summary {
    var cases = 0, passed = 0, failed = 0, skipped = 0, errors = 0

    init(_ outcomes: [CaseOutcome]) {
      cases = outcomes.count
      for o in outcomes {
        switch o.status {
        case .passed: passed += 1
        case .failed: failed += 1
        case .skipped: skipped += 1
        case .error: errors += 1
        }
      }
    }

    var line: String {
      "\(cases) case\(cases == 1 ? "" : "s"): \(passed) passed, \(failed) failed, \(skipped) skipped, \(errors) error\(errors == 1 ? "" : "s")"
    }
  }

  /// The printed-against-computed table of one case.
  static func table(_ o: CaseOutcome) -> Table {
    var table = Table(columns: [
      Table.Column("item", alignment: .left), Table.Column("printed"), Table.Column("computed"), Table.Column("within"),
      Table.Column("match", alignment: .left),
    ])
    var marks: [String] = []
    // Exceptions are listed once per rule and reason (a case-wide tolerance covers every item).
    var exceptions: [(key: String, labels: [String], text: String)] = []
    for item in o.items {
      var match = item.match.rawValue
      if let exception = item.exception, item.match != .notCompared {
        let text = "\(item.rule.label); \(exception)"
        if let i = exceptions.firstIndex(where: { $0.key == text }) {
          exceptions[i].labels.append(item.label)
        } else {
          exceptions.append((text, [item.label], text))
        }
        match += " *"
      }
      if item.match == .notCompared, let note = item.note { marks.append("- \(item.label): not compared; \(note)") }
      if item.match == .missing, let note = item.note { marks.append("- \(item.label): \(note)") }
      table.rows.append([
        item.label, item.printed.text, item.computed.map { item.printed.showing($0) } ?? "",
        item.match == .notCompared ? "" : "±" + String(format: "%.2g", item.rule.allowance(for: item.printed)), match,
      ])
    }
    let compared = o.items.filter { $0.match != .notCompared }.count
    marks =
      exceptions.map { e in
        "* \(e.labels.count == compared && compared > 1 ? "every number" : e.labels.joined(separator: ", ")): \(e.text)"
      } + marks
    table.notes = marks
    return table
  }

  /// Plain text for a terminal.
  static func text(_ outcomes: [CaseOutcome], registry: String) -> String {
    var out = "Published estimates re-derived by Strata (registry: \(registry))\n"
    for o in outcomes {
      let c = o.entry.testCase
      out += "\n[\(o.status.word)] \(c.id)\n"
      out += "  \(c.citation.text)\n"
      if let printedIn = c.citation.printedIn { out += "  printed in: \(printedIn)\n" }
      out += "  $ \(c.command)\n"
      switch o.status {
      case .skipped(let reason): out += "  skipped: \(reason)\n"
      case .error(let message): out += "  error: \(message)\n"
      case .passed, .failed:
        out += TextRenderer.render(table(o)).split(separator: "\n", omittingEmptySubsequences: false)
          .map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
      }
    }
    out += "\n" + Summary(outcomes).line + "\n"
    return out
  }

  /// Markdown: a summary table, then one section per case.
  static func markdown(_ outcomes: [CaseOutcome], registry: String) -> String {
    var out = "# Published estimates re-derived by Strata\n\nRegistry: `\(registry)`. \(Summary(outcomes).line).\n\n"
    out += "| case | source | status |\n|---|---|---|\n"
    for o in outcomes {
      out += "| `\(o.entry.testCase.id)` | \(escape(o.entry.testCase.citation.text)) | \(statusText(o.status)) |\n"
    }
    for o in outcomes {
      let c = o.entry.testCase
      out += "\n## `\(c.id)`: \(statusText(o.status))\n\n\(escape(c.citation.text))"
      if let printedIn = c.citation.printedIn { out += "; printed in \(escape(printedIn))" }
      out += ".\n\n```sh\n\(c.command)\n```\n"
      if case .passed = o.status {} else if case .failed = o.status {} else { continue }
      let t = table(o)
      out += "\n| " + t.columns.map(\.header).joined(separator: " | ") + " |\n"
      out += "|" + t.columns.map { $0.alignment == .left ? "---|" : "---:|" }.joined() + "\n"
      for row in t.rows { out += "| " + row.map(escape).joined(separator: " | ") + " |\n" }
      if !t.notes.isEmpty { out += "\n" + t.notes.map { escape($0) + "\n" }.joined(separator: "\n") }
    }
    return out
  }

  /// JSON: every case with its status and every item's printed, computed and allowed values.
  static func json(_ outcomes: [CaseOutcome], registry: String) -> JSONValue {
    let s = Summary(outcomes)
    let cases: [JSONValue] = outcomes.map { o in
      let c = o.entry.testCase
      var pairs: [(String, JSONValue)] = [
        ("id", .string(c.id)), ("file", .string(o.entry.file)),
        (
          "citation",
          .object([
            ("work", .string(c.citation.work)), ("location", .string(c.citation.location)),
            ("page", c.citation.page.map(JSONValue.string) ?? .null),
            ("printed_in", c.citation.printedIn.map(JSONValue.string) ?? .null),
          ])
        ),
        ("command", .string(c.command)), ("status", .string(statusKey(o.status))),
      ]
      switch o.status {
      case .skipped(let reason), .error(let reason): pairs.append(("reason", .string(reason)))
      case .passed, .failed: pairs.append(("reason", .null))
      }
      pairs.append(
        (
          "items",
          .array(
            o.items.map { item in
              .object([
                ("item", .string(item.item)), ("label", .string(item.label)), ("printed", .string(item.printed.text)),
                ("printed_value", .num(item.printed.value)), ("computed", .num(item.computed)),
                ("difference", .num(item.difference)),
                ("allowed", item.match == .notCompared ? .null : .num(item.rule.allowance(for: item.printed))),
                ("rule", .string(item.rule.label)), ("exception", item.exception.map(JSONValue.string) ?? .null),
                ("match", .string(item.match.rawValue)), ("note", item.note.map(JSONValue.string) ?? .null),
              ])
            })
        ))
      return .object(pairs)
    }
    return .object([
      ("registry", .string(registry)),
      (
        "summary",
        .object([
          ("cases", .int(s.cases)), ("passed", .int(s.passed)), ("failed", .int(s.failed)), ("skipped", .int(s.skipped)),
          ("errors", .int(s.errors)),
        ])
      ),
      ("cases", .array(cases)),
    ])
  }

  /// `strata reproduce list`: one line per case.
  static func list(_ registry: PublishedRegistry) -> Table {
    var table = Table(columns: [
      Table.Column("id", alignment: .left), Table.Column("model", alignment: .left), Table.Column("numbers"),
      Table.Column("example", alignment: .left), Table.Column("needs", alignment: .left),
    ])
    for e in registry.entries {
      let c = e.testCase
      let count =
        (c.printed.coefficients ?? []).reduce(0) { $0 + ($1.estimate == nil ? 0 : 1) + ($1.stdError == nil ? 0 : 1) }
        + (c.printed.estimates ?? []).reduce(0) { $0 + ($1.estimate == nil ? 0 : 1) + ($1.stdError == nil ? 0 : 1) }
        + (c.printed.statistics ?? []).count
      let needs = (c.requires ?? []).map { CaseRunner.commandExists($0) ? "strata \($0)" : "strata \($0) (not in this build)" }
      table.rows.append([c.id, c.model ?? "", String(count), c.citation.location, needs.joined(separator: ", ")])
    }
    table.notes = ["\(registry.entries.count) cases in \(registry.directory)"]
    return table
  }

  private static func statusKey(_ s: CaseOutcome.Status) -> String {
    switch s {
    case .passed: return "passed"
    case .failed: return "failed"
    case .skipped: return "skipped"
    case .error: return "error"
    }
  }

  private static func statusText(_ s: CaseOutcome.Status) -> String {
    switch s {
    case .passed: return "pass"
    case .failed: return "**FAIL**"
    case .skipped(let reason): return "skipped: " + reason
    case .error(let message): return "**error**: " + message
    }
  }

  private static func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
}
