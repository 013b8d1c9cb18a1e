@testable import ControlLoop
import FaultLog
import Foundation
@testable import Scenarios
import Testing

/// The real-time run's log writer: a full ring drops and counts, and the log says so.
@Suite struct LogWriterThreadTests {
    @Test func aFullRingIsCountedAndLoggedNeverBlocking() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-ring-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = try ScenarioLoader.load(path: repositoryRoot.appendingPathComponent("Scenarios/H15-deadline-overrun/three-overruns.yaml").path)
        let log = try FaultLogWriter(path: folder.appendingPathComponent("ring.jsonl").path)
        let recorder = EventRecorder(scenario: scenario, log: log, drawnParameters: [nil])
        let writer = LogWriterThread(recorder: recorder, capacity: 8)
        // Far faster than the writer formats and writes: the ring fills, and push returns at once.
        for k in 0..<Int64(5000) { writer.push(LoopEvent.make(.overrun, k)) }
        writer.finish()
        #expect(writer.error == nil)
        #expect(writer.dropped > 0)
        try log.sync()
        let lines = try String(contentsOfFile: log.path, encoding: .utf8).split(separator: "\n")
        let overruns = lines.filter { $0.contains("\"type\":\"overrun\"") }.count
        let dropped = lines.filter { $0.contains("\"type\":\"events_dropped\"") }.compactMap { line -> Int? in
            guard let range = line.range(of: "\"count\":") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(overruns + writer.dropped == 5000, "every event is either written or counted")
        #expect(dropped.reduce(0, +) == writer.dropped, "and every drop is logged")
        // Records from two threads (the writer's, then this one's) form one intact chain.
        for (i, line) in lines.enumerated().dropFirst() {
            let previous = lines[i - 1]
            let hash = previous[previous.range(of: "\"hash\":\"")!.upperBound...].prefix(64)
            #expect(line.contains("\"prev\":\"\(hash)\""))
        }
    }
}
