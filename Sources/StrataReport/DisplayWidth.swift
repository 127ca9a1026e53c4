/// The number of terminal columns a string occupies: East Asian wide and full-width
/// characters (Chinese, Japanese, Korean, full-width forms) take two, combining marks none.
public func displayWidth(_ s: String) -> Int {
  var width = 0
  for scalar in s.unicodeScalars {
    let v = scalar.value
    if scalar.properties.generalCategory == .nonspacingMark || scalar.properties.generalCategory == .enclosingMark {
      continue
    }
    if (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
      || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
      || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
      || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
      || (0x1F300...0x1F64F).contains(v)
    {
      width += 2
    } else {
      width += 1
    }
  }
  return width
}

/// Pads `s` to `width` display columns.
func pad(_ s: String, to width: Int, alignment: Table.Alignment) -> String {
  let fill = String(repeating: " ", count: max(0, width - displayWidth(s)))
  return alignment == .left ? s + fill : fill + s
}
