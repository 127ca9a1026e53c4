import Foundation
import Strata
import Testing
import _StrataTestSupport

/// `FileChunks.isStreamable`, `inflatedSize` and `estimatedInMemoryBytes`: what `--memory`
/// compares with its budget. The inflated size of a gzip file is checked against the bytes the
/// streamed reader inflates (`CSVChunkReader`, zlib), not against the footer it is read from.
@Suite("FileChunks sizes: what --memory judges")
struct FileChunksSizeTests {
  static let folder = "Tests/Fixtures/stream-formats/"

  @Test("every format FileChunks.open streams is streamable by name, and nothing else")
  func streamableNames() {
    for name in ["a.csv", "a.TSV", "a.txt", "a.csv.gz", "a.tsv.gz", "a.dta", "a.sav", "a.zsav", "a.xpt", "a.sas7bdat"] {
      #expect(FileChunks.isStreamable(path: name), "\(name)")
    }
    for name in ["a.dta.gz", "a.sav.gz", "a.xlsx", "a.parquet", "postgresql://u@h/db?table=t"] {
      #expect(!FileChunks.isStreamable(path: name), "\(name)")
    }
  }

  /// The text the streamed reader hands out, header once: the inflated file.
  static func inflatedBytes(_ path: String) throws -> Int {
    let reader = try CSVChunkReader(path: path, chunkBytes: 4096)
    var total = reader.header.count
    try reader.forEachChunk { text, _ in total += text.count - reader.header.count }
    return total
  }

  @Test("a single-member gzip file's inflated size is its footer's ISIZE, the bytes zlib inflates")
  func gzipFooter() throws {
    let path = repositoryPath(Self.folder + "apisample.csv.gz")
    let inflated = try Self.inflatedBytes(path)
    let compressed = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    // This file inflates to more than 3× its size, so the floor does not apply.
    #expect(inflated > 3 * compressed)
    #expect(FileChunks.inflatedSize(path: path) == inflated)
    // An uncompressed file is its size.
    let dta = repositoryPath(Self.folder + "apisample.dta")
    #expect(FileChunks.inflatedSize(path: dta) == (try FileManager.default.attributesOfItem(atPath: dta)[.size] as? Int))
    #expect(FileChunks.inflatedSize(path: repositoryPath(Self.folder + "no-such-file.csv")) == nil)
  }

  @Test("a multi-member gzip file (footer = last member) is judged at least 3× its compressed size")
  func gzipMultiMember() throws {
    let member = try Data(contentsOf: URL(fileURLWithPath: repositoryPath(Self.folder + "apisample.csv.gz")))
    let file = try TemporaryFile(named: "twice.csv.gz", contents: "")
    defer { file.remove() }
    // Two members: the same header and records twice (a valid gzip stream; the footer counts one).
    try (member + member).write(to: file.url)
    let size = try #require(FileChunks.inflatedSize(path: file.path))
    #expect(size >= 3 * 2 * member.count)
    #expect(size > (try Self.inflatedBytes(repositoryPath(Self.folder + "apisample.csv.gz"))))
  }

  @Test("the in-memory estimate: a Stata/SPSS file's rows × variables × 8, a CSV's text plus its cells")
  func estimates() throws {
    // The fixtures hold 2,065 rows of 10 variables (make_stream_formats.R).
    for name in ["apisample.dta", "apisample.sav"] {
      let bytes = try FileChunks.estimatedInMemoryBytes(path: repositoryPath(Self.folder + name), extraColumns: 2)
      #expect(bytes == 2065 * 12 * 8, "\(name)")
    }
    let gz = repositoryPath(Self.folder + "apisample.csv.gz")
    let text = try Self.inflatedBytes(gz)
    let cells = try FileChunks.estimatedInMemoryBytes(path: gz, extraColumns: 0) - text
    // The first mebibyte is the whole file: the rows are exact.
    #expect(cells == 2065 * 10 * 8)
  }
}
