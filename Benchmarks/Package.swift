// swift-tools-version:6.0
// Release-build benchmarks, kept apart so `swift test` never builds them.
//   cd Benchmarks && swift run -c release strata-bench ols-hc1 --rows 1000000
//   Benchmarks/run.sh [--peers] [N ...]   (the standard survey workload against the peers)
import PackageDescription

let package = Package(
  name: "StrataBenchmarks",
  dependencies: [.package(name: "Strata", path: "..")],
  targets: [
    .executableTarget(
      name: "StrataBench",
      dependencies: [.product(name: "Strata", package: "Strata")],
      path: "Sources/StrataBench"),
    // The shared harness's command: strata-bench-driver T1|T23|T2|T4|T5 N CSV (BENCH/CHECK lines).
    .executableTarget(
      name: "strata-bench-driver",
      dependencies: [.product(name: "Strata", package: "Strata")],
      path: "Sources/StrataBenchDriver"),
  ]
)
