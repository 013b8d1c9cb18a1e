import ActuatorInterface
import ArgumentParser
import BoardEmulator
import ControlLoop
import Foundation
import Kinematics
import MotionTypes
import Realtime
import SafetyInterlock
import Scenarios
import SerialBus
import Simulator

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Vigil's speed on this machine.",
        discussion: """
            Simulator ticks per second for the PSM nominal move (joint space) and for \
            teleoperation (IK every tick), through the same runner as 'vigil run': controller, \
            interlock, fault machinery, event log. Then forward kinematics, Jacobian and IK \
            times, the DYNAMIXEL codec per 7-servo sync packet, and one bus cycle against virtual \
            boards over a pty. With --jitter, the real-time loop's wake latency at --rate beside \
            a plain C clock_nanosleep loop (the two take turns, in blocks of at most a second). Build with -c release for \
            figures that mean anything. See docs/performance.md.
            """
    )

    @Option(help: "The PSM profile.")
    var profile = "HardwareProfiles/dvrk-psm.yaml"

    @Option(help: "The bench profile (for the bus cycle).")
    var benchProfile = "HardwareProfiles/bench-3dof.yaml"

    @Option(help: "Seconds to spend on each simulator measurement.")
    var seconds = 2.0

    @Option(help: "Also measure the real-time loop for this many seconds.")
    var jitter: Double?

    @Option(help: "With --jitter: the loop's rate, Hz.")
    var rate = 1000.0

    @OptionGroup var realtimeOptions: RealtimeArguments

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be above 0") }
        if let jitter, jitter <= 0 { throw ValidationError("--jitter must be above 0 seconds") }
        guard rate > 0 && rate <= 20_000 else { throw ValidationError("--rate must be above 0 and at most 20000 Hz") }
    }

    func run() throws {
        for (path, option) in [(profile, "--profile"), (benchProfile, "--bench-profile")] where !FileManager.default.fileExists(atPath: path) {
            throw VigilExit.invalid(
                "error: \(path): no such file. vigil bench reads the PSM and bench profiles from the repository: run it from the repository's root, or give \(option)")
        }
        let psm = try loadProfile(profile)
        let bench = try loadProfile(benchProfile)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        var figures: [(key: String, value: Double)] = []
        func note(_ key: String, _ value: Double, _ text: String) {
            figures.append((key, value))
            if !json { print(text) }
        }
        if !json { print("vigil bench on \(ProcessInfo.processInfo.activeProcessorCount) CPUs\(isDebugBuild ? " (a debug build: build with -c release)" : "")") }

        let absoluteProfile = URL(fileURLWithPath: profile).standardizedFileURL.path
        let joint = try simulatorTicksPerSecond(Self.nominalScenario(profile: absoluteProfile), folder: folder, name: "joint")
        note("sim_ticks_per_second", joint, String(format: "simulator, PSM nominal move (joint space): %.0f ticks/s", joint))
        let ik = try simulatorTicksPerSecond(Self.teleoperationScenario(profile: absoluteProfile), folder: folder, name: "ik")
        note("sim_ik_ticks_per_second", ik, String(format: "simulator, PSM teleoperation (IK every tick): %.0f ticks/s", ik))

        let kinematics = kinematicsTimes(psm)
        note("fk_ns", kinematics.fk, String(format: "forward kinematics, PSM: %.0f ns", kinematics.fk))
        note("jacobian_ns", kinematics.jacobian, String(format: "Jacobian, PSM: %.0f ns", kinematics.jacobian))
        note("ik_ns", kinematics.ik, String(format: "inverse kinematics, PSM, position, warm start: %.0f ns", kinematics.ik))
        note(
            "ik_unreachable_tracking_us", kinematics.unreachableTracking,
            String(format: "inverse kinematics, PSM, unreachable target, servo_cp's search: %.1f us", kinematics.unreachableTracking))
        note(
            "ik_unreachable_move_us", kinematics.unreachableMove,
            String(format: "inverse kinematics, PSM, unreachable target, move_cp's search at 1 kHz: %.1f us", kinematics.unreachableMove))
        let codec = codecNanoseconds()
        note("codec_ns", codec, String(format: "DYNAMIXEL codec, 7-servo sync write encoded and parsed: %.0f ns", codec))
        let cycle = try busCycleMicroseconds(bench)
        note("bus_cycle_us", cycle, String(format: "bus cycle against virtual boards over a pty (median): %.1f us", cycle))

        if let jitter {
            // The two loops take turns in blocks of at most a second each, the C loop first in
            // every other block, so that both meet the same moments of a noisy machine; each
            // loop's figures are over all its blocks together.
            let blocks = max(1, Int(jitter.rounded(.up)))
            let ticksPerBlock = max(20, Int(jitter * rate) / blocks)
            let period = Int64((1e9 / rate).rounded())
            var cLatencies: [Int64] = []
            var cMissed = 0
            let recorder = TimingRecorder(capacity: blocks * ticksPerBlock)
            let scenario = try realtimeScenario(ticks: ticksPerBlock, folder: folder)
            // This thread is set up once; the C loop's thread sets itself up the same way.
            let report = Realtime.enter(realtimeOptions.options)
            var stoppedBlocks = 0
            func cBlock() {
                let (latencies, missed) = Realtime.plainCLoop(periodNanoseconds: period, count: ticksPerBlock, options: realtimeOptions.options)
                cLatencies += latencies
                cMissed += missed
            }
            for block in 0..<blocks {
                if block % 2 == 0 { cBlock() }
                if try !realtimeRun(scenario, report: report, folder: folder, timing: recorder) { stoppedBlocks += 1 }
                if block % 2 == 1 { cBlock() }
            }
            let c = Percentiles(cLatencies)
            let loop = (timing: recorder.summary, report: report)
            if !json { print("real-time loops at \(JSONNumber.format(rate)) Hz, \(ticksPerBlock * blocks) periods each, in \(blocks) alternating block\(blocks == 1 ? "" : "s"):") }
            note("c_wake_p50_us", c.p50, String(format: "plain C clock_nanosleep loop: wake p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us, %d missed", c.p50, c.p99, c.p999, c.max, cMissed))
            figures += [("c_wake_p99_us", c.p99), ("c_wake_p999_us", c.p999), ("c_wake_max_us", c.max), ("c_missed_periods", Double(cMissed))]
            let t = loop.timing
            note("wake_p50_us", t.wake.p50, String(format: "Vigil real-time loop, PSM: wake p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us; compute p50 %.1f us, p99 %.1f us; %d missed", t.wake.p50, t.wake.p99, t.wake.p999, t.wake.max, t.compute.p50, t.compute.p99, t.missedPeriods))
            figures += [
                ("wake_p99_us", t.wake.p99), ("wake_p999_us", t.wake.p999), ("wake_max_us", t.wake.max),
                ("compute_p50_us", t.compute.p50), ("compute_p99_us", t.compute.p99), ("missed_periods", Double(t.missedPeriods)),
                ("rate_hz", rate), ("memory_locked", loop.report.memoryLocked ? 1 : 0),
                ("sched_fifo", loop.report.fifoPriority == nil ? 0 : 1),
                ("cpu_latency_request", loop.report.cpuLatencyMicroseconds == nil ? 0 : 1), ("jitter_blocks", Double(blocks)),
                ("stopped_blocks", Double(stoppedBlocks)),
            ]
            if !json {
                if stoppedBlocks > 0 {
                    print("  in \(stoppedBlocks) of \(blocks) blocks the interlock held or stopped the arm (missed periods: H15); their later ticks are a held arm's")
                }
                for warning in loop.report.warnings { print("  \(warning)") }
            }
        }
        if json {
            let body = figures.map { "\"\($0.key)\":\(JSONNumber.format($0.value))" }.joined(separator: ",")
            print("{\"cpus\":\(ProcessInfo.processInfo.activeProcessorCount),\"debug_build\":\(isDebugBuild),\(body)}")
        }
    }

    var isDebugBuild: Bool {
        #if DEBUG
        return true
        #else
        return false
        #endif
    }

    // MARK: Simulator

    /// Runs the scenario through `ScenarioRunner` (log and all) until `seconds` have passed. The
    /// runs are written as a campaign writes them: no fsync per run (a campaign flushes once at
    /// the end), so the figure is the simulator's speed, not the disk's.
    func simulatorTicksPerSecond(_ text: String, folder: URL, name: String) throws -> Double {
        let file = folder.appendingPathComponent("\(name).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let scenario = try ScenarioLoader.load(path: file.path)
        let metadata = RunMetadata(vigilVersion: Vigil.version, gitCommit: "bench", backend: "simulator")
        let log = folder.appendingPathComponent("\(name).jsonl").path
        _ = try ScenarioRunner.runSimulated(scenario, seed: 1, logPath: log, metadata: metadata, durable: false)  // warm-up
        var ticks: Int64 = 0
        let start = Realtime.now()
        var elapsed: Int64 = 0
        repeat {
            let result = try ScenarioRunner.runSimulated(scenario, seed: 1, logPath: log, metadata: metadata, durable: false)
            guard result.passed else { throw VigilExit(code: VigilExit.failure, message: "error: the bench scenario \(name) failed: \(result.expectations)") }
            ticks += scenario.durationTicks
            elapsed = Realtime.now() - start
        } while Double(elapsed) < seconds * 1e9
        return Double(ticks) / (Double(elapsed) / 1e9)
    }

    static func nominalScenario(profile: String) -> String {
        """
        format: vigil-scenario/1
        name: bench, PSM nominal move
        description: The PSM nominal move in joint space, no fault.
        hazards: [H01]
        profile: \(profile)
        seed: 1
        duration: 3000 ms
        timeline:
          - { at: 0 ms, command: enable }
          - { at: 1 ms, command: home }
          - { at: 10 ms, command: move_jp, goal: [30 deg, -20 deg, 150 mm, 40 deg, 20 deg, -20 deg, 30 deg] }
          - { at: 1600 ms, command: move_jp, goal: [-30 deg, 15 deg, 100 mm, -40 deg, -20 deg, 20 deg, 10 deg] }
        expect:
          - { no_trip: any }
        """
    }

    static func teleoperationScenario(profile: String) -> String {
        """
        format: vigil-scenario/1
        name: bench, PSM teleoperation
        description: The operator moves the tip around a circle; IK on every tick.
        hazards: [H18]
        profile: \(profile)
        seed: 1
        duration: 3000 ms
        initial_joints: [20 deg, -15 deg, 120 mm, 30 deg, 10 deg, -10 deg, 20 deg]
        timeline:
          - { at: 0 ms, command: enable }
          - { at: 1 ms, command: home }
          - { at: 2 ms, command: servo_cp, radius: 10 mm, period: 2 s }
        expect:
          - { no_trip: any }
        """
    }

    // MARK: Kinematics and codec

    func kinematicsTimes(
        _ profile: HardwareProfile
    ) -> (fk: Double, jacobian: Double, ik: Double, unreachableTracking: Double, unreachableMove: Double) {
        let model = profile.kinematics
        var scratch = KinematicScratch()
        var q = JointVector(count: profile.jointCount)
        for j in 0..<profile.jointCount { q[j] = min(max(0.1 * Double(j + 1), profile.joints[j].lower), profile.joints[j].upper) }
        q[2] = 0.12
        var sink = 0.0
        func time(_ iterations: Int, _ body: (Int) -> Void) -> Double {
            for i in 0..<min(iterations, 1000) { body(i) }  // warm-up
            let start = Realtime.now()
            for i in 0..<iterations { body(i) }
            return Double(Realtime.now() - start) / Double(iterations)
        }
        let fk = time(1_000_000) { i in
            q[0] = 0.2 + 1e-7 * Double(i & 1023)
            sink += model.forward(q, scratch: &scratch).translation.x
        }
        let jacobian = time(300_000) { i in
            q[0] = 0.2 + 1e-7 * Double(i & 1023)
            sink += model.jacobian(q, scratch: &scratch)[0, 0]
        }
        // Warm start, as servo_cp uses it: the target 0.1 mm from the seed's tip.
        let tip = model.forward(q, scratch: &scratch).translation
        let ik = time(100_000) { i in
            let target = tip + Vector3(1e-4 * Double(i & 7) / 7, 1e-4, -5e-5)
            sink += model.inverse(position: target, seed: q, scratch: &scratch).joints[0]
        }
        // The worst case of a solve inside a tick: a target no joint values reach, so every
        // round runs until its limit (half a metre below the RCM; the insertion stops at 0.24 m).
        let far = Vector3(0, 0, -0.5)
        let tracking = time(2_000) { _ in
            sink += model.inverse(position: far, seed: q, scratch: &scratch, options: .tracking).joints[0]
        }
        let move = time(200) { _ in
            sink += model.inverse(position: far, seed: q, scratch: &scratch, options: .withinTick(rate: 1000)).joints[0]
        }
        if sink.isNaN { print("") }
        return (fk, jacobian, ik, tracking / 1000, move / 1000)
    }

    /// A 7-servo SYNC WRITE of goal positions encoded, then parsed back, per packet.
    func codecNanoseconds() -> Double {
        var encoder = PacketEncoder()
        var parser = PacketParser()
        let ids: [UInt8] = [1, 2, 3, 4, 5, 6, 7]
        var values: [UInt32] = [2048, 2100, 1900, 2048, 3000, 1000, 2048]
        var packet = Packet()
        var sink = 0
        let iterations = 500_000
        let start = Realtime.now()
        for i in 0..<iterations {
            values[i % 7] = UInt32(2048 + (i & 255))
            encoder.syncWrite32(address: Dynamixel.Address.goalPosition, ids: ids, values: values)
            let count = encoder.count
            encoder.buffer.withUnsafeBytes { parser.feed(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            if parser.next(into: &packet) { sink &+= Int(packet.parameterCount) }
        }
        let ns = Double(Realtime.now() - start) / Double(iterations)
        if sink == 0 { print("") }
        return ns
    }

    // MARK: Bus

    /// The median time of one control tick (sync read, interlock, sync write) on the serial
    /// backend against virtual boards on a pty, served by a thread of this process.
    func busCycleMicroseconds(_ profile: HardwareProfile) throws -> Double {
        guard let bus = profile.busConfiguration() else { throw VigilExit.invalid("error: \(benchProfile) has no bus section") }
        let pty = try PseudoTerminal()
        let start = profile.restPosition
        let boards = VirtualBoards(
            bus: bus, plant: Simulator(model: profile.plantModel(), seed: 1, initialPosition: start), servoBandwidth: profile.servoBandwidth)
        let stop = StopFlag()
        let served = DispatchSemaphore(value: 0)
        let boardSide = POSIXTransport(fileDescriptor: dup(pty.master), path: pty.slavePath)
        Thread {
            try? boards.serve(boardSide) { stop.isSet }
            served.signal()
        }.start()
        defer {
            stop.set()
            served.wait()
        }
        let link = try TransportKind.posix.open(path: pty.slavePath, baud: bus.baud)
        var backend = SerialActuatorBackend(bus: bus, transport: link)
        try backend.start()
        var loop = ControlLoop(configuration: profile.loopConfiguration(), backend: backend, faults: [], seed: 1)
        loop.command(.enable, tick: 0, index: 0)
        loop.command(.home, tick: 1, index: 1)
        var samples: [Int64] = []
        samples.reserveCapacity(2000)
        for k in 0..<Int64(2200) {
            let t0 = Realtime.now()
            loop.step(tick: k)
            let t1 = Realtime.now()
            while loop.events.pop() != nil {}
            if k >= 200 { samples.append(t1 - t0) }
        }
        loop.backend.stop()
        link.close()
        return Percentiles(samples).p50
    }

    // MARK: Real-time loop

    /// The PSM nominal move at `rate`, `ticks` long, for the real-time runner.
    func realtimeScenario(ticks: Int, folder: URL) throws -> Scenario {
        // The profile at --rate: durations in it are converted to ticks at this rate.
        let profileText = try String(contentsOfFile: profile, encoding: .utf8)
        guard let rateLine = profileText.range(of: "  rate: 1 kHz") else {
            throw VigilExit.invalid("error: \(profile) has no 'rate: 1 kHz' line to change for --rate")
        }
        let rated = folder.appendingPathComponent("profile-at-rate.yaml")
        try profileText.replacingCharacters(in: rateLine, with: "  rate: \(JSONNumber.format(rate)) Hz").write(to: rated, atomically: true, encoding: .utf8)
        let text = """
            format: vigil-scenario/1
            name: bench, PSM real-time loop
            description: The PSM moving in joint space, paced by the real-time executive.
            hazards: [H15]
            profile: \(rated.path)
            seed: 1
            duration: \(ticks) ticks
            timeline:
              - { at: 0 ticks, command: enable }
              - { at: 1 ticks, command: home }
              - { at: 10 ticks, command: move_jp, goal: [30 deg, -20 deg, 150 mm, 40 deg, 20 deg, -20 deg, 30 deg] }
            expect:
              - { final_state: ENABLED }
            """
        let file = folder.appendingPathComponent("realtime.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try ScenarioLoader.load(path: file.path)
    }

    /// One run of `scenario` through the real-time runner on this thread (set up as `report`
    /// says), its timing added to `timing`. False when the interlock held or stopped the arm (on
    /// a machine that misses periods, H15 does): that block's later ticks are a held arm's.
    func realtimeRun(_ scenario: Scenario, report: RealtimeReport, folder: URL, timing: TimingRecorder) throws -> Bool {
        let result = try ScenarioRunner.runSimulated(
            scenario, seed: 1, logPath: folder.appendingPathComponent("realtime.jsonl").path,
            metadata: RunMetadata(vigilVersion: Vigil.version, gitCommit: "bench", backend: "simulator, real time"), realtime: report,
            timing: timing)
        guard result.timing != nil else { throw VigilExit(code: VigilExit.failure, message: "error: the real-time run recorded no timing") }
        // A hold or worse means the rest of the block times a held arm: a missed period holds
        // (H15), three in its window stop it. A clamp or a warning leaves the arm moving.
        return result.worstResponse < .hold
    }
}

/// A flag one thread sets and another polls.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

enum JSONNumber {
    static func format(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.3f", v)
    }
}
