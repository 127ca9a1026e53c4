/// A literate notebook: Markdown whose fenced `strata` blocks hold Strata commands.
///
/// ```markdown
/// Some prose.
///
/// ```strata
/// strata fit ols 'lwage ~ educ' --data datasets/wage1.csv --save $WORK/ols.json
/// strata table $WORK/ols.json
/// ```
/// ```
/// A command may continue on the next line after a trailing backslash; lines starting with `#`
/// are comments. Other fenced blocks (`console`, ...) are kept as they are.
public struct NotebookDocument: Sendable {
  /// One command of a block, with the notebook line it starts on (1-based).
  public struct Command: Sendable {
    public var line: Int
    public var text: String
  }

  /// One fenced `strata` block.
  public struct Block: Sendable {
    /// 1-based position among the notebook's `strata` blocks.
    public var number: Int
    /// The line of the opening fence (1-based).
    public var line: Int
    /// The block's lines as written.
    public var source: [String]
    public var commands: [Command]
  }

  /// Prose (with any non-`strata` fenced blocks) or a `strata` block, in notebook order.
  public enum Part: Sendable {
    case markdown([String])
    case block(Block)
  }

  public var parts: [Part]

  /// The front matter's lines, `---` fences included: a notebook may open with a YAML-style
  /// block of `key: value` lines (and `#` comments) between two `---` lines. The Markdown report keeps it as
  /// written; the HTML page leaves it out.
  public var frontMatterLines: [String] = []

  /// The front matter's `key: value` pairs (keys and values trimmed, quotes removed).
  public var frontMatter: [String: String] {
    var pairs: [String: String] = [:]
    for line in frontMatterLines.dropFirst().dropLast() {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = line[..<colon].trimmingCharacters(in: .whitespaces)
      var value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
        value = String(value.dropFirst().dropLast())
      }
      if !key.isEmpty && !key.hasPrefix("#") { pairs[key] = value }
    }
    return pairs
  }

  /// The `strata` blocks in order.
  public var blocks: [Block] {
    parts.compactMap {
      if case .block(let b) = $0 { return b }
      return nil
    }
  }

  /// Splits a notebook's text into prose and `strata` blocks.
  public init(parsing text: String) {
    var lines = text.components(separatedBy: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
    var front: [String] = []
    if lines.first?.trimmingCharacters(in: .whitespaces) == "---",
      let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }),
      lines[1..<end].allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty || $0.hasPrefix("#") || $0.contains(":") })
    {
      front = Array(lines[...end])
      // Keep line numbers: the front matter's lines become empty prose lines.
      for i in 0...end { lines[i] = "" }
    }
    var parts: [Part] = []
    var prose: [String] = []
    var block: Block?
    var otherFence: String?
    var number = 0
    for (i, line) in lines.enumerated() {
      if var current = block {
        if line.trimmingCharacters(in: .whitespaces) == "```" {
          current.commands = Self.commands(current.source, firstLine: current.line + 1)
          parts.append(.block(current))
          block = nil
        } else {
          current.source.append(line)
          block = current
        }
        continue
      }
      if let fence = otherFence {
        prose.append(line)
        if line.trimmingCharacters(in: .whitespaces) == fence { otherFence = nil }
        continue
      }
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed == "```strata" || trimmed.hasPrefix("```strata ") || trimmed.hasPrefix("```{strata}") {
        if !prose.isEmpty { parts.append(.markdown(prose)) }
        prose = []
        number += 1
        block = Block(number: number, line: i + 1, source: [], commands: [])
      } else if trimmed.hasPrefix("```") {
        otherFence = "```"
        prose.append(line)
      } else {
        prose.append(line)
      }
    }
    if let current = block { prose = ["```strata"] + current.source + prose }
    while prose.last == "" { prose.removeLast() }
    if !front.isEmpty {
      // The blanked front-matter lines at the top are not prose.
      if case .markdown(let first)? = parts.first {
        let rest = Array(first.dropFirst(front.count).drop { $0.isEmpty })
        if rest.isEmpty { parts.removeFirst() } else { parts[0] = .markdown(rest) }
      } else if parts.isEmpty {
        prose = Array(prose.dropFirst(front.count).drop { $0.isEmpty })
      }
    }
    if !prose.isEmpty { parts.append(.markdown(prose)) }
    self.parts = parts
    self.frontMatterLines = front
  }

  /// Commands of a block: continuation lines joined, comments and blank lines skipped,
  /// a leading `$ ` prompt removed.
  static func commands(_ source: [String], firstLine: Int) -> [Command] {
    var out: [Command] = []
    var pending: Command?
    for (offset, raw) in source.enumerated() {
      var line = raw.trimmingCharacters(in: .whitespaces)
      if pending == nil {
        if line.isEmpty || line.hasPrefix("#") { continue }
        if line.hasPrefix("$ ") { line = String(line.dropFirst(2)) }
      }
      let continues = line.hasSuffix("\\")
      if continues { line = String(line.dropLast()).trimmingCharacters(in: .whitespaces) }
      if var p = pending {
        p.text += " " + line
        pending = p
      } else {
        pending = Command(line: firstLine + offset, text: line)
      }
      if !continues, let p = pending {
        out.append(p)
        pending = nil
      }
    }
    if let p = pending { out.append(p) }
    return out
  }
}

/// What one notebook command produced.
public enum NotebookOutput: Sendable {
  /// Plain text, shown as a code block.
  case text(String)
  /// A model table in Markdown and as an HTML `<table>`.
  case table(markdown: String, html: String)
  /// An SVG plot, saved beside the report as `path` (relative to the report).
  case plot(path: String, svg: String)
}
