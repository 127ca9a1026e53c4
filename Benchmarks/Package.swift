// swift-tools-version:6.0
// Release-build benchmarks, kept apart so `swift test` never builds them.
//   cd Benchmarks && swift run -c release strata-bench ols-hc1 --rows 1000000
import PackageDescription

let package = Package(
  name: "StrataBenchmarks",
  dependencies: [.package(name: "Strata", path: "..")],
  targets: [
    .executableTarget(
      name: "StrataBench",
      dependencies: [.product(name: "Strata", package: "Strata")],
      path: "Sources/StrataBench")
  ]
)
