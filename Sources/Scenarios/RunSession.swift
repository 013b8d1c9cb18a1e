public import ActuatorInterface
public import ControlLoop
import FaultLog
import Foundation
import Kinematics
import MotionTypes
public import Realtime
import SafetyInterlock

/// One run of a scenario, tick by tick: what `ScenarioRunner.run` drives, paced or not, and
/// what the allocation benchmarks step. Start-up (the loop, the log and its header, the trace
/// buffer, the log writer's thread) happens in `init`; `tick` does one control period's work
/// and allocates nothing once the run is going; `finish` writes the trace and the summary.
public final class RunSession<Backend: ActuatorBackend> {
    public internal(set) var loop: ControlLoop<Backend>
    let scenario: Scenario
    /// The profile's, kept apart: reading it through `scenario.profile` copies the profile.
    let kinematics: KinematicModel
    let seed: UInt64
    let logPath: String
    let log: FaultLogWriter
    let recorder: EventRecorder
    let tracer: TraceRecorder?
    let tracePath: String
    var writer: LogWriterThread?
    let onset: Int64
    var stopped = false
    var safeState: Int64?
    var peak = 0.0
    var commandIndex = 0
    var heldReference: JointVector
    var wanted = Vector3.zero
    var wantedFor = JointVector(count: 0)
    var interruption: String?
    /// The boards' watchdog has removed power (an episode is logged once), and when it first did.
    var boardStopped = false
    var boardStopTick: Int64?
    /// fsync the log and trace at the end (a campaign flushes once for all its runs instead).
    let durable: Bool
    var lastTick: Int64

    /// `started`: the caller already started the backend. `logOnAnotherThread`: events go
    /// through a preallocated ring to a writer thread (real-time runs) instead of being written
    /// between ticks.
    public init(
        _ scenario: Scenario, backend: Backend, seed: UInt64, logPath: String, metadata: RunMetadata, started: Bool = false,
        realtime: RealtimeReport? = nil, trace: Bool = false, logOnAnotherThread: Bool = false, durable: Bool = true
    ) throws {
        let profile = scenario.profile
        self.scenario = scenario
        kinematics = profile.kinematics
        self.seed = seed
        self.logPath = logPath
        self.durable = durable
        loop = ControlLoop(configuration: profile.loopConfiguration(), backend: backend, faults: scenario.faults, seed: seed)
        log = try FaultLogWriter(path: logPath)
        recorder = EventRecorder(scenario: scenario, log: log, drawnParameters: loop.injector.faults.map { $0.kind.parameter })
        tracePath = TraceRecorder.path(forLog: logPath)
        tracer =
            trace
            ? TraceRecorder(
                jointNames: profile.joints.map(\.name), jointKinds: profile.joints.map(\.kind.rawValue),
                rate: profile.rate, capacity: Int(scenario.durationTicks)) : nil
        try log.append(
            ScenarioRunner.header(
                scenario, seed: seed, metadata: metadata, realtime: realtime, trace: trace ? (tracePath as NSString).lastPathComponent : nil))
        onset = scenario.firstOnset ?? 0
        heldReference = loop.reference
        lastTick = scenario.durationTicks
        if !started {
            // Until the start succeeds there is nothing to stop (deinit runs if it throws).
            stopped = true
            try loop.backend.start()
            stopped = false
        }
        writer = logOnAnotherThread ? LogWriterThread(recorder: recorder, avoiding: realtime?.cpu) : nil
    }

    struct Stopped: Error, CustomStringConvertible {
        var description: String { "the run has stopped: no more ticks" }
    }

    deinit {
        // Torque off on every way out, errors included.
        stopBackend()
        writer?.finish()
    }

    /// Torque off, once: a stopped backend is not written to again.
    func stopBackend() {
        if !stopped { loop.backend.stop() }
        stopped = true
    }

    /// One control period: the timeline's commands for tick `k`, the loop's step, its events
    /// (to the log, or to the writer's ring), the safe-state tick, the tip excursion, the trace.
    public func tick(_ k: Int64) throws {
        // A stopped backend must not be written to again (a write could power it).
        guard !stopped else { throw Stopped() }
        // A frozen host takes no commands: they wait, in order, until it runs again, and are then
        // taken one a tick, so that each has its effect (a disable's power-off write reaches the
        // boards) before the next.
        while commandIndex < scenario.timeline.count && scenario.timeline[commandIndex].tick <= k && !loop.hostStalled(at: k) {
            let late = scenario.timeline[commandIndex].tick < k
            loop.command(scenario.timeline[commandIndex].command, tick: k, index: commandIndex)
            commandIndex += 1
            if late { break }
        }
        loop.step(tick: k)

        // What the simulated boards did on their own, which the host cannot see: recorded by the
        // run beside the loop's events.
        let expired = loop.boardWatchdogExpired == true
        if expired != boardStopped {
            boardStopped = expired
            if expired {
                if boardStopTick == nil { boardStopTick = k }
                loop.events.append(LoopEvent.make(.boardWatchdog, k))
            }
        }
        if let writer {
            while let event = loop.events.pop() { writer.push(event) }
            // A log that can no longer be written (a full disk, a pulled drive) ends the run:
            // torque off now, not at the end of a run that records nothing.
            if writer.failed {
                stopBackend()
                throw LogWriteFailed(tick: k, underlying: writer.error)
            }
        } else {
            while let event = loop.events.pop() { try recorder.handle(event) }
        }
        if let state = loop.lastInterlockState, safeState == nil, k >= onset, !scenario.faults.isEmpty {
            switch state {
            case .holding, .faulted: safeState = k
            default: break
            }
        }
        // Excursion: the true tip against the tip of the last powered reference.
        if loop.state == .enabled || loop.state == .paused { heldReference = loop.reference }
        // Without a simulator's truth, the servos' readings as they arrived: an injected sensor
        // fault (a sign flip, a frozen encoder) fools the loop, not the excursion.
        let trueJoints = loop.truePosition
        let q = trueJoints ?? loop.rawFrame.encoder
        let measurable = q.isFinite && heldReference.isFinite
        var tip = Vector3(.nan, .nan, .nan)
        var referenceTip = tip
        if measurable && ((k >= onset && loop.everPowered) || tracer != nil) {
            tip = kinematics.tipPosition(q)
            // The reference's tip changes only when the reference does (not while holding).
            if heldReference != wantedFor {
                wanted = loop.tipPosition(heldReference)  // usually known: the loop's tip-speed check worked it out
                wantedFor = heldReference
            }
            if k >= onset && loop.everPowered { peak = max(peak, (tip - wanted).norm) }
            // The reference tip only once the arm has been powered, as the excursion counts it.
            if loop.everPowered { referenceTip = wanted }
        }
        tracer?.record(
            setpoint: loop.lastSentPosition ?? loop.reference, truth: trueJoints, frame: loop.frame, tip: tip,
            referenceTip: referenceTip, state: loop.state)
    }

    /// Ends the run early after tick `k`: torque off first, then the log says why.
    public func interrupt(at k: Int64, reason: String) throws {
        interruption = reason
        lastTick = k + 1
        stopBackend()
        writer?.finish()
        var r = JSONRecord(type: "interrupted", tick: k)
        r.add("reason", reason)
        try log.append(r)
    }

    /// Stops the backend, waits for the log writer, writes the trace and the summary. Torque
    /// goes off first; the timing percentiles are worked out after.
    public func finish(timing timingRecorder: TimingRecorder? = nil) throws -> RunResult {
        stopBackend()
        writer?.finish()
        if let error = writer?.error { throw error }
        let timing = timingRecorder?.summary

        var result = RunResult(
            scenario: scenario.path, seed: seed, logPath: logPath, finalHash: "", expectations: [],
            trips: recorder.trips, firstDetectionTick: recorder.firstDetection, safeStateTick: safeState, peakExcursion: peak,
            finalState: loop.state, worstResponse: recorder.worst, eventsLost: loop.eventsLost + (writer?.dropped ?? 0))
        result.interruption = interruption
        result.timing = timing
        result.boardStopTick = boardStopTick
        result.boardWatchdogObservable = loop.boardWatchdogExpired != nil
        if let tracer {
            result.trace = (file: (tracePath as NSString).lastPathComponent, sha256: try tracer.write(to: tracePath, sync: durable))
        }
        if let counters = loop.backend as? any BackendStatistics { result.backendStatistics = counters.statistics }
        result.expectations = scenario.expectations.map { ScenarioRunner.evaluate($0, result, scenario) }
        // Commands a stall held back until the end never reached the arm: the log says so.
        while commandIndex < scenario.timeline.count && interruption == nil {
            var r = JSONRecord(type: "command", tick: lastTick)
            r.add("command", scenario.timeline[commandIndex].text)
            r.add("accepted", false)
            r.add("reason", "not applied: the host was stalled until the end of the run")
            try log.append(r)
            commandIndex += 1
        }
        if let interruption {
            result.expectations.append(
                ExpectationResult(expectation: "the run completes", passed: false, figure: "stopped after tick \(lastTick - 1): \(interruption)"))
        }
        // A servo that never confirmed its torque off may still be powered: the run cannot say
        // the arm was left stopped, so it cannot pass, and the operator is told which to check.
        result.torqueOffUnconfirmed = loop.backend.torqueOffUnconfirmed
        if !result.torqueOffUnconfirmed.isEmpty {
            let ids = result.torqueOffUnconfirmed
            result.expectations.append(
                ExpectationResult(
                    expectation: "every actuator confirmed torque off", passed: false,
                    figure: ids.count == 1
                        ? "servo id \(ids[0]) did not confirm: it may still be powered; check it before anyone touches the arm"
                        : "servo ids \(ids.map(String.init).joined(separator: ", ")) did not confirm: they may still be powered; check them before anyone touches the arm"))
        }
        // A log with gaps is not evidence, whatever the expectations that do not read events
        // (final_state, max_excursion) say: the run cannot pass on it.
        if result.eventsLost > 0 {
            result.expectations.append(
                ExpectationResult(
                    expectation: "the log holds every event", passed: false,
                    figure: "\(result.eventsLost) events were lost: the evidence is incomplete"))
        }
        try log.append(ScenarioRunner.summary(result, scenario, endTick: lastTick))
        if durable { try log.sync() }
        result.finalHash = log.lastHash
        return result
    }
}

/// A file error as a person reads it: the system's reason ("No space left on device", "File too
/// large") rather than Foundation's "The operation could not be completed".
public func describeFileError(_ error: any Error) -> String {
    if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    // Foundation's file errors carry the system's in their user info (as an NSError, or on
    // Linux sometimes as a Swift error).
    if let inner = ns.userInfo[NSUnderlyingErrorKey] as? any Error { return describeFileError(inner) }
    return ns.localizedDescription
}

/// The log writer failed during the run; the backend has been stopped.
public struct LogWriteFailed: Error, CustomStringConvertible {
    public var tick: Int64
    public var underlying: (any Error)?
    public var description: String {
        "the log could not be written (\(underlying.map(describeFileError) ?? "unknown error")); the run was stopped at tick \(tick) and the actuators' power removed"
    }
}
