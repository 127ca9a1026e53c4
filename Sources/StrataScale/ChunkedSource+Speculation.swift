import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataModels

extension ChunkedSource {
  /// The first pass doing the summary pass's work as it reads: each chunk's model matrix built,
  /// written to the model-matrix cache (`PreparedCache`) and summed (`SummarySums`) with the
  /// coding (factor levels, column names) taken from the template as it stands after the first
  /// chunk with estimation rows. At the end of the first pass the bet is kept only when the
  /// coding built on the final template is the same (`holds(for:)`: column names, each formula
  /// variable's encoding with its levels, the response's levels). It is lost when a later chunk
  /// brings a level of a formula factor first met there in the estimation rows (that chunk
  /// cannot be coded: the error drops the bet at once), or when the first chunk has no
  /// estimation row; then the summary pass builds the matrices again with the final coding, as
  /// before (the two-pass route). Any other error met while betting drops it too, so that the
  /// summary pass reports it in its usual order.
  ///
  /// When the bet holds, every chunk was prepared exactly as the summary pass would prepare it
  /// (same frame values, same coding, same order of sums), so the numbers do not change, and
  /// the file (or the column cache) is read once less.
  struct Speculation {
    struct Coding {
      var recipe: ModelRecipe
      var responseLevels: [String]?
      var responseName: String
      var columnNames: [String]
      var encodings: [ModelRecipe.Encoding]
    }

    /// Whether the model-matrix cache is written.
    let caches: Bool
    private(set) var coding: Coding?
    private(set) var writer: PreparedCache?
    private(set) var sums: SummarySums?

    init(caches: Bool) {
      self.caches = caches
    }

    /// Prepares, caches and sums a chunk (the first call takes the coding from `template`).
    mutating func add(
      _ frame: DataFrame, first: Int, template: DataFrame, formula: Formula, options: ModelFrameOptions,
      model: AggregateModel, replicate: ReplicateDesign?, replicateColumns: [String], design: DesignSpecification?,
      designWeights: String?, unitIndex: [UnitKey: Int], cacheDirectory: URL?
    ) throws {
      let coding: Coding
      if let existing = self.coding {
        coding = existing
      } else {
        let mm = try ModelMatrix.build(formula: formula, data: ChunkedSource.sortingLevels(template), options: options)
        // What `init` refuses after the pass is not bet on.
        guard mm.offset == nil, mm.groupedCounts == nil else {
          throw ScaleError.notStreamable(what: "offsets or grouped responses")
        }
        coding = Coding(
          recipe: mm.recipe, responseLevels: mm.responseLevels, responseName: mm.responseName ?? "response",
          columnNames: mm.columnNames, encodings: mm.recipe.modelVariables.map(\.encoding))
        self.coding = coding
        sums = SummarySums(
          model: model, columns: mm.columnNames.count, sets: 1 + replicateColumns.count,
          replicates: replicateColumns.count)
        if caches { writer = try PreparedCache(directory: cacheDirectory) }
      }
      let chunk = try ChunkedSource.prepare(
        frame, first: first, formula: formula, options: options, recipe: coding.recipe,
        responseLevels: coding.responseLevels, replicate: replicate, replicateColumns: replicateColumns,
        design: design, unitIndex: unitIndex)
      try writer?.append(chunk)
      try sums?.add(
        chunk, frame: frame, responseName: coding.responseName, replicate: replicate,
        replicateColumns: replicateColumns, designWeights: designWeights)
    }

    /// Whether the coding bet on is the one built on the final template.
    func holds(for mm: ModelMatrix) -> Bool {
      guard let coding else { return false }
      return coding.columnNames == mm.columnNames && coding.responseLevels == mm.responseLevels
        && coding.responseName == (mm.responseName ?? "response")
        && coding.encodings == mm.recipe.modelVariables.map(\.encoding)
    }
  }
}
