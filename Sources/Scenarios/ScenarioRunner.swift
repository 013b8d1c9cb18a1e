public import ActuatorInterface
public import ControlLoop
import FaultLog
import Foundation
import Kinematics
public import MotionTypes
public import Realtime
import SafetyInterlock
import Simulator

/// Facts about this Vigil build and run that go in the log header.
public struct RunMetadata: Sendable {
    public var vigilVersion: String
    public var gitCommit: String
    public var backend: String
    /// Checks the profile enables that have no hardware input on this backend (they see only
    /// injected faults), with why: the log's header lists them, so a check that is on but blind
    /// to the hardware is never silent.
    public var checksWithoutHardwareInput: [(check: String, reason: String)] = []

    public init(vigilVersion: String, gitCommit: String, backend: String) {
        self.vigilVersion = vigilVersion
        self.gitCommit = gitCommit
        self.backend = backend
    }
}

/// One expectation's verdict.
public struct ExpectationResult: Sendable, Equatable {
    public var expectation: String
    public var passed: Bool
    /// The figure behind the verdict, e.g. "tripped at tick 811 (11 ms after onset)".
    public var figure: String

    public init(expectation: String, passed: Bool, figure: String) {
        self.expectation = expectation
        self.passed = passed
        self.figure = figure
    }
}

/// What a run showed.
public struct RunResult: Sendable {
    public var scenario: String
    public var seed: UInt64
    public var logPath: String
    public var finalHash: String
    public var expectations: [ExpectationResult]
    public var trips: [(tick: Int64, trip: Trip)]
    public var firstDetectionTick: Int64?
    public var safeStateTick: Int64?
    /// Metres.
    public var peakExcursion: Double
    public var finalState: OperatingState
    public var worstResponse: Response
    /// Events the loop could not record: when > 0 the evidence is incomplete and no `no_trip`
    /// expectation can pass.
    public var eventsLost: Int
    /// Why the run stopped before its end, if it did.
    public var interruption: String?
    /// The backend's counters (serial runs: bus cycles, CRC errors, missing replies, …).
    public var backendStatistics: [(name: String, value: Int)] = []
    /// Real-time runs: wake latency, compute time and missed periods.
    public var timing: TimingSummary?
    /// The trace file written next to the log (name, SHA-256), when the run recorded one.
    public var trace: (file: String, sha256: String)?
    /// The first tick the boards' own watchdog had removed power (simulated boards only).
    public var boardStopTick: Int64?
    /// The backend can tell when the boards' watchdog acts (a simulator; not real boards).
    public var boardWatchdogObservable = true
    /// Servo ids that did not confirm torque off when the run stopped (serial runs): the host
    /// cannot say they are unpowered. Empty when every one did, and on the simulator.
    public var torqueOffUnconfirmed: [Int] = []

    public var passed: Bool { expectations.allSatisfy(\.passed) }
}

public enum ScenarioRunner {
    /// Runs `scenario` on the simulator with `seed` and writes its log to `logPath`.
    public static func runSimulated(
        _ scenario: Scenario, seed: UInt64, logPath: String, metadata: RunMetadata, realtime: RealtimeReport? = nil, trace: Bool = false,
        durable: Bool = true, timing: TimingRecorder? = nil, interrupt: (@Sendable () -> String?)? = nil
    ) throws -> RunResult {
        let simulator = Simulator(model: scenario.profile.plantModel(), seed: seed, initialPosition: scenario.initialJoints)
        return try run(
            scenario, backend: simulator, seed: seed, logPath: logPath, metadata: metadata, realtime: realtime, trace: trace,
            interrupt: interrupt.map { ask -> (Simulator) -> String? in { _ in ask() } }, durable: durable, timing: timing)
    }

    /// Runs `scenario` on `backend`. The excursion uses the backend's true joint positions when
    /// it knows them (a simulator), otherwise the measured ones.
    /// `interrupt` is asked after every tick and ends the run early with its reason (Ctrl-C, a
    /// lost link). An interrupted run fails, and its log says why.
    /// `started`: the caller already started the backend (to report its errors itself).
    /// `durable`: the log and trace are flushed to the disk (fsync) when the run ends; a
    /// campaign passes false and flushes its whole output once at the end.
    ///
    /// With `realtime` (what `Realtime.enter` granted on this thread), the run is paced at the
    /// profile's rate by the real-time executive (absolute deadlines, missed periods skipped
    /// and reported to the interlock as overruns), the log is written by another thread from a
    /// preallocated ring (a full ring is counted and logged, the tick never waits), and the
    /// header and summary carry what the system granted and the run's timing. `timing`: a
    /// recorder the caller keeps, with room for this run's ticks after those it holds (the bench
    /// pools several runs in one); by default the run makes its own. Without `realtime`, ticks
    /// run back to back and the log is written between them: byte-identical for a given
    /// scenario, profile, seed and Vigil version.
    public static func run<Backend: ActuatorBackend>(
        _ scenario: Scenario, backend: Backend, seed: UInt64, logPath: String, metadata: RunMetadata,
        started: Bool = false, realtime: RealtimeReport? = nil, trace: Bool = false, interrupt: ((Backend) -> String?)? = nil,
        durable: Bool = true, timing given: TimingRecorder? = nil
    ) throws -> RunResult {
        let session = try RunSession(
            scenario, backend: backend, seed: seed, logPath: logPath, metadata: metadata, started: started, realtime: realtime,
            trace: trace, logOnAnotherThread: realtime != nil, durable: durable)
        // Real-time only: the timer and the timing record.
        var timer = PeriodicTimer(periodNanoseconds: Int64((1e9 / scenario.profile.rate).rounded()))
        let timing = realtime == nil ? nil : given ?? TimingRecorder(capacity: Int(scenario.durationTicks))
        if let realtime { Realtime.lockAgain(realtime) }
        for k in 0..<scenario.durationTicks {
            var woke: Int64 = 0
            var wakeLatency: Int64 = 0
            var missed = 0
            if timing != nil {
                (wakeLatency, missed, woke) = timer.wait()
                if missed > 0 { session.loop.reportOverruns(missed) }
            }
            try session.tick(k)
            if let timing { timing.record(wakeNanoseconds: wakeLatency, computeNanoseconds: Realtime.now() - woke, missed: missed) }
            if let reason = interrupt?(session.loop.backend) {
                try session.interrupt(at: k, reason: reason)
                break
            }
        }
        return try session.finish(timing: timing)
    }

    // MARK: Expectations

    static func evaluate(_ expectation: Expectation, _ r: RunResult, _ scenario: Scenario) -> ExpectationResult {
        let profile = scenario.profile
        let onset = scenario.firstOnset ?? 0
        let ms = 1000 / profile.rate
        let text = describe(expectation, profile)
        // Verdicts read from the events cannot stand on an incomplete record: a lost trip could
        // be earlier, or more severe, than those kept.
        switch expectation {
        case .trips, .noTrip, .response:
            if r.eventsLost > 0 {
                return ExpectationResult(expectation: text, passed: false, figure: "\(r.eventsLost) events were lost: the evidence is incomplete")
            }
        case .finalState, .maxExcursion, .boardStops:
            break
        }
        switch expectation {
        case let .trips(check, joint, within):
            let first = r.trips.first { $0.trip.check == check && (joint == nil || $0.trip.joint == joint) && $0.tick >= (scenario.faults.isEmpty ? 0 : onset) }
            guard let first else { return ExpectationResult(expectation: text, passed: false, figure: "did not trip") }
            let latency = first.tick - onset
            let figure = scenario.faults.isEmpty
                ? "tripped at tick \(first.tick)" : "tripped at tick \(first.tick), \(format(Double(latency) * ms)) ms after onset"
            return ExpectationResult(expectation: text, passed: within.map { latency <= $0 } ?? true, figure: figure)
        case let .noTrip(check):
            let hits = r.trips.filter { check == nil || $0.trip.check == check }
            guard let first = hits.first else { return ExpectationResult(expectation: text, passed: true, figure: "no trip") }
            return ExpectationResult(
                expectation: text, passed: false,
                figure: "\(hits.count) trip\(hits.count == 1 ? "" : "s"), first \(first.trip.check.name) at tick \(first.tick)")
        case let .response(response):
            return ExpectationResult(expectation: text, passed: r.worstResponse == response, figure: "most severe response: \(r.worstResponse.name)")
        case let .finalState(state):
            return ExpectationResult(expectation: text, passed: r.finalState == state, figure: "final state \(r.finalState.rawValue)")
        case let .maxExcursion(limit):
            return ExpectationResult(
                expectation: text, passed: r.peakExcursion <= limit,
                figure: "peak excursion \(format(r.peakExcursion * 1000, decimals: bound(limit * 1000).figureDecimals)) mm")
        case let .boardStops(within):
            guard r.boardWatchdogObservable else {
                return ExpectationResult(
                    expectation: text, passed: false, figure: "not observable: the host cannot see real boards' watchdog (simulator runs only)")
            }
            guard let stop = r.boardStopTick else {
                return ExpectationResult(expectation: text, passed: within == nil, figure: "the boards' watchdog never removed power")
            }
            let latency = stop - onset
            let figure = "the boards' watchdog removed power at tick \(stop), \(format(Double(latency) * ms)) ms after onset"
            return ExpectationResult(expectation: text, passed: within.map { latency >= 0 && latency <= $0 } ?? false, figure: figure)
        }
    }

    static func describe(_ e: Expectation, _ profile: HardwareProfile) -> String {
        let ms = 1000 / profile.rate
        switch e {
        case let .trips(check, joint, within):
            var s = "\(check.name) trips"
            if let joint { s += " on \(profile.joints[joint].name)" }
            if let within { s += " within \(format(Double(within) * ms)) ms of onset" }
            return s
        case let .noTrip(check): return check.map { "\($0.name) does not trip" } ?? "no check trips"
        case let .response(r): return "most severe response is \(r.name)"
        case let .finalState(s): return "final state is \(s.rawValue)"
        case let .maxExcursion(m): return "tip excursion at most \(bound(m * 1000).text) mm"
        case let .boardStops(within):
            return within.map { "the boards' watchdog removes power within \(format(Double($0) * ms)) ms of onset" }
                ?? "the boards' watchdog never removes power"
        }
    }

    static func format(_ v: Double, decimals: Int = 3) -> String {
        v == v.rounded() && abs(v) < 1e15 ? "\(Int(v))" : String(format: "%.\(decimals)f", v)
    }

    /// A limit as written (a whole number, three decimals, or as many as it takes, up to nine
    /// significant digits), and how many decimals a figure compared with it needs: one more
    /// than the limit has, and at least three. So a limit of 0.0019 mm reads "0.0019", not
    /// "0.002", and a peak of 0.00194 beside it reads "0.00194".
    static func bound(_ v: Double) -> (text: String, figureDecimals: Int) {
        if v == v.rounded() && abs(v) < 1e15 { return ("\(Int(v))", 3) }
        let three = String(format: "%.3f", v)
        if let back = Double(three), abs(back - v) <= 1e-12 * max(1, abs(v)) { return (three, 3) }
        guard abs(v) >= 1e-6 else { return (String(format: "%.3g", v), 12) }
        var text = String(format: "%.9f", v)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }  // 2.9999999999 rounds to "3"
        let decimals = text.split(separator: ".").last.map(\.count) ?? 0
        return (text, max(3, decimals + 1))
    }

    // MARK: Log records

    /// The header's first fields, for runs and start checks alike: format, build, scenario.
    static func provenance(path: String, name: String, hazards: [String], metadata: RunMetadata) throws -> JSONRecord {
        var r = JSONRecord(type: "header", tick: 0)
        r.add("format", FaultLogWriter.format)
        r.add("vigil_version", metadata.vigilVersion)
        r.add("git_commit", metadata.gitCommit)
        var scenario = JSONRecord.object()
        scenario.add("path", path)
        scenario.add("sha256", try FaultLogWriter.fileHash(path))
        scenario.add("name", name)
        scenario.add("hazards", hazards)
        r.add("scenario", scenario)
        return r
    }

    /// Expectations and their verdicts as a JSON array (summaries, runs.json).
    public static func expectationsJSON(_ results: [ExpectationResult]) -> String {
        let items = results.map { e -> String in
            var o = JSONRecord.object()
            o.add("expectation", e.expectation)
            o.add("passed", e.passed)
            o.add("figure", e.figure)
            return o.json
        }
        return "[" + items.joined(separator: ",") + "]"
    }

    /// The log of a run that never started because the boards refused it: its header, a
    /// `start_refused` record with the reason (H20 when a servo is the wrong model), and a
    /// failing summary. Flushed to the disk; returns the final hash.
    public static func logStartRefusal(
        _ s: Scenario, seed: UInt64, logPath: String, metadata: RunMetadata, wrongHardware: Bool, problem: String
    ) throws -> String {
        let log = try FaultLogWriter(path: logPath)
        try log.append(header(s, seed: seed, metadata: metadata))
        try log.append(startRecord(refusal: wrongHardware ? ("hardware_mismatch", ["H20"]) : ("boards_unavailable", []), problems: [problem]))
        try log.append(startSummary([ExpectationResult(expectation: "the run starts", passed: false, figure: "refused before power-on: \(problem)")]))
        try log.sync()
        return log.lastHash
    }

    /// The record of a start checked before power-on: `start_accepted`, or `start_refused` with
    /// its reason and the hazards the refusal answers; the problems found either way.
    static func startRecord(refusal: (reason: String, hazards: [String])?, problems: [String]) -> JSONRecord {
        var record = JSONRecord(type: refusal == nil ? "start_accepted" : "start_refused", tick: 0)
        if let refusal {
            record.add("reason", refusal.reason)
            record.add("hazards", refusal.hazards)
        }
        record.add("problems", problems)
        return record
    }

    /// The summary of a run that ran no ticks: its verdicts, and the arm never powered.
    static func startSummary(_ results: [ExpectationResult]) -> JSONRecord {
        var summary = JSONRecord(type: "summary", tick: 0)
        summary.add("verdict", results.allSatisfy(\.passed) ? "PASS" : "FAIL")
        summary.add("expectations", raw: expectationsJSON(results))
        summary.add("final_state", "DISABLED")
        return summary
    }

    static func header(
        _ s: Scenario, seed: UInt64, metadata: RunMetadata, realtime: RealtimeReport? = nil, trace: String? = nil
    ) throws -> JSONRecord {
        var r = try provenance(path: s.path, name: s.name, hazards: s.hazards, metadata: metadata)
        var profile = JSONRecord.object()
        profile.add("path", s.profilePath)
        profile.add("sha256", try FaultLogWriter.fileHash(s.profilePath))
        profile.add("id", s.profile.id)
        r.add("profile", profile)
        r.add("seed", seed)
        r.add("rate_hz", s.profile.rate)
        r.add("duration_ticks", s.durationTicks)
        r.add("backend", metadata.backend)
        r.add("joints", s.profile.joints.map(\.name))
        let disabled = s.profile.safety.disabledChecks.map { item -> String in
            var o = JSONRecord.object()
            o.add("check", item.check)
            o.add("reason", item.reason)
            return o.json
        }
        r.add("disabled_checks", raw: "[" + disabled.joined(separator: ",") + "]")
        if !metadata.checksWithoutHardwareInput.isEmpty {
            let blind = metadata.checksWithoutHardwareInput.map { item -> String in
                var o = JSONRecord.object()
                o.add("check", item.check)
                o.add("reason", item.reason)
                return o.json
            }
            r.add("checks_without_hardware_input", raw: "[" + blind.joined(separator: ",") + "]")
        }
        r.add("faults", s.faultTexts)
        if !s.faultsNotInjected.isEmpty { r.add("faults_not_injected", s.faultsNotInjected) }
        if s.initialJointsNotApplied { r.add("initial_joints_not_applied", Scenario.initialJointsOnHardware) }
        r.add("expectations", s.expectations.map { describe($0, s.profile) })
        if let trace { r.add("trace", trace) }
        if let realtime {
            var o = JSONRecord.object()
            if let slack = realtime.timerSlackNanoseconds { o.add("timer_slack_ns", slack) } else { o.addNull("timer_slack_ns") }
            o.add("memory_locked", realtime.memoryLocked)
            if let p = realtime.fifoPriority { o.add("sched_fifo_priority", p) } else { o.addNull("sched_fifo_priority") }
            if let cpu = realtime.cpu { o.add("cpu", cpu) } else { o.addNull("cpu") }
            if let us = realtime.cpuLatencyMicroseconds { o.add("cpu_latency_us", us) } else { o.addNull("cpu_latency_us") }
            o.add("warnings", realtime.warnings)
            r.add("realtime", o)
        }
        return r
    }

    static func record(_ e: LoopEvent, scenario: Scenario, drawnParameters: [Double?]) -> JSONRecord {
        let joints = scenario.profile.joints
        switch e.kind {
        case .faultInjected, .faultCleared:
            var r = JSONRecord(type: e.kind == .faultInjected ? "fault_injected" : "fault_cleared", tick: e.tick)
            let f = scenario.faults[e.index]
            r.add("fault", e.index)
            r.add("target", f.target.rawValue)
            r.add("kind", f.kind.name)
            if let j = f.joint { r.add("joint", joints[j].name) } else { r.addNull("joint") }
            r.add("description", scenario.faultTexts[e.index])
            // The value this run used (drawn from the scenario's distribution, if it has one).
            if let p = drawnParameters[e.index] { r.add("parameter", p) }
            return r
        case .trip:
            var r = JSONRecord(type: "check_tripped", tick: e.tick)
            r.add("check", e.trip.check.name)
            r.add("hazards", e.trip.check.hazards.split(separator: " ").map(String.init))
            if e.trip.joint >= 0 { r.add("joint", joints[e.trip.joint].name) } else { r.addNull("joint") }
            r.add("measured", e.trip.measured)
            r.add("threshold", e.trip.threshold)
            r.add("response", e.trip.response.name)
            return r
        case .stateTransition:
            var r = JSONRecord(type: "state_transition", tick: e.tick)
            r.add("from", e.from.rawValue)
            r.add("to", e.to.rawValue)
            r.add("reason", e.reasonCheck.map(\.name) ?? "command")
            return r
        case .command, .commandRejected:
            var r = JSONRecord(type: "command", tick: e.tick)
            r.add("command", scenario.timeline[e.index].text)
            r.add("accepted", e.kind == .command)
            if let refusal = e.refusal { r.add("reason", Self.describe(refusal, e)) }
            return r
        case .overrun:
            return JSONRecord(type: "overrun", tick: e.tick)
        case .eventsDropped:
            var r = JSONRecord(type: "events_dropped", tick: e.tick)
            r.add("count", e.index)
            return r
        case .tripsDropped:
            var r = JSONRecord(type: "trips_dropped", tick: e.tick)
            r.add("count", e.index)
            r.add("worst_response", e.trip.response.name)
            return r
        case .boardWatchdog:
            var r = JSONRecord(type: "board_watchdog", tick: e.tick)
            r.add("description", "the boards' own watchdog removed motor power: no command for more than its timeout")
            return r
        }
    }

    /// The `reason` of a rejected command, for the log.
    static func describe(_ refusal: CommandRefusal, _ e: LoopEvent) -> String {
        switch refusal {
        case .state: "not accepted in state \(e.from.rawValue)"
        case .notHomed: "the arm is not homed"
        case .holding: "the interlock holds the arm; resume first"
        case .stopping: "a protective stop is under way; it ends in FAULT, and reset clears that"
        case .emergencyStopAsserted: "the emergency stop is still asserted"
        case .notFoundWithinTick:
            "the tick's inverse-kinematics search found no joint values within the limits that reach the target; "
                + "the closest tip found is \(String(format: "%.3f", e.distance * 1000)) mm away. "
                + "A longer search may reach it: try vigil kinematics ik, and move_jp to the joint values it gives"
        case .noSuchJoint: "the arm has no such joint"
        }
    }

    /// `endTick`: the tick after the last one run (the scenario's length, unless interrupted).
    static func summary(_ result: RunResult, _ s: Scenario, endTick: Int64? = nil) -> JSONRecord {
        var r = JSONRecord(type: "summary", tick: endTick ?? s.durationTicks)
        r.add("verdict", result.passed ? "PASS" : "FAIL")
        r.add("expectations", raw: expectationsJSON(result.expectations))
        if let t = result.firstDetectionTick { r.add("first_detection_tick", t) } else { r.addNull("first_detection_tick") }
        if let t = result.safeStateTick { r.add("safe_state_tick", t) } else { r.addNull("safe_state_tick") }
        r.add("peak_excursion_m", result.peakExcursion)
        r.add("final_state", result.finalState.rawValue)
        r.add("worst_response", result.worstResponse.name)
        r.add("trips", result.trips.count)
        r.add("events_lost", result.eventsLost)
        if !result.torqueOffUnconfirmed.isEmpty {
            r.add("torque_off_unconfirmed", raw: "[" + result.torqueOffUnconfirmed.map(String.init).joined(separator: ",") + "]")
        }
        if let trace = result.trace {
            var o = JSONRecord.object()
            o.add("file", trace.file)
            o.add("sha256", trace.sha256)
            r.add("trace", o)
        }
        if let t = result.timing {
            var o = JSONRecord.object()
            o.add("ticks", t.ticks)
            o.add("missed_periods", t.missedPeriods)
            o.add("wake_p50_us", t.wake.p50)
            o.add("wake_p99_us", t.wake.p99)
            o.add("wake_p999_us", t.wake.p999)
            o.add("wake_max_us", t.wake.max)
            o.add("compute_p50_us", t.compute.p50)
            o.add("compute_p99_us", t.compute.p99)
            o.add("compute_p999_us", t.compute.p999)
            o.add("compute_max_us", t.compute.max)
            r.add("timing", o)
        }
        if !result.backendStatistics.isEmpty {
            var b = JSONRecord.object()
            for (name, value) in result.backendStatistics { b.add(name, value) }
            r.add("backend", b)
        }
        return r
    }
}
