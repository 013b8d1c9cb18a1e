public import ArgumentParser
import FaultLog
import Foundation
import ActuatorInterface
import ControlLoop
import Realtime
import Scenarios
import SerialBus
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a fault-injection scenario on the simulator and write its log.",
        discussion: """
            Prints each expectation with PASS or FAIL and its figure, and the log's path. Exits 0 \
            when every expectation holds, 1 when one fails, 2 when the scenario or its profile is \
            invalid. The same scenario, profile, seed and Vigil version give a byte-identical log.
            """
    )

    @Argument(help: "Scenario file (YAML).")
    var scenario: String

    @Option(help: "Seed for the simulator's noise (default: the scenario's own).")
    var seed: UInt64?

    @Option(help: "Folder for the log.")
    var out = "vigil-out"

    @Option(help: "simulator, or serial: real or virtual DYNAMIXEL boards on --port.")
    var backend: BackendChoice = .simulator

    @Option(help: "Serial port of the servo bus (default: the profile's).")
    var port: String?

    @Option(help: "Baud rate (default: the profile's).")
    var baud: Int?

    @Option(help: "auto (a pty uses POSIX calls, anything else libserialport), libserialport or posix.")
    var transport: TransportKind = .auto

    @Flag(help: "Serial runs: run the ticks back to back instead of at the control rate. Only for virtual boards, which advance in lockstep with the host; deadline overruns are then not measured.")
    var noPacing = false

    @Flag(help: "Simulator runs: pace the ticks at the control rate with the real-time executive, as a hardware run is (timing in the log's summary; the log is then not reproducible byte for byte).")
    var realtime = false

    @OptionGroup var realtimeOptions: RealtimeArguments

    @Flag(help: "Do not record the per-tick trace beside the log (the report then has no plots).")
    var noTrace = false

    @Flag(help: "Also write the HTML report beside the log (see vigil report).")
    var report = false

    func validate() throws {
        if backend != .serial {
            // A forgotten --backend serial must not run the scenario on the simulator and pass.
            let given = [port != nil ? "--port" : nil, baud != nil ? "--baud" : nil, transport != .auto ? "--transport" : nil, noPacing ? "--no-pacing" : nil]
                .compactMap { $0 }
            if !given.isEmpty {
                throw ValidationError("\(given.joined(separator: ", ")) \(given.count == 1 ? "is" : "are") for serial runs: add --backend serial (without it the scenario runs on the simulator)")
            }
        }
        if backend == .simulator && !realtime && (realtimeOptions.priority != nil || realtimeOptions.cpu != nil) {
            throw ValidationError("--priority and --cpu are for paced runs: add --realtime (or run on --backend serial)")
        }
        if let baud { try validateBaud(baud) }
        if let port { try validatePort(port) }
    }

    func run() throws {
        let file: ScenarioFile
        do {
            file = try ScenarioLoader.loadAny(path: scenario)
        } catch {
            throw VigilExit.invalid(error.description)
        }
        // Where the log goes is checked before anything starts (a port, real time, a run).
        try prepareFolder(out, what: "the output folder (--out)")
        let seed = self.seed ?? file.seed
        let stem = ((scenario as NSString).lastPathComponent as NSString).deletingPathExtension
        let logPath = (out as NSString).appendingPathComponent("\(stem)-seed\(seed).jsonl")
        let loaded: Scenario
        switch file {
        case let .run(s): loaded = s
        case let .startCheck(check): return try runStartCheck(check, seed: seed, logPath: logPath)
        }
        let result: RunResult
        switch backend {
        case .simulator:
            // A paced run takes real time: Ctrl-C ends it at the end of a tick, with a log that
            // says so and verifies (an unpaced run is over in moments).
            if realtime { installStopHandlers() }
            do {
                result = try ScenarioRunner.runSimulated(
                    loaded, seed: seed, logPath: logPath, metadata: runMetadata(backend: realtime ? "simulator, real time" : "simulator"),
                    realtime: realtime ? enterRealtime() : nil, trace: !noTrace,
                    interrupt: realtime ? Self.stopReason : nil)
            } catch {
                throw Self.logFailure(error, logPath)
            }
        case .serial:
            result = try runOnSerial(loaded, seed: seed, logPath: logPath)
        }
        print(runSummaryText(result, loaded))
        try writeReportIfAsked(logPath)
        if !result.passed { throw VigilExit(code: VigilExit.failure) }
    }
}

enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case simulator, serial
}

extension TransportKind: ArgumentParser.ExpressibleByArgument {}

extension RunCommand {
    /// With --report: the run's page beside its log.
    func writeReportIfAsked(_ logPath: String) throws {
        guard report else { return }
        let page = ReportCommand.pagePath(forLog: logPath)
        try ReportCommand.writeRunPage(log: logPath, to: page)
        print("report: \(page)")
    }

    /// Why a run must stop now (SIGINT, SIGTERM or SIGHUP arrived), or nil.
    @Sendable static func stopReason() -> String? {
        stopRequested.load(ordering: .relaxed) ? "interrupted (\(signalName(stopSignal.load(ordering: .relaxed))))" : nil
    }

    /// Sets this thread up for the paced loop and prints, one line each, what was refused.
    func enterRealtime() -> RealtimeReport {
        let report = Realtime.enter(realtimeOptions.options)
        for warning in report.warnings { printError(warning) }
        return report
    }

    /// A start check (H20, H21): try to start, and show the refusal.
    func runStartCheck(_ check: StartCheckScenario, seed: UInt64, logPath: String) throws {
        guard backend == .simulator else {
            throw VigilExit.invalid(
                "error: \(scenario) is a start check, which runs on the simulator; on a bench, 'vigil run --backend serial' checks the servos' model numbers before power-on by itself")
        }
        let outcome: StartCheckRunner.Outcome
        do {
            outcome = try StartCheckRunner.run(check, seed: seed, logPath: logPath, metadata: runMetadata(backend: "simulator"))
        } catch {
            throw VigilExit.invalid("error: \(error)")
        }
        var lines = ["\(check.name)  [\(check.hazards.joined(separator: " "))]  start check"]
        for e in outcome.expectations { lines.append("  \(e.passed ? "PASS" : "FAIL")  \(e.expectation) — \(e.figure)") }
        if !outcome.problems.isEmpty {
            lines.append("  problems named:")
            lines += outcome.problems.map { "    \($0)" }
        }
        lines.append("  log: \(outcome.logPath) (final hash \(outcome.finalHash))")
        lines.append(outcome.passed ? "PASS" : "FAIL")
        print(lines.joined(separator: "\n"))
        try writeReportIfAsked(logPath)
        if !outcome.passed { throw VigilExit(code: VigilExit.failure) }
    }

    /// Failed bus cycles in a row (port errors, or no complete reply) after which a run ends.
    static let linkLostAfter = 50

    /// The scenario on real or virtual boards, paced to the control period. Ctrl-C or a lost
    /// link ends the run early; torque is turned off on every id on every way out.
    func runOnSerial(_ written: Scenario, seed: UInt64, logPath: String) throws -> RunResult {
        // Faults on the simulated plant cannot act on hardware: they are left out of the run
        // (no fault_injected record, no detection latency counted from them) and listed in the
        // log's header as not injected.
        let onPlant: (Fault) -> Bool = { $0.target == .power || $0.target == .brake || $0.target == .amplifier }
        for (i, fault) in written.faults.enumerated() where onPlant(fault) {
            printError("warning: fault \(i) (\(written.faultTexts[i])) acts on the simulated plant and is not injected on hardware (the log's header lists it under faults_not_injected)")
        }
        var scenario = written.withoutFaults(where: onPlant)
        if scenario.initialJointsGiven {
            scenario.initialJointsNotApplied = true
            printError("warning: initial_joints is not applied on hardware: \(Scenario.initialJointsOnHardware) (the log's header says so under initial_joints_not_applied); bring the arm to that pose first if the scenario depends on it")
        }
        guard let bus = scenario.profile.busConfiguration(port: port, baud: baud) else {
            throw VigilExit.invalid("error: \(scenario.profilePath) has no bus section: there are no servos to drive")
        }
        // A servo reports one position, which the backend gives as both encoder and
        // potentiometer; it rests bit-for-bit still whenever the joint does, so the self-test of
        // the potentiometers would stop a healthy arm. Refuse rather than run it blind.
        if scenario.profile.safety.monitorInputs.threshold != nil {
            throw VigilExit.invalid(
                "error: \(scenario.profilePath): safety.monitor_inputs self-tests independent potentiometers, but servos on the serial bus have none; in the bench's copy of the profile write 'disabled: true' with a 'reason'"
            )
        }
        let link: any SerialTransport
        do {
            link = try transport.open(path: bus.port, baud: bus.baud)
        } catch {
            throw VigilExit(code: VigilExit.failure, message: "error: \(error)")
        }
        var backend = SerialActuatorBackend(bus: bus, transport: link)
        // Before the real-time set-up: `git describe` must not inherit SCHED_FIFO.
        var metadata = runMetadata(backend: "serial \(bus.port) \(bus.baud) baud")
        do {
            try backend.start()
        } catch {
            backend.stop()
            // The refusal is evidence too (H20: a wrong servo never gets power): it gets a log.
            var message = "error: \(error)"
            if let hash = try? ScenarioRunner.logStartRefusal(
                scenario, seed: seed, logPath: logPath, metadata: metadata, wrongHardware: error.code == .configurationMismatch, problem: error.message)
            {
                message += "\n  log: \(logPath) (final hash \(hash))"
            }
            throw VigilExit(code: VigilExit.failure, message: message)
        }
        installStopHandlers()
        for (check, reason) in Self.checksWithoutHardwareInput(scenario.profile.safety) {
            printError("warning: \(check) has no hardware input on the serial bus: \(reason)")
            metadata.checksWithoutHardwareInput.append((check: check, reason: reason))
        }
        let realtime = noPacing ? nil : enterRealtime()
        let interrupt: (SerialActuatorBackend) -> String? = { b in
            if let reason = Self.stopReason() { return reason }
            // Cycles are counted, not errors (a cycle can fail its write and its read).
            guard b.consecutiveFailedCycles > Self.linkLostAfter else { return nil }
            if b.consecutiveTransportErrors > 0, let e = b.lastError {
                return "the link to the boards was lost: \(e) (\(b.consecutiveFailedCycles) cycles in a row failed)"
            }
            // A bus that stays silent (a cut cable behind an adapter that is still plugged in,
            // boards without power) gives no transport error, only cycles without replies.
            return "the link to the boards was lost: no complete reply for \(b.consecutiveFailedCycles) cycles (a silent bus, or replies slower than the 5 ms a cycle waits: check the wiring, the power, the baud rate and the USB adapter's latency timer)"
        }
        do {
            return try ScenarioRunner.run(
                scenario, backend: backend, seed: seed, logPath: logPath, metadata: metadata,
                started: true, realtime: realtime, trace: !noTrace, interrupt: interrupt)
        } catch {
            throw Self.logFailure(error, logPath)
        }
    }

    /// A log that failed mid-run stopped the run (exit 1, a failed run); one that could not be
    /// written at all is an output problem (exit 2), as before.
    static func logFailure(_ error: any Error, _ logPath: String) -> VigilExit {
        if let failed = error as? LogWriteFailed {
            return VigilExit(code: VigilExit.failure, message: "error: \(logPath): \(failed)")
        }
        return VigilExit.invalid("error: cannot write the log \(logPath): \(describeFileError(error))")
    }

}

/// The human-readable run summary.
func runSummaryText(_ r: RunResult, _ s: Scenario) -> String {
    var lines = ["\(s.name)  [\(s.hazards.joined(separator: " "))]  seed \(r.seed)"]
    for e in r.expectations {
        lines.append("  \(e.passed ? "PASS" : "FAIL")  \(e.expectation) — \(e.figure)")
    }
    let ms = 1000 / s.profile.rate
    if let why = r.interruption { lines.append("  STOPPED EARLY: \(why)") }
    if !r.backendStatistics.isEmpty {
        lines.append("  bus: " + r.backendStatistics.map { "\($0.name.replacingOccurrences(of: "_", with: " ")) \($0.value)" }.joined(separator: ", "))
    }
    if let onset = s.firstOnset {
        let detection = r.firstDetectionTick.map { "tick \($0) (\(Int(Double($0 - onset) * ms)) ms after onset)" } ?? "none"
        let safe = r.safeStateTick.map { "tick \($0) (\(Int(Double($0 - onset) * ms)) ms after onset)" } ?? "none"
        lines.append("  first fault at tick \(onset); first detection \(detection); safe state \(safe)")
    }
    if let t = r.timing {
        lines.append(String(
            format: "  timing: wake latency p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us; compute p99 %.1f us; %d missed period%@",
            t.wake.p50, t.wake.p99, t.wake.p999, t.wake.max, t.compute.p99, t.missedPeriods, t.missedPeriods == 1 ? "" : "s"))
    }
    lines.append("  \(r.trips.count) trip\(r.trips.count == 1 ? "" : "s"), final state \(r.finalState.rawValue), peak excursion \(String(format: "%.3f", r.peakExcursion * 1000)) mm")
    lines.append("  log: \(r.logPath) (final hash \(r.finalHash))")
    lines.append(r.passed ? "PASS" : "FAIL")
    return lines.joined(separator: "\n")
}

/// `--port` names something.
func validatePort(_ port: String) throws {
    if port.isEmpty { throw ValidationError("--port is empty: give the servo bus's port, e.g. /dev/ttyUSB0 (see 'vigil hw ports')") }
}

/// `--baud` takes only the rates an X-series servo can be set to.
func validateBaud(_ baud: Int) throws {
    guard Dynamixel.baudRates.contains(baud) else {
        throw ValidationError("--baud \(baud) is not a DYNAMIXEL X-series baud rate (\(Dynamixel.baudRates.map(String.init).joined(separator: ", ")))")
    }
}

/// `--priority` and `--cpu`, for every command that runs the real-time loop.
struct RealtimeArguments: ParsableArguments {
    @Option(help: "Paced runs: SCHED_FIFO priority, 1-99, default 80 (needs rtprio or CAP_SYS_NICE; without it the run warns and goes on).")
    var priority: Int?

    @Option(help: "Paced runs: pin the loop's thread to this CPU.")
    var cpu: Int?

    var options: RealtimeOptions { RealtimeOptions(priority: priority ?? 80, cpu: cpu) }

    func validate() throws {
        if let priority, !(1...99).contains(priority) { throw ValidationError("--priority must be 1…99 (SCHED_FIFO priorities)") }
        if let cpu, cpu < 0 || cpu >= ProcessInfo.processInfo.activeProcessorCount {
            throw ValidationError("--cpu must be 0…\(ProcessInfo.processInfo.activeProcessorCount - 1) on this machine")
        }
    }
}

extension RunCommand {
    /// The checks a profile enables that servos on the serial bus give no input for: they run,
    /// but see only injected faults (or nothing), which a bench must know.
    static func checksWithoutHardwareInput(_ safety: SafetyThresholds) -> [(check: String, reason: String)] {
        var blind: [(check: String, reason: String)] = []
        if safety.emergencyStop.threshold != nil {
            blind.append((
                "emergency_stop",
                "the servos have no e-stop input, so the check sees only injected e-stop faults; the real e-stop must cut the servos' supply, which the host sees as lost communication (H09)"
            ))
        }
        if safety.encoderPotentiometer.threshold != nil {
            blind.append((
                "encoder_potentiometer",
                "a servo reports one position, given as both encoder and potentiometer, so the check sees only injected potentiometer faults; on the bus only encoder_stall detects a stuck encoder (H06)"
            ))
        }
        if safety.brakeSlip.threshold != nil {
            blind.append((
                "brake_slip",
                "the servos report no brake state, so the check, which watches engaged brakes, never runs: a brake that slips is not detected (H14)"
            ))
        }
        return blind
    }
}

/// Version and provenance for log headers: the git commit of the checkout `vigil` was built in.
func runMetadata(backend: String, gitCommit commit: String = gitCommit()) -> RunMetadata {
    RunMetadata(vigilVersion: Vigil.version, gitCommit: commit, backend: backend)
}

/// Starts `gitCommit()` on another thread and returns a function that waits for its answer:
/// starting git from a running process takes tens of milliseconds, which a campaign spends
/// reading its scenario files instead of waiting.
func gitCommitInBackground() -> () -> String {
    final class Answer: @unchecked Sendable {
        var text = "unknown"
        let ready = DispatchSemaphore(value: 0)
    }
    let answer = Answer()
    Thread {
        answer.text = gitCommit()
        answer.ready.signal()
    }.start()
    return {
        answer.ready.wait()
        answer.ready.signal()  // a second call returns at once too
        return answer.text
    }
}

func gitCommit() -> String {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "-C", executable.path, "describe", "--always", "--dirty", "--abbrev=40"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        return "unknown"
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return process.terminationStatus == 0 && !text.isEmpty ? text : "unknown"
}

struct VerifyLogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-log",
        abstract: "Check a fault-injection log's hash chain.",
        discussion: """
            Checks the log's hash chain, then the trace the log names (its SHA-256 is in the \
            log's summary). Exits 0 when both are intact, 1 naming the first bad line for an \
            edited or truncated log, or for a trace that was changed or is missing, 2 when the \
            log cannot be read. With --log-only the trace is not checked (a log copied on its own).
            """
    )

    @Argument(help: "Log file (JSON Lines).")
    var file: String

    @Flag(help: "Check the log's chain only, not the trace it names.")
    var logOnly = false

    func run() throws {
        let report: FaultLogVerifier.Report
        do {
            report = try FaultLogVerifier.verify(path: file)
        } catch {
            throw VigilExit.invalid("\(file): error: cannot read the log: \(FaultLogVerifier.whyUnreadable(file, error))")
        }
        if let problem = report.problem {
            let intact = report.records == 0 ? "" : "; the \(report.records) record\(report.records == 1 ? "" : "s") before it \(report.records == 1 ? "is" : "are") intact"
            throw VigilExit(code: VigilExit.failure, message: "\(file):\(problem.line): error: \(problem.reason)\(intact)")
        }
        print("\(file): intact — \(report.records) records, final hash \(report.finalHash)")
        if !logOnly { try verifyTrace() }
    }

    /// The trace the log names must match the SHA-256 its summary records.
    func verifyTrace() throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return }
        let lines = text.split(separator: "\n")
        guard let last = lines.last, let summary = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any],
            let trace = summary["trace"] as? [String: Any], let name = trace["file"] as? String, let expected = trace["sha256"] as? String
        else { return }
        let path = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: path) else {
            throw VigilExit(
                code: VigilExit.failure,
                message: "\(path): error: the trace the log names is missing (the log alone is intact; --log-only checks just the log)")
        }
        let actual = (try? FaultLogWriter.fileHash(path)) ?? ""
        guard actual == expected else {
            throw VigilExit(code: VigilExit.failure, message: "\(path): error: the trace does not match the SHA-256 in the log's summary (\(expected)): it was changed after the run")
        }
        print("\(path): intact — its SHA-256 matches the log's summary")
    }
}

struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Work with scenario files.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate scenarios (and the profiles they name).",
            discussion: "Exits 0 when every file is valid, 2 when any is not."
        )

        @Argument(help: "Scenario files (YAML).")
        var files: [String]

        func run() throws {
            var invalid = false
            for file in files {
                do {
                    switch try ScenarioLoader.loadAny(path: file) {
                    case let .run(s):
                        print("\(file): valid — \(s.name) [\(s.hazards.joined(separator: " "))] on \(s.profile.id), \(s.durationTicks) ticks, \(s.faults.count) fault\(s.faults.count == 1 ? "" : "s"), \(s.expectations.count) expectation\(s.expectations.count == 1 ? "" : "s")")
                    case let .startCheck(c):
                        print("\(file): valid — \(c.name) [\(c.hazards.joined(separator: " "))], a start check: expects start_refused \(c.expected?.rawValue ?? "none") with profile \(c.profilePath)")
                    }
                } catch {
                    invalid = true
                    printError(error.description)
                }
            }
            if invalid { throw VigilExit(code: VigilExit.invalidInput) }
        }
    }
}
