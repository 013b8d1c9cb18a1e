public import Foundation

/// Checks a fault-injection log's hash chain.
public enum FaultLogVerifier {
    public struct Report: Sendable, Equatable {
        /// Complete, chained records.
        public var records: Int
        /// The last record's hash (the log's final hash).
        public var finalHash: String
        /// Nil for an intact log that ends with its summary record.
        public var problem: Problem?
    }

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// 1-based line number of the first bad line (or the line after the last, for a
        /// missing summary).
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Verifies the log at `path`; throws only when the file cannot be read.
    public static func verify(path: String) throws -> Report {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return verify(data)
    }

    /// Why `path` could not be read, in words (Foundation's own message for a folder is
    /// "NSCocoaErrorDomain error 256").
    public static func whyUnreadable(_ path: String, _ error: any Error) -> String {
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) { return "no such file" }
        if isFolder.boolValue { return "it is a folder, not a log file" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return error.localizedDescription
    }

    public static func verify(_ data: Data) -> Report {
        var previous = FaultLogWriter.genesis
        var records = 0
        var sawSummary = false
        let bytes = [UInt8](data)
        var start = 0
        var lineNumber = 0
        func fail(_ line: Int, _ reason: String) -> Report {
            Report(records: records, finalHash: previous, problem: Problem(line: line, reason: reason))
        }
        while start < bytes.count {
            lineNumber += 1
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                return fail(lineNumber, "incomplete last line (the log was truncated or the run was cut off)")
            }
            let lineBytes = bytes[start..<newline]
            start = newline + 1
            guard let line = String(bytes: lineBytes, encoding: .utf8) else {
                return fail(lineNumber, "not UTF-8 text")
            }
            if sawSummary {
                return fail(lineNumber, line.isEmpty ? "an empty line after the summary" : "a record after the summary")
            }
            let marker = ",\"hash\":\""
            guard line.hasSuffix("\"}"), let range = line.range(of: marker, options: .backwards),
                line.distance(from: range.upperBound, to: line.endIndex) == 66
            else {
                return fail(lineNumber, "no record hash at the end of the line")
            }
            let body = String(line[..<range.lowerBound])
            let claimed = String(line[range.upperBound...].dropLast(2))
            guard FaultLogWriter.hash(body) == claimed else {
                return fail(lineNumber, "the record does not match its hash (edited)")
            }
            guard body.hasSuffix(",\"prev\":\"" + previous + "\"") else {
                return fail(lineNumber, "the record does not follow the previous one (a record was removed, added or reordered)")
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(lineBytes)) as? [String: Any],
                let type = object["type"] as? String
            else {
                return fail(lineNumber, "not a JSON record with a type")
            }
            if records == 0 && type != "header" { return fail(lineNumber, "the first record is not the header") }
            if records > 0 && type == "header" { return fail(lineNumber, "a second header (two logs joined into one?)") }
            if records == 0, let format = object["format"] as? String, format != FaultLogWriter.format {
                return fail(lineNumber, "the log's format is '\(format)'; this version of Vigil reads '\(FaultLogWriter.format)'")
            }
            if records == 0 && !(object["format"] is String) { return fail(lineNumber, "the header has no format") }
            if type == "summary" { sawSummary = true }
            previous = claimed
            records += 1
        }
        if records == 0 { return fail(1, "the log is empty") }
        if !sawSummary {
            return fail(lineNumber + 1, "the log ends without its summary record (truncated, or the run did not finish)")
        }
        return Report(records: records, finalHash: previous, problem: nil)
    }
}
