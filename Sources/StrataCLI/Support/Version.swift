import CStrataBuildInfo

/// Strata's version: the one place it is written. `strata --version` prints `text`; the release
/// script (scripts/package.sh) names the .deb and the tarball after `number`, read from that output;
/// CHANGELOG.md lists what each version brought.
enum StrataVersion {
  /// The release number (semantic versioning).
  static let number = "0.1.0"

  /// The commit the binary was built from: injected by scripts/package.sh through
  /// `-Xcc -DSTRATA_BUILD_COMMIT='"<hash>"'` (see CStrataBuildInfo), "unknown" for a plain
  /// `swift build`.
  static let commit: String = STRATA_COMMIT_TEXT

  /// What `strata --version` prints, e.g. `strata 0.1.0 (commit 4ce2518)`.
  static var text: String { "strata \(number) (commit \(commit))" }
}
