import Testing

/// `|a − b| ≤ rtol·|b| + atol` with `b` the reference, recorded with a message naming the
/// quantity. Both nil, or both NaN, count as equal.
public func expectClose(
  _ a: Double?, _ b: Double?, rtol: Double, atol: Double = 0, _ what: @autoclosure () -> String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  switch (a, b) {
  case (nil, nil): return
  case (let x?, let y?):
    if x.isNaN && y.isNaN { return }
    let ok = abs(x - y) <= rtol * abs(y) + atol
    #expect(ok, "\(what()): got \(x), expected \(y) (rtol \(rtol))", sourceLocation: sourceLocation)
  default:
    Issue.record("\(what()): got \(String(describing: a)), expected \(String(describing: b))", sourceLocation: sourceLocation)
  }
}

/// `|a − b| ≤ rtol · max(|a|, |b|)`; exact equality (zeros, infinities) always counts.
public func isClose(_ a: Double, _ b: Double, rtol: Double) -> Bool {
  a == b || abs(a - b) <= rtol * max(abs(a), abs(b))
}
