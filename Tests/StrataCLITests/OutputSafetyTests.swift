import Foundation
import Testing
import _StrataTestSupport

/// The file type bits of `path` (`S_IFCHR`, `S_IFIFO`, ...; links not followed), or nil.
func fileType(_ path: String) -> mode_t? {
  var info = stat()
  guard lstat(path, &info) == 0 else { return nil }
  return info.st_mode & S_IFMT
}

/// A temporary folder holding a copy of `datasets/wage1.csv` as `data.csv`.
func folderWithData() throws -> (folder: URL, data: URL, bytes: Data) {
  let folder = try temporaryDirectory()
  let data = folder.appendingPathComponent("data.csv")
  let bytes = try Data(contentsOf: repositoryRoot.appendingPathComponent("datasets/wage1.csv"))
  try bytes.write(to: data)
  return (folder, data, bytes)
}

/// The names in `folder` (hidden ones too), sorted.
func names(in folder: URL) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
}

@Suite("Outputs never destroy inputs or unrelated files")
struct OutputSafetyTests {
  /// `--output`, `-o` and `--save` naming an input (by path, `./name`, a symbolic link or a hard
  /// link) are refused before any work: the input is unchanged and no other output appears.
  @Test func outputNamingAnInputIsRefusedBeforeAnyWork() throws {
    let (folder, data, bytes) = try folderWithData()
    let fm = FileManager.default
    try fm.createSymbolicLink(atPath: folder.appendingPathComponent("link.csv").path, withDestinationPath: data.path)
    try fm.linkItem(atPath: data.path, toPath: folder.appendingPathComponent("hard.csv").path)
    let cases: [[String]] = [
      ["describe", "data.csv", "--output", "data.csv"],
      ["describe", "./data.csv", "-o", "data.csv"],
      ["describe", data.path, "--output=./data.csv"],
      ["describe", "data.csv", "--output", "link.csv"],
      ["describe", "data.csv", "--output", "hard.csv"],
      ["fit", "ols", "wage ~ educ", "--data", "data.csv", "--save", "other.json", "--output", "data.csv"],
      ["fit", "ols", "wage ~ educ", "--data=data.csv", "--save", "./data.csv"],
      ["mean", "wage", "--data", "data.csv", "--output", "\(folder.path)/./data.csv"],
    ]
    for arguments in cases {
      let run = try runStrata(arguments, in: folder)
      #expect(run.status == 1, "\(arguments)")
      #expect(run.stderr.contains("is the input file"), "\(arguments): \(run.stderr)")
      #expect(run.stderr.contains("Choose another output file"), "\(arguments): \(run.stderr)")
      #expect(try Data(contentsOf: data) == bytes, "\(arguments) changed the input")
      #expect(fileType(folder.appendingPathComponent("link.csv").path) == S_IFLNK)
    }
    #expect(try names(in: folder) == ["data.csv", "hard.csv", "link.csv"], "no output was written")
  }

  /// Saved fits, label files, design files and --newdata are inputs too.
  @Test func otherInputFilesAreProtected() throws {
    let (folder, _, _) = try folderWithData()
    let fit = try runStrata(["fit", "ols", "wage ~ educ + female", "--data", "data.csv", "--save", "fit.json"], in: folder)
    #expect(fit.status == 0, "\(fit.stderr)")
    let svyset = try runStrata(["svyset", "--data", "data.csv", "--weights", "wage", "--save", "design.json"], in: folder)
    #expect(svyset.status == 0, "\(svyset.stderr)")
    try Data("term,label\neduc,Schooling\n".utf8).write(to: folder.appendingPathComponent("labels.csv"))
    let inputs = ["fit.json", "design.json", "labels.csv"]
    let before = try inputs.map { try Data(contentsOf: folder.appendingPathComponent($0)) }
    let cases: [[String]] = [
      ["margins", "fit.json", "--output", "fit.json"],
      ["predict", "fit.json", "--newdata", "data.csv", "-o", "data.csv"],
      ["table", "fit.json", "--labels", "labels.csv", "-o", "labels.csv"],
      ["table", "fit.json", "-o", "./fit.json"],
      ["plot", "coef", "fit.json", "--output", "fit.json"],
      ["fit", "ols", "wage ~ educ", "--data", "data.csv", "--design", "design.json", "--output", "design.json"],
      ["svyset", "--data", "data.csv", "--weights", "wage", "--save", "data.csv"],
    ]
    for arguments in cases {
      let run = try runStrata(arguments, in: folder)
      #expect(run.status == 1, "\(arguments)")
      #expect(run.stderr.contains("is the input file"), "\(arguments): \(run.stderr)")
    }
    #expect(try inputs.map { try Data(contentsOf: folder.appendingPathComponent($0)) } == before)
  }

  /// Two outputs of one command naming the same file are refused.
  @Test func twoOutputsNamingOneFileAreRefused() throws {
    let (folder, _, _) = try folderWithData()
    let run = try runStrata(
      ["fit", "ols", "wage ~ educ", "--data", "data.csv", "--save", "r.json", "--output", "./r.json"], in: folder)
    #expect(run.status == 1)
    #expect(run.stderr.contains("--output ./r.json and --save r.json name the same file; give them different files"), "\(run.stderr)")
    #expect(try names(in: folder) == ["data.csv"])
  }

  /// An existing file is replaced whole: its permissions and a link to it are kept, and no
  /// temporary file is left; a run that fails leaves the old file as it was.
  @Test func existingOutputIsReplacedAtomically() throws {
    let (folder, _, _) = try folderWithData()
    let out = folder.appendingPathComponent("out.csv")
    try Data("old\n".utf8).write(to: out)
    #expect(chmod(out.path, 0o640) == 0)
    try FileManager.default.createSymbolicLink(
      atPath: folder.appendingPathComponent("out-link.csv").path, withDestinationPath: out.path)

    let failed = try runStrata(["fit", "ols", "wage ~ nosuch", "--data", "data.csv", "--output", "out.csv"], in: folder)
    #expect(failed.status == 1)
    #expect(failed.stderr.contains("nosuch"))
    #expect(try String(contentsOf: out, encoding: .utf8) == "old\n", "a failed run left the old file")

    let expected = try runStrata(["describe", "data.csv", "--format", "csv"], in: folder)
    #expect(expected.status == 0)
    let run = try runStrata(["describe", "data.csv", "--format", "csv", "--output", "out-link.csv"], in: folder)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.isEmpty)
    #expect(try String(contentsOf: out, encoding: .utf8) == expected.stdout)
    #expect(fileType(folder.appendingPathComponent("out-link.csv").path) == S_IFLNK, "the link is still a link")
    var info = stat()
    #expect(stat(out.path, &info) == 0 && info.st_mode & 0o777 == 0o640, "permissions kept")
    #expect(try names(in: folder) == ["data.csv", "out-link.csv", "out.csv"], "no temporary file left")

    // An output named like a --format value is not mistaken for an input.
    try Data("old\n".utf8).write(to: folder.appendingPathComponent("csv"))
    let named = try runStrata(["describe", "data.csv", "--format", "csv", "--output", "csv"], in: folder)
    #expect(named.status == 0, "\(named.stderr)")
    #expect(try String(contentsOf: folder.appendingPathComponent("csv"), encoding: .utf8) == expected.stdout)
  }

  /// `/dev/null` stays a character device and a FIFO stays a FIFO: both are written into.
  /// `-` and `/dev/stdout` are standard output.
  @Test func specialFilesAreWrittenIntoNeverReplaced() throws {
    let (folder, _, _) = try folderWithData()
    let expected = try runStrata(["describe", "data.csv"], in: folder)
    #expect(expected.status == 0 && !expected.stdout.isEmpty)

    let null = try runStrata(["describe", "data.csv", "--output", "/dev/null"], in: folder)
    #expect(null.status == 0, "\(null.stderr)")
    #expect(null.stdout.isEmpty)
    #expect(fileType("/dev/null") == S_IFCHR, "/dev/null is still a character device")

    for name in ["-", "/dev/stdout"] {
      let run = try runStrata(["describe", "data.csv", "--output", name], in: folder)
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout == expected.stdout, "--output \(name) is standard output")
    }

    let fifo = folder.appendingPathComponent("pipe")
    #expect(mkfifo(fifo.path, 0o600) == 0)
    let reader = Process()
    reader.executableURL = URL(fileURLWithPath: "/bin/cat")
    reader.arguments = [fifo.path]
    let pipe = Pipe()
    reader.standardOutput = pipe
    try reader.run()
    let run = try runStrata(["describe", "data.csv", "--output", "pipe"], in: folder)
    let received = pipe.fileHandleForReading.readDataToEndOfFile()
    reader.waitUntilExit()
    #expect(run.status == 0, "\(run.stderr)")
    #expect(String(decoding: received, as: UTF8.self) == expected.stdout)
    #expect(fileType(fifo.path) == S_IFIFO, "the FIFO is still a FIFO")
    #expect(try names(in: folder) == ["data.csv", "pipe"])

    // A device that refuses the bytes (/dev/full: "no space left"): a plain error, exit 1.
    if fileType("/dev/full") == S_IFCHR {
      let full = try runStrata(["describe", "data.csv", "--output", "/dev/full"], in: folder)
      #expect(full.status == 1)
      #expect(full.stderr == "strata: error: cannot write /dev/full: no space left on the disk\n", "\(full.stderr)")
      #expect(fileType("/dev/full") == S_IFCHR)
    }
  }

  /// A folder, a path ending in `/`, a missing folder or a file used as a folder: a plain
  /// message naming the path and what to do, before any work.
  @Test func folderOutputsGiveClearErrors() throws {
    let (folder, data, bytes) = try folderWithData()
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("results"), withIntermediateDirectories: false)
    let cases: [(String, String)] = [
      ("results/", "cannot write results/: a path ending in / names a folder; give a file name (for example results/results.txt)"),
      ("results", "cannot write results: it is a folder; give a file name inside it (for example results/results.txt)"),
      ("missing/out.txt", "cannot write missing/out.txt: the folder missing does not exist; create it first (mkdir -p missing)"),
      ("data.csv/out.txt", "cannot write data.csv/out.txt: data.csv is a file, not a folder"),
    ]
    for (output, message) in cases {
      for command in [["describe", "data.csv"], ["fit", "ols", "wage ~ educ", "--data", "data.csv"]] {
        let run = try runStrata(command + ["--output", output], in: folder)
        #expect(run.status == 1, "\(output)")
        #expect(run.stderr.contains(message), "\(output): \(run.stderr)")
        #expect(!run.stderr.contains("NSCocoaErrorDomain") && !run.stderr.contains("The operation could not be completed"))
      }
      let save = try runStrata(["fit", "ols", "wage ~ educ", "--data", "data.csv", "--save", output], in: folder)
      #expect(save.status == 1)
      #expect(save.stderr.contains(message), "--save \(output): \(save.stderr)")
    }
    #expect(try Data(contentsOf: data) == bytes)
    #expect(try names(in: folder) == ["data.csv", "results"])
    #expect(try names(in: folder.appendingPathComponent("results")).isEmpty)
  }

  /// Without write permission on the folder (not testable as root, who may write anywhere).
  @Test(.enabled(if: getuid() != 0)) func folderWithoutPermissionGivesClearError() throws {
    let (folder, _, _) = try folderWithData()
    let locked = folder.appendingPathComponent("locked")
    try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
    #expect(chmod(locked.path, 0o500) == 0)
    defer { chmod(locked.path, 0o700) }
    let run = try runStrata(["describe", "data.csv", "--output", "locked/out.txt"], in: folder)
    #expect(run.status == 1)
    #expect(run.stderr.contains("cannot write locked/out.txt: no permission to create files in the folder locked"), "\(run.stderr)")
  }

  /// Files that cannot be read are named, with plain words rather than Foundation's error text.
  @Test func unreadableFilesGivePlainMessages() throws {
    let (folder, _, _) = try folderWithData()
    try Data("{\"weights\": ".utf8).write(to: folder.appendingPathComponent("broken.json"))
    let cases: [([String], String)] = [
      (["fit", "ols", "wage ~ educ", "--data", "data.csv", "--design", "broken.json"], "broken.json: not a Strata design file (not valid JSON)"),
      (["table", "nosuch.json"], "cannot read results nosuch.json: no such file or folder"),
      (["margins", "nosuch.json"], "nosuch.json"),
      (["notebook", "run", "nosuch.md", "--out", "o"], "cannot read notebook nosuch.md: no such file or folder"),
      (["table", "nosuch.json", "--labels", "nolabels.csv"], "nosuch.json"),
      (["fit", "ols", "wage ~ educ", "--data", "data.csv", "--design", "nodesign.json"], "nodesign.json"),
    ]
    for (arguments, message) in cases {
      let run = try runStrata(arguments, in: folder)
      #expect(run.status == 1, "\(arguments)")
      #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
      #expect(!run.stderr.contains("NSCocoaErrorDomain") && !run.stderr.contains("The operation could not be completed"),
        "\(arguments): \(run.stderr)")
    }
  }

  /// The device node is intact after the CLI tests that ran before this one (every `runStrata`
  /// also checks it after each run).
  @Test func devNullIsACharacterDevice() {
    #expect(fileType("/dev/null") == S_IFCHR)
  }
}
