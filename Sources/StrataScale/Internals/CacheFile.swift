import Foundation

/// A new, empty cache file `name` in a new folder `prefix-<UUID>` under `directory` (nil: the
/// system's temporary folder), open for reading and writing. The caller removes the folder when
/// it is done with the file.
///
/// - Throws: `ScaleError.cacheUnwritable` naming the file when it cannot be created (the folder
///   made for it is removed again); the file manager's error when the folder cannot be made.
func makeCacheFile(prefix: String, name: String, directory: URL?) throws -> (folder: URL, file: URL, handle: FileHandle)
{
  let base = directory ?? FileManager.default.temporaryDirectory
  let folder = base.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  let file = folder.appendingPathComponent(name)
  guard FileManager.default.createFile(atPath: file.path, contents: nil),
    let handle = try? FileHandle(forUpdating: file)
  else {
    try? FileManager.default.removeItem(at: folder)
    throw ScaleError.cacheUnwritable(path: file.path)
  }
  return (folder, file, handle)
}
