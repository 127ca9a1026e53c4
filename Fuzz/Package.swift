// swift-tools-version:6.0
// Coverage-guided fuzzers (libFuzzer), kept apart so `swift test` never builds them.
//   cd Fuzz && swift build -c debug --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz
//   .build-fuzz/debug/csv-fuzz corpus/csv -max_len=4096 -rss_limit_mb=2048 -detect_leaks=0
//   bash scripts/fuzz.sh [--smoke] [SECONDS]   (builds and runs every fuzzer; exits 1 on a crash)
//
// Each harness is one executable whose entry is `LLVMFuzzerTestOneInput` (libFuzzer supplies
// `main`; SwiftPM's `--sanitize=fuzzer` links it). The Strata library is instrumented with them.
// The saved-fit harness compiles the CLI's loader files themselves (symlinks into
// ../Sources/StrataCLI/Commands), which import only Foundation and Strata.
import PackageDescription

let harness: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
  name: "StrataFuzz",
  dependencies: [.package(name: "Strata", path: "..")],
  targets: [
    // CSV bytes -> CSVReader -> DataFrame or DataError.
    .executableTarget(
      name: "csv-fuzz", dependencies: [.product(name: "Strata", package: "Strata")], path: "Sources/CSVFuzz",
      swiftSettings: harness),
    // UTF-8 text -> formula parse, terms, model matrix; --subset and --scenario parse and evaluate.
    .executableTarget(
      name: "formula-fuzz", dependencies: [.product(name: "Strata", package: "Strata")],
      path: "Sources/FormulaFuzz", swiftSettings: harness),
    // JSON bytes -> the saved-fit / result loader of margins, predict, table, plot.
    .executableTarget(
      name: "savedfit-fuzz", dependencies: [.product(name: "Strata", package: "Strata")],
      path: "Sources/SavedFitFuzz", swiftSettings: harness),
  ]
)
