// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "Strata",
  platforms: [.macOS(.v13)],
  products: [
    // MARK: Public API
    .library(name: "Strata", targets: ["Strata"]),
    .executable(name: "strata", targets: ["StrataCLI"]),
    // The README's "Use Strata from Swift" program, built so a test keeps it compiling and correct.
    .executable(name: "strata-readme-example", targets: ["ReadmeExample"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
  ],
  targets: [
    // MARK: Implementation details: C shims (no Swift; imported only by Internals/ files)
    .systemLibrary(
      name: "CLAPACK", path: "Sources/CLAPACK",
      providers: [.apt(["libopenblas-dev", "liblapack-dev"])]),
    .systemLibrary(
      name: "CReadStat", path: "Sources/CReadStat",
      providers: [.apt(["libreadstat-dev"])]),
    .systemLibrary(
      name: "CGzip", path: "Sources/CGzip",
      providers: [.apt(["zlib1g-dev"])]),
    // glibc's mallopt/malloc_trim (StrataScale/Internals/Allocator.swift only): a streamed pass
    // keeps its freed chunk buffers instead of unmapping and faulting them in again.
    .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
    // The commit `strata --version` names (a C macro scripts/package.sh sets; "unknown" otherwise).
    .target(name: "CStrataBuildInfo"),
    .systemLibrary(
      name: "CLibPQ", path: "Sources/CLibPQ",
      providers: [.apt(["libpq-dev"])]),

    // MARK: Library layers (each imports only layers below it)
    .target(name: "StrataSupport", exclude: ["README.md"]),
    .target(
      name: "StrataLinalg",
      dependencies: ["StrataSupport", "CLAPACK", .product(name: "RealModule", package: "swift-numerics")],
      exclude: ["README.md"]),
    .target(name: "StrataData", dependencies: ["StrataSupport", "CReadStat", "CGzip"]),
    .target(name: "StrataFormula", dependencies: ["StrataData", "StrataLinalg"]),
    .target(name: "StrataDesign", dependencies: ["StrataSupport", "StrataData", "StrataFormula", "StrataLinalg"]),
    .target(
      name: "StrataSimulate",
      dependencies: ["StrataData", "StrataFormula", "StrataLinalg", .product(name: "RealModule", package: "swift-numerics")],
      exclude: ["README.md"]),
    .target(name: "StrataModels", dependencies: ["StrataFormula", "StrataData", "StrataLinalg"]),
    .target(name: "StrataInference", dependencies: ["StrataSupport", "StrataModels", "StrataDesign", "StrataLinalg"]),
    .target(
      name: "StrataReport",
      dependencies: [
        "StrataInference", "StrataDesign", "StrataModels", "StrataData",
        // Only for the .docx writer's ZIP container.
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ]),
    // Fits from sums over rows that are never held: files larger than memory, databases.
    .target(
      name: "StrataScale",
      dependencies: [
        "StrataSupport", "StrataInference", "StrataDesign", "StrataModels", "StrataFormula", "StrataData", "StrataLinalg",
        "CMalloc",
      ],
      exclude: ["README.md"]),
    .target(
      name: "StrataAnalysis",
      dependencies: [
        "StrataScale", "StrataSupport", "StrataInference", "StrataDesign", "StrataModels", "StrataFormula", "StrataData", "StrataLinalg",
      ],
      exclude: ["README.md"]),
    // Fits pushed down to PostgreSQL-protocol engines (aggregate SQL over libpq).
    .target(
      name: "StrataPostgres",
      dependencies: [
        "StrataSupport", "StrataLinalg", "StrataData", "StrataFormula", "StrataDesign", "StrataModels", "StrataInference",
        "StrataScale", "CLibPQ",
      ]),
    .target(
      name: "Strata",
      dependencies: [
        "StrataSupport", "StrataLinalg", "StrataData", "StrataFormula", "StrataDesign", "StrataModels",
        "StrataInference", "StrataReport", "StrataSimulate", "StrataScale", "StrataAnalysis", "StrataPostgres",
      ]),
    .executableTarget(
      name: "StrataCLI",
      dependencies: ["Strata", "CStrataBuildInfo", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

    .executableTarget(name: "ReadmeExample", dependencies: ["Strata"], path: "Examples/ReadmeExample"),

    // MARK: Tests
    .target(
      name: "_StrataTestSupport",
      dependencies: ["StrataData", "StrataFormula", "StrataDesign", "StrataModels", "StrataInference"],
      path: "Tests/_StrataTestSupport",
      exclude: ["README.md"]),
    .testTarget(
      name: "StrataLinalgTests", dependencies: ["StrataLinalg"]),
    .testTarget(
      name: "StrataDataTests", dependencies: ["StrataSupport", "StrataData", "_StrataTestSupport"]),
    .testTarget(
      name: "StrataFormulaTests", dependencies: ["StrataFormula", "_StrataTestSupport"]),
    .testTarget(
      name: "StrataModelsTests", dependencies: ["Strata", "_StrataTestSupport"]),
    .testTarget(
      name: "StrataDesignTests", dependencies: ["Strata", "_StrataTestSupport"]),
    .testTarget(
      name: "StrataInferenceTests",
      dependencies: [
        "StrataSupport", "StrataLinalg", "StrataData", "StrataFormula", "StrataDesign", "StrataModels",
        "StrataInference", "_StrataTestSupport",
        // Only for the English of MarginsError, which StrataReport renders (MarginsPropertyTests).
        "StrataReport",
      ]),
    .testTarget(
      name: "StrataReportTests",
      dependencies: [
        "StrataData", "StrataDesign", "StrataInference", "StrataReport", "StrataAnalysis", "_StrataTestSupport",
        // Run once to compare the library's report with what `strata fit` prints.
        "StrataCLI",
      ]),
    .testTarget(
      name: "StrataCLITests", dependencies: ["StrataCLI", "StrataReport", "_StrataTestSupport"], exclude: ["Snapshots"]),
    .testTarget(
      name: "StrataAnalysisTests", dependencies: ["Strata", "_StrataTestSupport"]),
    .testTarget(
      name: "StrataPostgresTests", dependencies: ["Strata", "_StrataTestSupport"]),
    .testTarget(
      name: "StrataSimulateTests", dependencies: ["Strata", "_StrataTestSupport"]),
  ]
)
