import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `vigil run --realtime`: the paced executive, the log written from another thread, and the
/// timing in the summary. In a process of its own, since it locks memory and changes the
/// scheduling class when the machine allows.
@Suite struct RealtimeRunCLITests {
    func records(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// Without the chain fields, which differ once the header differs.
    func content(_ record: [String: Any]) -> String {
        var r = record
        r["prev"] = nil
        r["hash"] = nil
        let data = try! JSONSerialization.data(withJSONObject: r, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// A paced run whose log can no longer be written (here the file-size limit; a full disk
    /// or a pulled drive alike) stops at once with power off, exit 1, instead of driving the arm
    /// for the rest of a 20 s run that records nothing.
    @Test func aLogThatCannotBeWrittenStopsAPacedRun() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        var timeline = "  - { at: 0 ms, command: enable }\n  - { at: 1 ms, command: home }\n"
        for i in 1..<100 { timeline += "  - { at: \(i * 100) ms, command: \(i % 2 == 1 ? "pause" : "resume") }\n" }
        let scenario = out.appendingPathComponent("long.yaml")
        try """
            format: vigil-scenario/1
            name: many pauses
            description: an event every 100 ms for 20 s
            hazards: [H01]
            profile: \(profilePath("bench-3dof.yaml"))
            seed: 1
            duration: 20 s
            timeline:
            \(timeline)expect:
              - { no_trip: any }
            """.write(to: scenario, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        // 6 KiB of log at most; the run's events fill that in under a second of its 20 s. The
        // shell leaves SIGXFSZ at its default (death): vigil must ignore it itself.
        process.arguments = ["-c", "ulimit -f 6; exec \"$0\" run \"$1\" --realtime --out \"$2\"", try vigilExecutable().path, scenario.path, out.path]
        process.currentDirectoryURL = repositoryRoot
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(stderr)")
        #expect(stderr.contains("the log could not be written (") && stderr.contains("File too large"), "\(stderr)")
        #expect(stderr.contains("the run was stopped at tick") && stderr.contains("power removed"), "\(stderr)")
        #expect(!stderr.contains("NSCocoaErrorDomain"), "\(stderr)")
        let tick = stderr.components(separatedBy: "stopped at tick ").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
        #expect((tick ?? .max) < 19_000, "stopped when the log failed, not at the run's end: \(stderr)")
    }

    @Test func aPacedRunLogsWhatAnUnpacedRunLogsPlusItsTiming() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let scenario = "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml"
        let paced = try vigil("run", scenario, "--realtime", "--out", out.appendingPathComponent("paced").path)
        #expect(paced.status == 0 || paced.status == 1, "\(paced.stdout)\(paced.stderr)")
        #expect(paced.stdout.contains("  timing: wake latency p50 "))
        let plain = try vigil("run", scenario, "--out", out.appendingPathComponent("plain").path)
        #expect(plain.status == 0)

        let pacedLog = out.appendingPathComponent("paced/pot-offset-above-seed1.jsonl").path
        let plainLog = out.appendingPathComponent("plain/pot-offset-above-seed1.jsonl").path
        #expect(try vigil("verify-log", pacedLog).status == 0)
        let a = try records(pacedLog), b = try records(plainLog)
        // Every event between header and summary is the same, in the same order, up to the first
        // missed period: on a busy machine a paced run can miss one, and then it is logged as an
        // overrun and reaches the interlock (H15), which an unpaced run never sees.
        let overruns = a.filter { $0["type"] as? String == "overrun" }
        let horizon = overruns.first.map { $0["tick"] as! Int } ?? Int.max
        func events(_ log: [[String: Any]]) -> [String] {
            log.dropFirst().dropLast().filter { ($0["tick"] as? Int ?? 0) < horizon }.map(content)
        }
        #expect(events(a) == events(b))
        if overruns.isEmpty { #expect(a.count == b.count) }

        // The header says what the system granted, and each refusal was printed as a warning.
        let realtime = try #require(a[0]["realtime"] as? [String: Any])
        let warnings = realtime["warnings"] as? [String] ?? []
        for warning in warnings { #expect(paced.stderr.contains(warning)) }
        #expect((realtime["sched_fifo_priority"] is NSNull) == warnings.contains { $0.contains("SCHED_FIFO") })
        #expect((realtime["cpu_latency_us"] is NSNull) == warnings.contains { $0.contains("/dev/cpu_dma_latency") })
        #expect(realtime["cpu_latency_us"] is NSNull || realtime["cpu_latency_us"] as? Int == 0)
        #expect(b[0]["realtime"] == nil)

        // The summary has the run's timing: one sample per tick.
        let timing = try #require(a.last?["timing"] as? [String: Any])
        #expect(timing["ticks"] as? Int == 1500)
        #expect(timing["missed_periods"] as? Int == overruns.count, "every missed period is logged as an overrun")
        for key in ["wake_p50_us", "wake_p99_us", "wake_p999_us", "wake_max_us", "compute_p50_us", "compute_p99_us"] {
            #expect((timing[key] as? Double ?? -1) >= 0, "\(key)")
        }
        #expect((timing["wake_p50_us"] as! Double) <= (timing["wake_max_us"] as! Double))
        #expect(b.last?["timing"] == nil)
        // On a machine too busy to keep the period the interlock answers the missed periods
        // (H15) and the scenario's verdict may change; without them it must pass.
        if overruns.isEmpty {
            #expect(paced.status == 0, "\(paced.stdout)")
            #expect(a.last?["verdict"] as? String == "PASS")
        }
    }

    /// Ctrl-C (or SIGTERM, or SIGHUP: a closed terminal) during a paced simulator run ends it at
    /// the end of a tick: the log says why and verifies, and the exit code is 1, as on the
    /// serial backend.
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalEndsAPacedRunWithAnIntactLog(_ signal: Int32) throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let (run, stdout) = try startVigil(["run", "Scenarios/nominal/psm-nominal-move.yaml", "--realtime", "--out", out.path])  // 3 s, paced
        usleep(700_000)
        kill(run.processIdentifier, signal)
        let text = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        #expect(run.terminationReason == .exit && run.terminationStatus == 1, "\(run.terminationReason) \(run.terminationStatus): \(text)")
        let name = [SIGINT: "SIGINT", SIGTERM: "SIGTERM", SIGHUP: "SIGHUP"][signal]!
        #expect(text.contains("STOPPED EARLY: interrupted (\(name))"), "\(text)")
        let log = out.appendingPathComponent("psm-nominal-move-seed1.jsonl").path
        #expect(try vigil("verify-log", log).status == 0)
        let records = try records(log)
        #expect(records.contains { $0["type"] as? String == "interrupted" })
        #expect(records.last?["type"] as? String == "summary" && records.last?["verdict"] as? String == "FAIL")
    }

    @Test func priorityAndCPUWithoutPacingAreRefused() throws {
        let run = try vigil("run", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "--cpu", "0")
        #expect(run.status == 2)
        #expect(run.stderr.contains("--priority and --cpu are for paced runs: add --realtime"), "\(run.stderr)")
    }

    @Test func startChecksAndProfilesAreNotRunOnTheSerialBus() throws {
        let run = try vigil("run", "Scenarios/bench-3dof/H20-servo-model-mismatch.yaml", "--backend", "serial")
        #expect(run.status == 2)
        #expect(run.stderr.contains("is a start check, which runs on the simulator"))
    }
}
