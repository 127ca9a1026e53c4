// The package's one seeded random number generator (xoshiro256**), and SplitMix64, which seeds it
// and is kept as a stream-compatible variant for the streams already published with SplitMix64
// (bootstrap replicate weights with `--seed`; the test and benchmark data).

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A seeded pseudo-random generator: xoshiro256** with its state filled by SplitMix64.
///
///     var g = SeededGenerator(seed: 7)
///     let u = g.uniform()        // in [0, 1)
///     let z = g.normal()         // standard normal
///
/// The stream depends only on the seed, never on Foundation or the platform, so a simulation is
/// reproducible byte for byte. Uniforms use the top 53 bits of each 64-bit output; normals use the
/// Box–Muller transform (one value per pair of uniforms, the second discarded, so no hidden state).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64

  /// Creates a generator whose stream is determined by `seed`.
  public init(seed: UInt64) {
    var sm = SplitMix64(state: seed)
    s0 = sm.next()
    s1 = sm.next()
    s2 = sm.next()
    s3 = sm.next()
  }

  /// The next 64 random bits (xoshiro256**, Blackman and Vigna 2018).
  public mutating func next() -> UInt64 {
    let result = rotl(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 45)
    return result
  }

  /// A uniform draw in [0, 1).
  public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// A standard normal draw (Box–Muller).
  public mutating func normal() -> Double {
    let u1 = 1 - uniform()  // (0, 1]
    let u2 = uniform()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }

  /// A normal draw with the given mean and standard deviation.
  public mutating func normal(mean: Double, sd: Double) -> Double { mean + sd * normal() }

  /// 1 with probability `p`, else 0.
  public mutating func bernoulli(_ p: Double) -> Double { uniform() < p ? 1 : 0 }

  /// A binomial draw as a sum of `n` Bernoulli trials (n is small here).
  public mutating func binomial(_ n: Int, _ p: Double) -> Double {
    var k = 0
    for _ in 0..<n where uniform() < p { k += 1 }
    return Double(k)
  }

  /// An index drawn with probabilities proportional to `weights`.
  public mutating func categorical(_ weights: [Double]) -> Int {
    let total = weights.reduce(0, +)
    var u = uniform() * total
    for (i, w) in weights.enumerated() {
      if u < w { return i }
      u -= w
    }
    return weights.count - 1
  }

  /// A uniform integer in `range` (multiply-shift; the bias is below 2⁻³² for small ranges).
  public mutating func integer(in range: ClosedRange<Int>) -> Int {
    let width = UInt64(range.upperBound - range.lowerBound + 1)
    return range.lowerBound + Int(((next() >> 32) &* width) >> 32)
  }
}

/// SplitMix64 (Steele, Lea and Flood 2014): seeds xoshiro and derives independent sub-seeds.
///
///     var g = SplitMix64(seed: 2024)
///     let k = g.next(below: 10)      // uniform in 0 ..< 10
///
/// Also a generator in its own right, with the stream that seeded results made before
/// ``SeededGenerator`` existed depend on: bootstrap replicate weights (`ReplicateDesign` with a
/// seed) draw PSUs with ``next(below:)``, so a seed gives the same replicates as it always has.
/// New code should use ``SeededGenerator``.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  /// The generator's state (the seed before the first draw).
  public var state: UInt64

  /// A generator whose stream starts from `state`.
  public init(state: UInt64) { self.state = state }

  /// A generator whose stream starts from `seed` (the same as `init(state: seed)`).
  public init(seed: UInt64) { self.state = seed }

  /// The next 64-bit output.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform integer in `0 ..< bound` (rejection sampling, no modulo bias).
  ///
  /// - Precondition: `bound > 0`.
  public mutating func next(below bound: UInt64) -> UInt64 {
    precondition(bound > 0, "empty range")
    let limit = UInt64.max - UInt64.max % bound
    while true {
      let x = next()
      if x < limit { return x % bound }
    }
  }

  /// A seed derived from `seed` and a stream label, for independent streams from one user seed.
  public static func derive(_ seed: UInt64, stream: UInt64) -> UInt64 {
    var sm = SplitMix64(state: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
    return sm.next()
  }
}

@inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
