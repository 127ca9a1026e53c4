/// Fitting prose lines of the text reports into a terminal's width.
public enum TextLayout {
  /// The width text output keeps to (columns, East Asian characters counting two).
  public static let defaultWidth = 100

  /// `label` followed by `text`, wrapped to `width` columns: breaks go before ` + ` (formulas) or
  /// at spaces, continuation lines are indented under the text. A word longer than the room
  /// left stays whole on its own line. Ends with a newline.
  ///
  ///     TextLayout.labelled("Formula:     ", "y ~ a + b + c", width: 20)
  ///     // "Formula:     y ~ a\n             + b + c\n"
  public static func labelled(_ label: String, _ text: String, width: Int = defaultWidth) -> String {
    let indent = String(repeating: " ", count: displayWidth(label))
    if displayWidth(label) + displayWidth(text) <= width { return label + text + "\n" }
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
}
