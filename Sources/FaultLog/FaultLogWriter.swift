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
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: url)
        self.path = path
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
        SHA256.hash(data: data).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// SHA-256 of a file's bytes, lowercase hex (for the header's scenario and profile hashes).
    public static func fileHash(_ path: String) throws -> String {
        hash(data: try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
