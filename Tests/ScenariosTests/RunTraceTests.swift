import ControlLoop
import Foundation
import MotionTypes
import Scenarios
import Testing

@Suite struct RunTraceTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-trace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func frame(_ v: Double) -> SensorFrame {
        var f = SensorFrame(jointCount: 2)
        for j in 0..<2 {
            f.encoder[j] = v + Double(j)
            f.potentiometer[j] = v + 0.5
            f.current[j] = -v
            f.temperature[j] = 25
        }
        return f
    }

    /// What is recorded is what is read back, channel by channel; a long run keeps every n-th tick.
    @Test func recordedValuesReadBackAndLongRunsAreSampled() throws {
        let recorder = TraceRecorder(jointNames: ["a", "b"], jointKinds: ["revolute", "prismatic"], rate: 1000, capacity: 10, maxValues: 10 * 19)
        #expect(recorder.every == 1)
        for k in 0..<10 {
            recorder.record(
                setpoint: JointVector([Double(k), 0]), truth: JointVector([Double(k) + 0.25, 0]), frame: frame(Double(k)),
                tip: Vector3(Double(k), 1, 2), referenceTip: Vector3(.nan, .nan, .nan), state: k < 5 ? .enabled : .fault)
        }
        let path = folder.appendingPathComponent("t.trace").path
        _ = try recorder.write(to: path)
        let trace = try RunTrace(contentsOf: path)
        #expect(trace.ticks == 10 && trace.every == 1 && trace.joints == ["a", "b"] && trace.jointKinds == ["revolute", "prismatic"])
        #expect(trace.series("setpoint", joint: 0) == (0..<10).map { Float($0) })
        #expect(trace.series("true", joint: 0) == (0..<10).map { Float($0) + 0.25 })
        #expect(trace.series("encoder", joint: 1) == (0..<10).map { Float($0) + 1 })
        #expect(trace.series("potentiometer", joint: 1) == (0..<10).map { Float($0) + 0.5 })
        #expect(trace.series("current", joint: 0) == (0..<10).map { -Float($0) })
        #expect(trace.series("tip_x") == (0..<10).map { Float($0) })
        #expect(trace.series("reference_tip_y").allSatisfy { $0.isNaN })
        #expect(trace.series("state") == [1, 1, 1, 1, 1, 3, 3, 3, 3, 3])

        // Room for 4 ticks of 19 values: a 10-tick run keeps ticks 0, 3, 6, 9.
        let sampled = TraceRecorder(jointNames: ["a", "b"], jointKinds: ["revolute", "revolute"], rate: 1000, capacity: 10, maxValues: 4 * 19)
        #expect(sampled.every == 3)
        for k in 0..<10 {
            sampled.record(setpoint: JointVector([Double(k), 0]), truth: nil, frame: frame(0), tip: .zero, referenceTip: .zero, state: .enabled)
        }
        _ = try sampled.write(to: path)
        let read = try RunTrace(contentsOf: path)
        #expect(read.every == 3 && read.ticks == 4)
        #expect(read.series("setpoint", joint: 0) == [0, 3, 6, 9])
        #expect(read.series("true", joint: 0).allSatisfy { $0.isNaN }, "no truth on hardware")
    }

    @Test func aTruncatedOrOversizedTraceIsRejectedNotTrusted() throws {
        let path = folder.appendingPathComponent("bad.trace").path
        let header = #"{"format":"vigil-trace/1","rate_hz":1000,"every_ticks":1,"ticks":9223372036854775807,"joints":["a"],"joint_kinds":["revolute"]}"#
        try Data((header + "\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: RunTrace.ReadError.self) { try RunTrace(contentsOf: path) }
        try Data((header.replacingOccurrences(of: "9223372036854775807", with: "2") + "\n").utf8 + [0, 0, 0]).write(to: URL(fileURLWithPath: path))
        #expect(throws: RunTrace.ReadError.self) { try RunTrace(contentsOf: path) }
    }

    /// Before the first enable there is no reference to stray from: the trace has none, as the
    /// runner's excursion counts none.
    @Test func theReferenceTipStartsWithTheFirstEnable() throws {
        let scenario = folder.appendingPathComponent("late.yaml")
        try """
            format: vigil-scenario/1
            name: late enable
            description: enabled at 100 ms
            hazards: [H01]
            profile: \(repositoryRoot.path)/HardwareProfiles/dvrk-psm.yaml
            seed: 1
            duration: 200 ms
            timeline:
              - { at: 100 ms, command: enable }
              - { at: 101 ms, command: home }
            expect:
              - { final_state: ENABLED }
            """.write(to: scenario, atomically: true, encoding: .utf8)
        let log = folder.appendingPathComponent("late.jsonl").path
        let result = try ScenarioRunner.runSimulated(
            try ScenarioLoader.load(path: scenario.path), seed: 1, logPath: log,
            metadata: RunMetadata(vigilVersion: "test", gitCommit: "test", backend: "simulator"), trace: true)
        #expect(result.passed)
        let trace = try RunTrace(contentsOf: TraceRecorder.path(forLog: log))
        let reference = trace.series("reference_tip_z")
        #expect(reference[..<100].allSatisfy { $0.isNaN })
        #expect(reference[100...].allSatisfy { $0.isFinite })
        #expect(trace.series("tip_z").allSatisfy { $0.isFinite })
    }
}
