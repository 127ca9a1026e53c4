import ArgumentParser
import Foundation
import Strata

/// Output files whose format follows their extension: `.dta` is a Stata file, anything else text.
extension OutputFile {
  /// Whether `path` names a Stata file (`.dta`, any case).
  static func isStata(_ path: String) -> Bool {
    path.lowercased().hasSuffix(".dta")
  }

  /// Writes a data frame to `path` in the format its extension names: a Stata `.dta` file
  /// (factors as labelled integers, see `DTAWriter`) or CSV text (`CSVWriter`) for any other
  /// name, with `write(_:to:)`'s safety (a regular file replaced atomically, `/dev/null` written
  /// into, standard output for `-`).
  ///
  /// ```swift
  /// try OutputFile.write(weights, to: output)   // w.csv or w.dta
  /// ```
  static func write(_ frame: DataFrame, to path: String) throws {
    if isStata(path) {
      let bytes: [UInt8]
      do {
        bytes = try DTAWriter.bytes(of: frame)
      } catch let error as DataWriteError {
        throw OutputError.cannotWrite(path: path, reason: error.reason)
      }
      try write(Data(bytes), to: path)
    } else {
      try write(Data(CSVWriter.text(of: frame).utf8), to: path)
    }
  }

  /// Writes the CSV table `csv` (what a command prints with `--format csv`) to `path` as a Stata
  /// file: numbers as doubles, text columns (such as `term`) as string variables.
  ///
  /// - Throws: `OutputError.cannotWrite` when the text is not one table (a command that writes
  ///   several tables one after another) or holds a value Stata cannot store.
  static func writeStata(csvTable csv: String, to path: String) throws {
    let lines = csv.split(separator: "\n", omittingEmptySubsequences: true)
    if let header = lines.first, lines.dropFirst().contains(header) {
      throw OutputError.cannotWrite(
        path: path,
        reason: "this command's output is several tables, which one .dta file cannot hold; write it with "
          + "--format csv to a .csv file")
    }
    // A table's header is names (`term,estimate,std_error`); a text report (`svyset`) is not one.
    if let header = lines.first, header.split(separator: ",", omittingEmptySubsequences: false).contains(where: {
      $0.isEmpty || $0.contains(where: \.isWhitespace)
    }) {
      throw OutputError.cannotWrite(
        path: path,
        reason: "this command's output is not a table of results, which a .dta file holds; write it to a .txt file")
    }
    let frame: DataFrame
    do {
      frame = try CSVReader(path: path, delimiter: UInt8(ascii: ","), naTokens: ["", "NA"]).read(contents: Array(csv.utf8))
    } catch let error as DataError {
      throw OutputError.cannotWrite(path: path, reason: "the table could not be converted (\(error.description))")
    }
    let bytes: [UInt8]
    do {
      bytes = try DTAWriter.bytes(of: frame, factors: .strings)
    } catch let error as DataWriteError {
      throw OutputError.cannotWrite(path: path, reason: error.reason)
    }
    try write(Data(bytes), to: path)
  }
}
