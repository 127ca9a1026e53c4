extension ScaleError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .notStreamable(let what):
      return "\(what) cannot be fitted streamed (files larger than memory) yet; fit in memory (without --stream, with a larger --memory) or leave it out"
    case .dataChanged(let path):
      return "\(path) changed between passes of a streamed fit (a value or level the first pass did not see); fit again once nothing is writing to it"
    }
  }
}
