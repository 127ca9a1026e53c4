import Foundation
import Testing

import StrataLinalg

/// `digamma` and `trigamma` (the negative binomial θ score and information) against R 4.2.2's
/// `digamma()` / `trigamma()` (printed with `%.17g`), within 1e-14 relative, across the
/// recurrence (x < 10) and the asymptotic series (x ≥ 10).
@Suite("digamma and trigamma against R")
struct PolygammaTests {
  static let x: [Double] = [0.3, 1, 2.5, 7, 9.99, 10, 55.5, 1234.5]
  static let digammaR: [Double] = [
    -3.5025242222001323, -0.57721566490153231, 0.70315664064524341, 1.8727843350984674, 2.2507003728312012,
    2.2517525890667214, 4.0073469585404435, 7.1180162318279976,
  ]
  static let trigammaR: [Double] = [
    12.245364546107732, 1.6449340668482264, 0.49035775610023491, 0.1535451779593375, 0.10527695014824182,
    0.10516633568168572, 0.018181317363221768, 0.00081037272712696667,
  ]

  @Test func matchesR() {
    for (k, x) in Self.x.enumerated() {
      let d = digamma(x)
      let t = trigamma(x)
      #expect(abs(d - Self.digammaR[k]) <= 1e-14 * abs(Self.digammaR[k]), "digamma(\(x)) = \(d)")
      #expect(abs(t - Self.trigammaR[k]) <= 1e-14 * abs(Self.trigammaR[k]), "trigamma(\(x)) = \(t)")
    }
    #expect(digamma(0).isNaN && digamma(-1).isNaN && trigamma(-2).isNaN)
  }
}
