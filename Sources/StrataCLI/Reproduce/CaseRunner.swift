import ArgumentParser
import Foundation
import Strata

/// One printed number set against the value Strata computes for it.
struct ItemOutcome: Sendable {
  enum Match: String, Sendable {
    case yes, no
    /// The case gives no JSON path: the number is recorded but Strata does not compute it.
    case notCompared = "not compared"
    /// The command's output has nothing at the path.
    case missing
  }

  /// `coefficients[term=educ].estimate`, or a statistic's path.
  var item: String
  /// How the report names it: `educ estimate`, `R-squared`.
  var label: String
  var printed: PrintedNumber
  var computed: Double?
  var rule: MatchRule
  /// The exception's reason when the rule is not the default.
  var exception: String?
  var match: Match
  var note: String?

  var difference: Double? { computed.map { abs($0 - printed.value) } }
}

/// What happened to one case.
struct CaseOutcome: Sendable {
  enum Status: Sendable {
    case passed
    case failed
    /// A command the case needs is not part of this build (`strata fit iv`).
    case skipped(reason: String)
    /// The command or the case could not run.
    case error(String)

    var word: String {
      switch self {
      case .passed: return "pass"
      case .failed: return "FAIL"
      case .skipped: return "skipped"
      case .error: return "ERROR"
      }
    }
  }

  var entry: PublishedRegistry.Entry
  var status: Status
  var items: [ItemOutcome]

  var isFailure: Bool {
    switch status {
    case .failed, .error: return true
    case .passed, .skipped: return false
    }
  }
}

/// Runs published cases in this process: parses each stored command with `strata`'s own
/// ArgumentParser commands, runs it with `--format json`, captures that JSON instead of printing
/// it, and compares every printed number with the computed one.
enum CaseRunner {
  /// Runs one case.
  static func run(_ entry: PublishedRegistry.Entry) -> CaseOutcome {
    let c = entry.testCase
    if let missing = (c.requires ?? []).first(where: { !commandExists($0) }) {
      return CaseOutcome(
        entry: entry, status: .skipped(reason: "model not available: this build has no `strata \(missing)`"), items: [])
    }
    let planned: [PlannedItem]
    let words: [String]
    do {
      planned = try plan(c)
      words = try commandWords(c, base: entry.base)
    } catch {
      return CaseOutcome(entry: entry, status: .error(message(for: error)), items: [])
    }
    let output: String
    do {
      output = try execute(words)
    } catch {
      return CaseOutcome(entry: entry, status: .error("the command failed: " + message(for: error)), items: [])
    }
    guard let document = JSONTree.parse(output) else {
      return CaseOutcome(entry: entry, status: .error("the command's output is not JSON"), items: [])
    }
    let items = planned.map { p -> ItemOutcome in
      var outcome = ItemOutcome(
        item: p.path?.description ?? p.label, label: p.label, printed: p.printed, computed: nil, rule: p.rule,
        exception: p.exception, match: .notCompared, note: p.note)
      guard let path = p.path else { return outcome }
      guard let value = document.value(at: path)?.number else {
        outcome.match = .missing
        outcome.note = "no number at \(path) in the command's JSON output"
        return outcome
      }
      outcome.computed = value
      outcome.match = p.rule.matches(value, p.printed) ? .yes : .no
      return outcome
    }
    let failed = items.contains { $0.match == .no || $0.match == .missing }
    return CaseOutcome(entry: entry, status: failed ? .failed : .passed, items: items)
  }

  /// A printed number, where to find its computed value, and the rule that compares them.
  struct PlannedItem {
    var label: String
    var printed: PrintedNumber
    var path: JSONPath?
    var rule: MatchRule
    var exception: String?
    var note: String?
  }

  /// Every printed number of a case with its path and rule (exceptions applied).
  static func plan(_ c: PublishedCase) throws -> [PlannedItem] {
    var items: [PlannedItem] = []
    func number(_ text: String, _ what: String) throws -> PrintedNumber {
      guard let n = PrintedNumber(parsing: text) else { throw CaseError.badNumber(text: text, item: what) }
      return n
    }
    func rows(_ rows: [PublishedCase.Row]?, array: String, field: String) throws {
      for row in rows ?? [] {
        guard let name = field == "term" ? row.term : row.variable else { throw CaseError.rowWithoutName(array: array, field: field) }
        for (key, text) in [("estimate", row.estimate), ("std_error", row.stdError)] {
          guard let text else { continue }
          let label = "\(name) \(key == "estimate" ? "estimate" : "std. error")"
          items.append(
            PlannedItem(
              label: label, printed: try number(text, label), path: .row(array, field: field, value: name, key: key),
              rule: .halfUnit))
        }
      }
    }
    try rows(c.printed.coefficients, array: "coefficients", field: "term")
    try rows(c.printed.estimates, array: "estimates", field: "variable")
    for s in c.printed.statistics ?? [] {
      var path: JSONPath?
      if let text = s.path {
        guard let parsed = JSONPath(parsing: text) else { throw CaseError.badPath(text) }
        path = parsed
      }
      items.append(PlannedItem(label: s.name, printed: try number(s.printed, s.name), path: path, rule: .halfUnit, note: s.reason))
    }
    if let t = c.tolerance {
      for i in items.indices {
        items[i].rule = .relative(t.relative)
        items[i].exception = t.reason
      }
    }
    for e in c.exceptions ?? [] {
      guard let i = items.firstIndex(where: { $0.path?.description == e.item || $0.label == e.item }) else {
        throw CaseError.exceptionWithoutItem(e.item)
      }
      if let units = e.units {
        items[i].rule = .units(units)
      } else if let digits = e.significantDigits {
        items[i].rule = .significantDigits(digits)
      } else {
        throw CaseError.exceptionWithoutAllowance(e.item)
      }
      items[i].exception = e.reason
    }
    return items
  }

  /// The stored command as arguments for `strata` (without the program name), data paths made
  /// absolute against the registry's base directory, output forced to JSON.
  static func commandWords(_ c: PublishedCase, base: URL) throws -> [String] {
    var words = shellWords(c.command)
    guard words.first == "strata", words.count > 1 else { throw CaseError.notStrata(c.command) }
    words.removeFirst()
    if words.first == "reproduce" { throw CaseError.forbidden(option: "reproduce", command: c.command) }
    for word in words {
      for option in ["--format", "--output", "-o", "--save"] where word == option || word.hasPrefix(option + "=") {
        throw CaseError.forbidden(option: option, command: c.command)
      }
    }
    for i in words.indices where i > 0 && ["--data", "--design"].contains(words[i - 1]) {
      if !words[i].hasPrefix("/") { words[i] = base.appendingPathComponent(words[i]).path }
    }
    return words + ["--format", "json"]
  }

  /// Parses and runs `arguments` with the `strata` command tree, returning what it wrote.
  static func execute(_ arguments: [String]) throws -> String {
    var command = try StrataCommand.parseAsRoot(arguments)
    let capture = OutputCapture()
    try OutputCapture.$current.withValue(capture) { try TextWidthOptions.running(command) { try command.run() } }
    return capture.text
  }

  /// Whether `strata` has the command path `words` (`"fit iv"`).
  static func commandExists(_ path: String) -> Bool {
    var current: [ParsableCommand.Type] = StrataCommand.configuration.subcommands
    for word in path.split(separator: " ") {
      guard let found = current.first(where: { ($0.configuration.commandName ?? $0._commandName) == word }) else {
        return false
      }
      current = found.configuration.subcommands
    }
    return true
  }

  static func message(for error: Error) -> String {
    ErrorMessage.render(error) ?? (error as? CaseError)?.description ?? StrataCommand.message(for: error)
  }
}

/// Problems of a case file (reported against the case; the run goes on with the other cases).
enum CaseError: Error, CustomStringConvertible {
  case badNumber(text: String, item: String)
  case badPath(String)
  case rowWithoutName(array: String, field: String)
  case exceptionWithoutItem(String)
  case exceptionWithoutAllowance(String)
  case notStrata(String)
  case forbidden(option: String, command: String)

  var description: String {
    switch self {
    case .badNumber(let text, let item): return "printed number '\(text)' of \(item) is not a number"
    case .badPath(let p): return "'\(p)' is not a JSON path (keys joined by '.', rows picked with [field=value])"
    case .rowWithoutName(let array, let field): return "a row of printed \(array) has no '\(field)'"
    case .exceptionWithoutItem(let item): return "the exception for '\(item)' names no printed number of the case"
    case .exceptionWithoutAllowance(let item): return "the exception for '\(item)' gives neither units nor significant_digits"
    case .notStrata(let command): return "the command must start with 'strata': \(command)"
    case .forbidden(let option, let command):
      return "the stored command may not use \(option) (reproduce sets the output itself): \(command)"
    }
  }
}

