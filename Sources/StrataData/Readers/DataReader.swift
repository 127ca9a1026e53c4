import StrataSupport

/// Reads a data file, choosing the reader from the file extension.
///
/// ```swift
/// let data = try DataReader.read(path: "datasets/wage1.csv")
/// ```
///
/// | extension | reader |
/// |---|---|
/// | `.csv`, `.tsv`, `.txt` | ``CSVReader`` (delimiter detected from the header) |
/// | `.dta` | ``StatFileReader`` (Stata, through ReadStat) |
/// | `.sav`, `.zsav` | ``StatFileReader`` (SPSS, through ReadStat) |
/// | `.xpt` | ``StatFileReader`` (SAS transport, versions 5 and 8, through ReadStat) |
/// | `.sas7bdat` | ``StatFileReader`` (SAS data set, through ReadStat) |
/// | any of these + `.gz` | the same reader, on the file inflated in memory (``GzipInflater``) |
public enum DataReader {
  /// Reads the file at `path`; the frame's `source` is `path` as given.
  ///
  /// - Parameter progress: Receives the bytes read so far (task `reading NAME`, unit `.bytes`),
  ///   monotone and ending at the whole file; `nil` reports nothing.
  /// - Throws: `DataError.unreadable` for a missing file, `DataError.unsupportedFormat` for an
  ///   unknown extension, and whatever the chosen reader throws.
  public static func read(path: String, progress: ProgressHandler? = nil) throws -> DataFrame {
    guard let format = DataFileFormat(path: path) else {
      throw DataError.unsupportedFormat(path: path)
    }
    guard fileExists(path) else {
      throw DataError.unreadable(path: path, reason: "no such file")
    }
    switch format {
    case .delimitedText: return try CSVReader(path: path, progress: progress).read()
    case .stata, .spss, .sasTransport, .sas7bdat: return try StatFileReader(path: path, progress: progress).read()
    }
  }
}

/// The file formats Strata reads, named by extension.
enum DataFileFormat {
  case delimitedText
  case stata
  case spss
  case sasTransport
  case sas7bdat

  /// The format for `path`'s extension (case-insensitive; a final `.gz` is looked through), or
  /// `nil` if unknown.
  init?(path: String) {
    var name = Substring(path.split(separator: "/").last.map(String.init) ?? path)
    if DataFileFormat.isGzipped(path: path) { name = name.dropLast(3) }
    guard let dot = name.lastIndex(of: ".") else { return nil }
    switch name[name.index(after: dot)...].lowercased() {
    case "csv", "tsv", "txt": self = .delimitedText
    case "dta": self = .stata
    case "sav", "zsav": self = .spss
    case "xpt": self = .sasTransport
    case "sas7bdat": self = .sas7bdat
    default: return nil
    }
  }

  /// Whether `path` ends in `.gz` (any case): a gzip-compressed file of the format before it.
  static func isGzipped(path: String) -> Bool {
    path.lowercased().hasSuffix(".gz")
  }
}
