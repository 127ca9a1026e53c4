import Foundation
import Testing
import _StrataTestSupport

/// `strata table` with descriptive results (`strata mean … --format json`) and CSV files of known
/// values (`term,value`) as columns beside models.
@Suite("strata table: descriptive results and known values")
struct TableKnownValuesTests {
  @Test func descriptiveResultsAndKnownValuesAreColumns() throws {
    let dir = try temporaryDirectory()
    let means = dir.appendingPathComponent("means.json").path
    let m = try runStrata([
      "mean", "api00", "api99", "--data", "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype", "--fpc", "fpc",
      "--format", "json", "--output", means,
    ])
    #expect(m.status == 0, "\(m.stderr)")
    let byType = dir.appendingPathComponent("by.json").path
    let b = try runStrata([
      "mean", "api00", "--data", "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype", "--fpc", "fpc",
      "--by", "stype", "--format", "json", "--output", byType,
    ])
    #expect(b.status == 0, "\(b.stderr)")
    // The population means of apipop (R: mean(apipop$api00) = 664.712625121, mean(apipop$api99) = 631.912980304).
    let known = try temporaryFile("pop.csv", "term,value\napi00,664.712625121\napi99,631.912980304\napi00 [stype = E],NA\n")

    let run = try runStrata([
      "table", means, byType, known, "--names", "Sample,By type,Population", "--digits", "2", "--format", "markdown",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    // The estimates and SEs are R svymean's and svyby's on the stratified api design
    // (R: 662.29 (9.41), 629.39 (9.96); E 674.43 (12.38)); the known values have no errors.
    #expect(
      run.stdout.contains(
        """
        |  | mean | mean | known values |
        | api00 | 662.29 |  | 664.71 |
        |  | (9.41) |  |  |
        | api99 | 629.39 |  | 631.91 |
        |  | (9.96) |  |  |
        | api00 \\[stype = E\\] |  | 674.43 |  |
        |  |  | (12.38) |  |
        """), "\(run.stdout)")
    #expect(run.stdout.contains("| Std. errors | design-based | design-based |  |"), "\(run.stdout)")

    let text = try runStrata(["table", means, known, "--keep", "api00", "--names", "Sample,Population"])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.contains("api00"))
    #expect(!text.stdout.contains("api99"))
  }

  @Test func badKnownValuesAreErrors() throws {
    let columns = try temporaryFile("a.csv", "name,estimate\napi00,1\n")
    let run = try runStrata(["table", columns])
    #expect(run.status == 1)
    #expect(run.stderr.contains("known values \(columns): needs columns term and value; it has name, estimate"), "\(run.stderr)")
    let twice = try temporaryFile("b.csv", "term,value\napi00,1\napi00,2\n")
    let again = try runStrata(["table", twice])
    #expect(again.status == 1)
    #expect(again.stderr.contains("term 'api00' appears twice (row 3)"), "\(again.stderr)")
    let text = try temporaryFile("c.csv", "term,value\napi00,high\n")
    let notNumber = try runStrata(["table", text])
    #expect(notNumber.status == 1)
    #expect(notNumber.stderr.contains("column value must hold numbers"), "\(notNumber.stderr)")
  }
}
