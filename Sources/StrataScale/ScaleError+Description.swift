extension ScaleError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .notStreamable(let what):
      return "\(what) cannot be fitted streamed (files larger than memory) yet; fit in memory (without --stream, with a larger --memory) or leave it out"
    case .dataChanged(let path):
      return "\(path) changed between passes of a streamed fit (a value or level the first pass did not see); fit again once nothing is writing to it"
    case .cacheUnwritable(let path):
      return "cannot create the streamed fit's cache file \(path) (is the temporary folder full or read-only? set TMPDIR to a folder with room for the model matrix)"
    }
  }
}
