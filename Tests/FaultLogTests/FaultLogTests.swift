import FaultLog
import Foundation
import PropertyBased
import Testing

@Suite struct FaultLogTests {
    /// A small log: header, a few events, summary.
    func makeLog() throws -> (path: String, data: Data) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-log-\(UUID().uuidString).jsonl").path
        let writer = try FaultLogWriter(path: path)
        var header = JSONRecord(type: "header", tick: 0)
        header.add("format", FaultLogWriter.format)
        header.add("seed", 7)
        try writer.append(header)
        for k in [10, 11, 250] as [Int64] {
            var r = JSONRecord(type: "check_tripped", tick: k)
            r.add("check", "tracking_error")
            r.add("measured", 0.5000001)
            r.add("threshold", 0.5)
            try writer.append(r)
        }
        var summary = JSONRecord(type: "summary", tick: 1000)
        summary.add("verdict", "PASS")
        try writer.append(summary)
        try writer.sync()
        return (path, try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func anIntactLogVerifies() throws {
        let (path, data) = try makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = FaultLogVerifier.verify(data)
        #expect(report.problem == nil)
        #expect(report.records == 5)
        #expect(report.finalHash.count == 64)
    }

    /// Change every byte of the log, one at a time: each edit is found, on the line it is in
    /// (or, for a newline, the line it merges into).
    @Test func everySingleByteEditIsDetected() throws {
        let (path, data) = try makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = [UInt8](data)
        var lineOf: [Int] = []
        var line = 1
        for b in bytes {
            lineOf.append(line)
            if b == UInt8(ascii: "\n") { line += 1 }
        }
        for i in bytes.indices {
            for replacement in [bytes[i] ^ 0x01, bytes[i] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")] where replacement != bytes[i] {
                var edited = bytes
                edited[i] = replacement
                let report = FaultLogVerifier.verify(Data(edited))
                #expect(report.problem != nil, "edit at byte \(i) not detected")
                if let p = report.problem, bytes[i] != UInt8(ascii: "\n") {
                    #expect(p.line == lineOf[i], "edit at byte \(i) (line \(lineOf[i])) reported on line \(p.line)")
                }
            }
        }
    }

    @Test func aTruncatedLastLineIsReported() throws {
        let (path, data) = try makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        for cut in [1, 2, 40] {
            let report = FaultLogVerifier.verify(data.dropLast(cut))
            #expect(report.problem?.line == 5)
            #expect(report.problem?.reason.contains("incomplete last line") == true)
            #expect(report.records == 4, "the intact prefix is still counted")
        }
    }

    @Test func truncationAtALineBoundaryIsReportedAsAMissingSummary() throws {
        let (path, data) = try makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let prefix = Data(lines[0..<4].joined(separator: [UInt8(ascii: "\n")])) + Data([UInt8(ascii: "\n")])
        let report = FaultLogVerifier.verify(prefix)
        #expect(report.problem?.reason.contains("without its summary") == true)
        #expect(report.records == 4)
    }

    @Test func aRemovedOrSwappedLineBreaksTheChain() throws {
        let (path, data) = try makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        var removed = lines
        removed.remove(at: 2)
        let r1 = FaultLogVerifier.verify(Data((removed.joined(separator: "\n") + "\n").utf8))
        #expect(r1.problem?.line == 3)
        #expect(r1.problem?.reason.contains("does not follow") == true)
        lines.swapAt(1, 2)
        let r2 = FaultLogVerifier.verify(Data((lines.joined(separator: "\n") + "\n").utf8))
        #expect(r2.problem?.line == 2)
    }

    /// A log written as the writer writes it, with `header` as its first record.
    func chainedLog(header: JSONRecord, events: [JSONRecord] = []) throws -> Data {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-log-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try FaultLogWriter(path: path)
        try writer.append(header)
        for e in events { try writer.append(e) }
        try writer.append(JSONRecord(type: "summary", tick: 10))
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// Properly chained, and still not a log this version can vouch for: another format, no
    /// format, or two headers (two runs' records joined and chained again).
    @Test func aChainedLogOfAnotherFormatOrWithTwoHeadersIsRefused() throws {
        var other = JSONRecord(type: "header", tick: 0)
        other.add("format", "vigil-log/9")
        let r1 = FaultLogVerifier.verify(try chainedLog(header: other))
        #expect(r1.problem?.line == 1)
        #expect(r1.problem?.reason.contains("'vigil-log/9'") == true)

        let r2 = FaultLogVerifier.verify(try chainedLog(header: JSONRecord(type: "header", tick: 0)))
        #expect(r2.problem?.reason == "the header has no format")

        var good = JSONRecord(type: "header", tick: 0)
        good.add("format", FaultLogWriter.format)
        #expect(FaultLogVerifier.verify(try chainedLog(header: good)).problem == nil)
        let r3 = FaultLogVerifier.verify(try chainedLog(header: good, events: [good]))
        #expect(r3.problem?.line == 2)
        #expect(r3.problem?.reason.contains("a second header") == true)
    }

    @Test func anEmptyLineAfterTheSummaryIsNamedAsSuch() throws {
        let (path, data) = try makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = FaultLogVerifier.verify(data + Data("\n".utf8))
        #expect(report.problem?.line == 6)
        #expect(report.problem?.reason == "an empty line after the summary")
        #expect(FaultLogVerifier.verify(data + data).problem?.reason == "a record after the summary")
    }

    @Test func numbersAreWrittenInShortestRoundTripForm() {
        #expect(JSONRecord.number(0.1) == "0.1")
        #expect(JSONRecord.number(3) == "3")
        #expect(JSONRecord.number(-0.0) == "0")
        #expect(JSONRecord.number(1e-7) == "1e-07")
        #expect(Double(JSONRecord.number(0.5000001)) == 0.5000001)
        #expect(JSONRecord.number(.nan) == "null")
        #expect(JSONRecord.quote("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"")
    }

    /// Whatever the string, a JSON parser nobody here wrote reads the quoted form back as the
    /// same string: the fast path (nothing to escape) and the escaping path alike.
    @Test func quotedStringsParseBackToThemselves() async throws {
        let alphabet: [Unicode.Scalar] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1f}", "\u{7f}", "é", "µ", "°", "—", "\u{2028}", "😀",
        ]
        let strings = Gen<Unicode.Scalar?>.element(of: alphabet).map { $0! }.array(of: 0...15).map { String(String.UnicodeScalarView($0)) }
        await propertyCheck(count: 2000, input: strings) { string in
            let json = "[" + JSONRecord.quote(string) + "]"
            let parsed = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]
            #expect(parsed == [string], "\(json)")
        }
        #expect(JSONRecord.quote("plain") == "\"plain\"")
        #expect(JSONRecord.quote("") == "\"\"")
    }
}
