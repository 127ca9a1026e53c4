import Foundation
import Testing
import _StrataTestSupport

// `strata --version`: the version (Sources/StrataCLI/Support/Version.swift) and the commit the
// binary was built from ("unknown" for a plain `swift build`; scripts/package.sh injects the hash,
// which scripts/test-package.sh checks on the packaged binary).
@Suite struct VersionCommandTests {
  @Test func versionNamesTheReleaseAndTheCommit() throws {
    let run = try runStrata(["--version"])
    #expect(run.status == 0)
    #expect(run.stderr == "")
    let pattern = /^strata (\d+)\.(\d+)\.(\d+) \(commit ([0-9a-f]{7,40}(-modified)?|unknown)\)\n$/
    let match = run.stdout.wholeMatch(of: pattern)
    #expect(match != nil, "unexpected --version output: \(run.stdout.debugDescription)")
  }

  /// The newest release in CHANGELOG.md (Keep a Changelog: `## [X.Y.Z] - YYYY-MM-DD`) is the
  /// version the binary reports, so the two cannot drift apart.
  @Test func versionIsTheNewestChangelogRelease() throws {
    let changelog = try String(
      contentsOf: repositoryRoot.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
    let releases = changelog.split(separator: "\n").compactMap {
      $0.wholeMatch(of: /## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}/)?.1
    }
    let newest = try #require(releases.first, "CHANGELOG.md lists no release")
    let run = try runStrata(["--version"])
    #expect(run.stdout.hasPrefix("strata \(newest) (commit "), "\(run.stdout) vs CHANGELOG \(newest)")
  }
}
