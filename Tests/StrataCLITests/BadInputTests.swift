import Foundation
import Testing
import _StrataTestSupport

/// Bad input gives one clear message on stderr naming the file, line, column or term, a
/// non-zero exit code, and nothing on stdout.
@Suite("strata errors")
struct BadInputTests {
  func expectFailure(_ arguments: [String], mentions fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let run = try runStrata(arguments)
    #expect(run.status != 0, "exit status", sourceLocation: sourceLocation)
    #expect(run.stdout.isEmpty, "stdout: \(run.stdout)", sourceLocation: sourceLocation)
    #expect(run.stderr.hasPrefix("strata: error: "), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    for f in fragments {
      #expect(run.stderr.contains(f), "'\(f)' not in: \(run.stderr)", sourceLocation: sourceLocation)
    }
  }

  @Test func unknownColumnSuggestsNearName() throws {
    try expectFailure(["fit", "ols", "lwage ~ educ + expr", "--data", "datasets/mroz.csv"],
      mentions: ["unknown variable 'expr'", "'exper'"])
  }

  /// Absorbed fixed effects keep only the expected information of a probit: Stata's observed-
  /// information bread is refused rather than labelled but not used.
  @Test func observedInformationWithFixedEffects() throws {
    let fe = ["--data", "Tests/Fixtures/ivfe/fe_panel.csv"]
    try expectFailure(["fit", "probit", "yb ~ x1 + x2 | fe1"] + fe + ["--convention", "stata"],
      mentions: ["probit-link model with absorbed fixed effects", "--convention r"])
    let logit = try runStrata(["fit", "logit", "yb ~ x1 + x2 | fe1"] + fe + ["--convention", "stata"])
    #expect(logit.status == 0 && logit.stdout.contains("observed-information bread"), "\(logit.stderr)")
  }

  @Test func unknownClusterColumn() throws {
    try expectFailure(["fit", "ols", "lwage ~ educ", "--data", "datasets/mroz.csv", "--cluster", "state"],
      mentions: ["'state'"])
  }

  @Test func malformedCSVNamesLineAndField() throws {
    let path = try temporaryFile("bad.csv", "y,x\n1,2\n\"2\",3,4\n5,6\n")
    try expectFailure(["fit", "ols", "y ~ x", "--data", path], mentions: ["\(path):3:3:", "expected 2 fields, found 3"])
  }

  @Test func nonNumericValueInNumericTerm() throws {
    let path = try temporaryFile("typo.csv", "y,x\n1,2\n2,3.5\n3,4,\n4,abc\n5,7\n6,8\n".replacingOccurrences(of: "4,\n", with: "4\n"))
    try expectFailure(["fit", "ols", "y ~ log(x)", "--data", path],
      mentions: ["\(path):5:2:", "non-numeric value 'abc' in column 'x'", "factor(x)"])
  }

  @Test func emptyAfterDroppingMissingRows() throws {
    let path = try temporaryFile("na.csv", "y,x,z\n1,2,NA\n2,3,NA\n3,4,\n")
    try expectFailure(["fit", "ols", "y ~ x + z", "--data", path], mentions: ["no observations left", "3 dropped for missing values"])
  }

  @Test func constantOutcome() throws {
    try expectFailure(["fit", "ols", "inlf ~ educ", "--data", "datasets/mroz.csv", "--subset", "inlf == 1"],
      mentions: ["response 'inlf' is constant"])
  }

  @Test func singleCluster() throws {
    try expectFailure(["fit", "ols", "lwage ~ educ", "--data", "datasets/mroz.csv", "--cluster", "city", "--subset", "city == 1"],
      mentions: ["cluster variable 'city' has a single cluster"])
  }

  @Test func negativeWeights() throws {
    try expectFailure(["fit", "wls", "nettfa ~ inc", "--data", "datasets/k401ksubs.csv", "--weights", "inc - 20"],
      mentions: ["negative"])
  }

  @Test func formulaSyntaxErrorPointsAtColumn() throws {
    try expectFailure(["fit", "ols", "lwage ~ educ + (exper", "--data", "datasets/mroz.csv"], mentions: ["column 22", "^"])
  }

  @Test func missingFile() throws {
    try expectFailure(["fit", "ols", "y ~ x", "--data", "no/such/file.csv"], mentions: ["no/such/file.csv"])
  }

  @Test func clusterOptionNeedsColumns() throws {
    let run = try runStrata(["fit", "ols", "lwage ~ educ", "--data", "datasets/mroz.csv", "--vce", "cluster"])
    #expect(run.status != 0)
    #expect(run.stderr.contains("--cluster"))
  }
}
