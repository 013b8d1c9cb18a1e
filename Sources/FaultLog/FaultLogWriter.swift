import Crypto
public import Foundation

/// Writes a fault-injection log: JSON Lines, one record per line, each carrying the SHA-256 of
/// the previous line's record (`prev`) and its own (`hash`), so any edit, reordering or
/// truncation is found by ``FaultLogVerifier``.
///
/// A line is `{…fields…,"prev":"<hex>","hash":"<hex>"}` where `hash` is the SHA-256 of the
/// line's text up to (not including) `,"hash"`. Each line is handed to the OS in one `write`,
/// so a crash leaves a valid prefix of whole lines (at worst one torn last line, which the
/// verifier reports as truncated).
public final class FaultLogWriter {
    public static let format = "vigil-log/1"
    public static let genesis = String(repeating: "0", count: 64)

    let handle: FileHandle
    public let path: String
    public private(set) var lastHash = FaultLogWriter.genesis
    public private(set) var records = 0

    /// Creates (or truncates) the log at `path`.
    public init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        handle = try Self.create(path)
        self.path = path
    }

    /// Creates (or empties) `path` for writing. Not `FileManager.createFile`, which writes a
    /// temporary file, fsyncs it and renames it: two file-system round trips per file that a
    /// campaign of thousands of runs pays for nothing (the log's own `sync` makes it durable).
    public static func create(_ path: String) throws -> FileHandle {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)  // less the umask, as Foundation does
        guard fd >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
        }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    deinit { try? handle.close() }

    /// Appends `record`, chaining it to the previous one.
    public func append(_ record: JSONRecord) throws {
        let body = record.body + ",\"prev\":\"" + lastHash + "\""
        let hash = FaultLogWriter.hash(body)
        let line = body + ",\"hash\":\"" + hash + "\"}\n"
        try handle.write(contentsOf: Data(line.utf8))
        lastHash = hash
        records += 1
    }

    /// Flushes to stable storage.
    public func sync() throws { try handle.synchronize() }

    static func hash(_ text: String) -> String { hash(data: Data(text.utf8)) }

    /// SHA-256 of `data`, lowercase hex.
    public static func hash(data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// SHA-256 of `head` followed by `body`, lowercase hex: a file's hash from the bytes just
    /// written, without reading the file back.
    public static func hash(_ head: Data, _ body: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(data: head)
        hasher.update(bufferPointer: body)
        return hex(hasher.finalize())
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// SHA-256 of a file's bytes, lowercase hex (for the header's scenario and profile hashes).
    public static func fileHash(_ path: String) throws -> String {
        hash(data: try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
