/// Splits a command line into words as a POSIX shell does for plain words, single and double
/// quotes, and backslash escapes outside single quotes (no expansion of variables or globs).
///
///     shellWords(#"strata fit ols 'y ~ x' --data "my file.csv""#)
///     // ["strata", "fit", "ols", "y ~ x", "--data", "my file.csv"]
///
/// Used for the commands of notebook blocks, of published cases and of console walkthroughs.
///
/// - Complexity: O(n) in the length of `line`.
public func shellWords(_ line: String) -> [String] {
  var words: [String] = []
  var current = ""
  var inWord = false
  var quote: Character?
  var escaped = false
  for ch in line {
    if escaped {
      current.append(ch)
      escaped = false
    } else if let q = quote {
      if ch == q {
        quote = nil
      } else if ch == "\\" && q == "\"" {
        escaped = true
      } else {
        current.append(ch)
      }
    } else if ch == "\\" {
      escaped = true
      inWord = true
    } else if ch == "'" || ch == "\"" {
      quote = ch
      inWord = true
    } else if ch == " " || ch == "\t" || ch == "\n" {
      if inWord { words.append(current) }
      current = ""
      inWord = false
    } else {
      current.append(ch)
      inWord = true
    }
  }
  if inWord { words.append(current) }
  return words
}
