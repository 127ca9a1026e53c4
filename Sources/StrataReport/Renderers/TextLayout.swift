/// Fitting prose lines of the text reports into a terminal's width.
///
/// The width is a task-local value (`TextLayout.$width.withValue(60) { ... }`): the command line
/// sets it from `--width` around one command, and every text renderer and report reads it as its
/// default, so a report need not pass it down. Zero (or less) means no limit.
public enum TextLayout {
  /// The width text output keeps to (columns, East Asian characters counting two).
  public static let defaultWidth = 100

  /// The width text output is fitted to while the current task runs (`--width`); 0 or less for
  /// no limit. Markdown, HTML, CSV and JSON are never fitted.
  @TaskLocal public static var width: Int = defaultWidth

  /// `label` followed by `text`, wrapped to `width` columns: breaks go before ` + ` (formulas) or
  /// at spaces, continuation lines are indented under the text. A word longer than the room
  /// left stays whole on its own line. Ends with a newline.
  ///
  ///     TextLayout.labelled("Formula:     ", "y ~ a + b + c", width: 20)
  ///     // "Formula:     y ~ a\n             + b + c\n"
  public static func labelled(_ label: String, _ text: String, width: Int = TextLayout.width) -> String {
    let indent = String(repeating: " ", count: displayWidth(label))
    if width <= 0 || displayWidth(label) + displayWidth(text) <= width { return label + text + "\n" }
    // Pieces: split at spaces, then glue "+" to the word after it so a break comes before "+ term".
    var pieces: [String] = []
    var pendingPlus = false
    for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
      if pendingPlus {
        pieces.append("+ " + word)
        pendingPlus = false
      } else if word == "+" {
        pendingPlus = true
      } else {
        pieces.append(word)
      }
    }
    if pendingPlus { pieces.append("+") }
    var lines: [String] = []
    var current = ""
    for piece in pieces {
      let room = width - indent.count
      if current.isEmpty {
        current = piece
      } else if displayWidth(current) + 1 + displayWidth(piece) <= room {
        current += " " + piece
      } else {
        lines.append(current)
        current = piece
      }
    }
    if !current.isEmpty { lines.append(current) }
    return label + lines.joined(separator: "\n" + indent) + "\n"
  }

  /// One line of prose wrapped at word boundaries into lines of at most `width` columns.
  ///
  /// An `=` is kept with the words on both sides. Continuation lines hang under the text: after a leading label such as `Design:  ` or
  /// `First stage: ` (one or two words ending in `:` followed by spaces, within the first 24
  /// columns and half the width), otherwise
  /// at the line's own indentation. A word wider than the room (a long path) is cut at the
  /// width; nothing is dropped. A line that fits is returned unchanged.
  ///
  ///     TextLayout.wrap("Note: the instruments are strong", width: 20)
  ///     // ["Note: the", "      instruments", "      are strong"]
  public static func wrap(_ line: String, width: Int = TextLayout.width) -> [String] {
    guard width > 0, displayWidth(line) > width else { return [line] }
    let leading = String(line.prefix { $0 == " " })
    var hang = leading.count
    var body = String(line.dropFirst(leading.count))
    var first = leading
    if let label = labelPrefix(body), leading.count + displayWidth(label) <= min(24, width / 2) {
      first += label
      hang += displayWidth(label)
      body = String(body.dropFirst(label.count))
    }
    if hang > width / 2 { hang = min(leading.count, width / 2) }
    let indent = String(repeating: " ", count: hang)
    var lines: [String] = []
    var current = first
    var currentHasWord = false
    for word in unbreakable(body) {
      var word = word
      let separator = currentHasWord ? " " : ""
      if displayWidth(current) + displayWidth(separator) + displayWidth(word) <= width {
        current += separator + word
        currentHasWord = true
        continue
      }
      if currentHasWord {
        lines.append(current)
        current = indent
      }
      // The word starts a line; cut it while it is wider than the room.
      while displayWidth(current) + displayWidth(word) > width {
        let (head, tail) = split(word, columns: max(1, width - displayWidth(current)))
        lines.append(current + head)
        current = indent
        word = tail
      }
      current += word
      currentHasWord = !word.isEmpty
    }
    if currentHasWord || lines.isEmpty { lines.append(current) }
    return lines.map { trimmingTrailingSpaces($0) }
  }

  /// Every line of `text` longer than `width` wrapped by `wrap(_:width:)`; lines that fit are
  /// unchanged, and so is a final newline. With a width of 0 or less, `text` unchanged.
  public static func fit(_ text: String, width: Int = TextLayout.width) -> String {
    guard width > 0 else { return text }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard lines.contains(where: { displayWidth($0) > width }) else { return text }
    return lines.flatMap { wrap($0, width: width) }.joined(separator: "\n")
  }

  /// `name` in at most `width` columns, Stata's way: the start and the end kept, a `~` between
  /// (`factor(region)Northeast` in 12 columns is `factor~heast`). Names that fit are unchanged.
  public static func abbreviate(_ name: String, width: Int) -> String {
    guard width > 0, displayWidth(name) > width else { return name }
    guard width > 2 else { return split(name, columns: width).head }
    let characters = Array(name)
    let headRoom = (width - 1 + 1) / 2
    let tailRoom = width - 1 - headRoom
    var head = ""
    for c in characters {
      if displayWidth(head + String(c)) > headRoom { break }
      head.append(c)
    }
    var tail = ""
    for c in characters.reversed() {
      if displayWidth(String(c) + tail) > tailRoom { break }
      tail.insert(c, at: tail.startIndex)
    }
    return head + "~" + tail
  }

  /// A table cell of text in at most `width` columns, on as many lines as it needs: text with
  /// spaces (labels, "Female (女性)") wraps at word boundaries, the way modelsummary wraps a
  /// label column; a single word (a variable or term name) is abbreviated with `~` the way
  /// Stata abbreviates names, so a coefficient keeps one line.
  public static func cellLines(_ text: String, width: Int) -> [String] {
    guard width > 0, displayWidth(text) > width else { return [text] }
    if text.contains(" ") { return wrap(text, width: width) }
    return [abbreviate(text, width: width)]
  }

  /// The words of `s`, an `=` kept with the words on both sides (`p-value = 0.0217` stays on
  /// one line).
  static func unbreakable(_ s: String) -> [String] {
    var words: [String] = []
    var glueNext = false
    for word in s.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
      if word == "=", !words.isEmpty {
        words[words.count - 1] += " ="
        glueNext = true
      } else if glueNext {
        words[words.count - 1] += " " + word
        glueNext = false
      } else {
        words.append(word)
      }
    }
    return words
  }

  /// `Label:` (one or two words) followed by spaces at the start of `s` (with the spaces), or nil.
  static func labelPrefix(_ s: String) -> String? {
    guard let colon = s.firstIndex(of: ":") else { return nil }
    let word = s[..<colon]
    guard !word.isEmpty, word.filter({ $0 == " " }).count <= 1, word.first?.isLetter == true else { return nil }
    var end = s.index(after: colon)
    guard end < s.endIndex, s[end] == " " else { return nil }
    while end < s.endIndex, s[end] == " " { end = s.index(after: end) }
    return String(s[..<end])
  }

  /// `s` cut after at most `columns` display columns (at least one character).
  static func split(_ s: String, columns: Int) -> (head: String, tail: String) {
    var head = ""
    var rest = Substring(s)
    while let c = rest.first, head.isEmpty || displayWidth(head + String(c)) <= columns {
      head.append(c)
      rest = rest.dropFirst()
    }
    return (head, String(rest))
  }

  static func trimmingTrailingSpaces(_ s: String) -> String {
    var s = s
    while s.hasSuffix(" ") { s.removeLast() }
    return s
  }
}
