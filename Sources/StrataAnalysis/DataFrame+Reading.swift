import StrataData

extension DataFrame {
  /// Reads a data file (`.csv`, `.tsv`, `.dta`, `.sav`), as the `strata` commands read `--data`.
  ///
  ///     let data = try DataFrame(contentsOf: "datasets/apistrat.csv")
  ///
  /// - Throws: `DataError` naming the file and the problem.
  public init(contentsOf path: String) throws {
    self = try DataReader.read(path: path)
  }
}
