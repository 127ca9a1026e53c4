import ArgumentParser
import Foundation

/// "Did you mean": the closest known word to a misspelled subcommand or option value.
///
///     DidYouMean.closest(to: "probt", among: ["logit", "probit"])  // "probit"
enum DidYouMean {
  /// Edit distance (insertions, deletions, substitutions and swaps of neighbours) between `a` and `b`.
  static func distance(_ a: String, _ b: String) -> Int {
    let s = Array(a.lowercased())
    let t = Array(b.lowercased())
    if s.isEmpty || t.isEmpty { return max(s.count, t.count) }
    var d = [[Int]](repeating: [Int](repeating: 0, count: t.count + 1), count: s.count + 1)
    for i in 0...s.count { d[i][0] = i }
    for j in 0...t.count { d[0][j] = j }
    for i in 1...s.count {
      for j in 1...t.count {
        let cost = s[i - 1] == t[j - 1] ? 0 : 1
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
      }
    }
    return d[s.count][t.count]
  }

  /// The candidate nearest to `word`, when it is near enough to be a slip: at most 2 edits and
  /// fewer than half the word's letters (ties: the first candidate).
  static func closest(to word: String, among candidates: [String]) -> String? {
    let limit = min(2, max(1, (word.count - 1) / 2))
    let scored = candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= limit && $0.0 != word }
    return scored.min { $0.1 < $1.1 }?.0
  }

  /// The message for a parse error that names an unknown subcommand or an invalid option value
  /// close to a known one, or nil. `arguments` is the command line without the program name.
  static func message(for error: Error, arguments: [String]) -> String? {
    // A misspelled subcommand: the first word after the deepest command named that is neither a
    // subcommand nor an option, when that command has subcommands.
    var command: ParsableCommand.Type = StrataCommand.self
    var rest = arguments[...]
    while let argument = rest.first,
      let next = command.configuration.subcommands.first(where: { name(of: $0) == argument || $0.configuration.aliases.contains(argument) })
    {
      command = next
      rest = rest.dropFirst()
    }
    let names = command.configuration.subcommands.map(name(of:))
    if !names.isEmpty, let word = rest.first, !word.hasPrefix("-") {
      guard let best = closest(to: word, among: names) else { return nil }
      let path = (["strata"] + commandPath(to: command)).joined(separator: " ")
      return "'\(word)' is not a \(path) subcommand; did you mean '\(best)'? (\(path) --help lists them: \(names.joined(separator: ", ")))"
    }
    let text = StrataCommand.message(for: error)
    // swift-argument-parser: "The value 'x' is invalid for '--flag <v>'. Please provide one of the following:\n  - a\n  - b"
    // (or "one of 'a', 'b' and 'c'." for short lists).
    if text.hasPrefix("The value "), let value = firstQuoted(text), let range = text.range(of: "one of ") {
      let tail = String(text[range.upperBound...])
      let dashed = tail.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("- ") }
        .map { String($0.dropFirst(2)) }
      let candidates = dashed.isEmpty ? quotedWords(tail) : dashed
      let flag = text.range(of: "for '").map { String(text[$0.upperBound...].prefix { $0 != " " && $0 != "'" }) } ?? "the option"
      guard let best = closest(to: value, among: candidates) else { return nil }
      return "\(flag): '\(value)' is not one of \(candidates.joined(separator: ", ")); did you mean '\(best)'?"
    }
    // Our own: "--margins: 'dydz' is not one of dydx, eyex, eydx, dyex".
    if let value = firstQuoted(text), let range = text.range(of: "is not one of ") {
      let candidates = text[range.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
      guard let best = closest(to: value, among: candidates) else { return nil }
      return text + "; did you mean '\(best)'?"
    }
    return nil
  }

  private static func name(of command: ParsableCommand.Type) -> String {
    command.configuration.commandName ?? String(describing: command).lowercased()
  }

  private static func commandPath(to target: ParsableCommand.Type) -> [String] {
    func search(_ command: ParsableCommand.Type, _ path: [String]) -> [String]? {
      if command == target { return path }
      for sub in command.configuration.subcommands {
        if let found = search(sub, path + [name(of: sub)]) { return found }
      }
      return nil
    }
    return search(StrataCommand.self, []) ?? []
  }

  private static func firstQuoted(_ text: String) -> String? { quotedWords(text).first }

  private static func quotedWords(_ text: String) -> [String] {
    var words: [String] = []
    var current: String?
    for ch in text {
      if ch == "'" {
        if let c = current {
          words.append(c)
          current = nil
        } else {
          current = ""
        }
      } else if current != nil {
        current?.append(ch)
      }
    }
    return words
  }
}
