import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The serial path end to end: `vigil run --backend serial` against `vigil hw emulate` over a pty.
@Suite(.serialized) struct SerialRunCLITests {
    /// A folder with copies of the shipped profiles in which the host's round-trip budget
    /// (H11) is 20 ms instead of 900 µs: a pty to an emulator on a shared CI machine is not a
    /// real-time bus, and these tests compare fault verdicts, not this machine's jitter (runs
    /// also use --no-pacing: the virtual boards advance in lockstep). The scenarios are copied
    /// alongside, pointing at those profiles.
    static func workspace(scenarios: [String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-serial-\(UUID().uuidString)")
        let profiles = folder.appendingPathComponent("HardwareProfiles")
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        for name in ["dvrk-psm.yaml", "bench-3dof.yaml"] {
            // The deadline check (H15) is disabled, with its reason, for the same cause: a paced
            // debug build on a shared machine misses periods, which holds the arm before the
            // fault under test.
            let text = try String(contentsOfFile: profilePath(name), encoding: .utf8)
                .replacingOccurrences(of: "max_round_trip: 900 us", with: "max_round_trip: 20 ms")
                .replacingOccurrences(
                    of: "    max_overruns: 3\n    window: 100 ms",
                    with: "    disabled: true\n    reason: the CI machine is not real-time; these tests exercise the bus")
                .replacingOccurrences(
                    of: "    frozen_after: 50 ms",
                    with: "    disabled: true\n    reason: servos have no independent potentiometer")
            try text.write(to: profiles.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        for scenario in scenarios {
            let target = folder.appendingPathComponent(scenario)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent(scenario), to: target)
        }
        return folder
    }

    /// The run's bus line reports no missing replies and no timeouts.
    static func linkWasClean(_ output: String) -> Bool {
        output.contains("missing replies 0,") && output.contains("timeouts 0,")
    }

    /// A serial run whose verdicts can be compared with the simulator's: its link was clean, or
    /// what went wrong on it (a starved emulator answering late now and then) tripped no check
    /// that watches the bus or the freshness of its data, so the interlock judged the same
    /// arm as on the simulator.
    static func comparable(_ output: String, log: String) -> Bool {
        if linkWasClean(output) { return true }
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return false }
        let busChecks = ["communication", "round_trip", "sensor_freshness", "sensor_freshness_stop"]
        return !busChecks.contains { text.contains("\"check\":\"\($0)\"") }
    }

    /// Each expectation's PASS/FAIL line, without the figures (which differ: no noise model on
    /// the servo side).
    func verdicts(_ output: String) -> [String] {
        output.split(separator: "\n").filter { $0.hasPrefix("  PASS") || $0.hasPrefix("  FAIL") }.map { line in
            String(line.split(separator: "—").first ?? "").trimmingCharacters(in: .whitespaces)
        }
    }

    @Test func shippedScenariosGiveTheSameVerdictsOnTheSerialBackend() throws {
        let scenarios = [
            "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml",
            "Scenarios/H07-encoder-potentiometer/pot-offset-below.yaml",
            "Scenarios/H01-uncommanded-motion/command-offset-above.yaml",
        ]
        let folder = try Self.workspace(scenarios: scenarios)
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try EmulatorProcess(profile: folder.appendingPathComponent("HardwareProfiles/dvrk-psm.yaml").path)
        defer { _ = emulator.interrupt() }
        for scenario in scenarios {
            let file = folder.appendingPathComponent(scenario).path
            let simulated = try vigil("run", file, "--out", folder.appendingPathComponent("sim").path)
            // The comparison is of verdicts over a healthy link. When the machine starves the
            // emulator (a loaded CI runner: replies missed or late), the run may legitimately stop
            // on H08/H09/H11 instead; such an attempt says nothing about the verdict logic, so it
            // is run again, up to four times. An attempt with a few late replies that tripped
            // none of those checks is compared like a clean one.
            let runSerial = {
                try vigil("run", file, "--backend", "serial", "--port", emulator.link, "--no-pacing", "--out", folder.appendingPathComponent("serial").path)
            }
            let log = folder.appendingPathComponent("serial/\(((scenario as NSString).lastPathComponent as NSString).deletingPathExtension)-seed1.jsonl").path
            var serial = try runSerial()
            for _ in 1..<4 where !Self.comparable(serial.stdout, log: log) { serial = try runSerial() }
            #expect(Self.comparable(serial.stdout, log: log), "\(scenario): in four attempts the bus checks always tripped:\n\(serial.stdout)")
            #expect(simulated.status == 0, "\(scenario) on the simulator:\n\(simulated.stdout)")
            #expect(serial.status == simulated.status, "\(scenario) over serial:\n\(serial.stdout)\(serial.stderr)")
            #expect(verdicts(serial.stdout) == verdicts(simulated.stdout), "\(scenario)")
            #expect(verdicts(serial.stdout).count >= 2)
            // The PSM profile enables checks no servo gives input for: each is named, in a
            // warning and in the log's header, never left to look watched.
            let header = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").first.map(String.init) ?? ""
            for check in ["emergency_stop", "encoder_potentiometer", "brake_slip"] {
                #expect(serial.stderr.contains("warning: \(check) has no hardware input on the serial bus"), "\(serial.stderr)")
                #expect(header.contains("{\"check\":\"\(check)\",\"reason\":"), "\(header)")
            }
        }
    }

    /// On hardware the excursion has no simulator's truth to read; it must not read the faulty
    /// encoder either. An encoder sign flip injected on a serial run (H02) once showed an
    /// excursion of a third of a metre that never happened; the servos' own readings show the
    /// arm stopped where it was.
    @Test func anInjectedSensorFaultDoesNotFakeTheExcursionOnHardware() throws {
        let folder = try Self.workspace(scenarios: [])
        defer { try? FileManager.default.removeItem(at: folder) }
        // initial_joints is not applied on hardware: the arm is moved away from zero first, or
        // the flipped reading would equal the true one.
        let scenario = folder.appendingPathComponent("Scenarios/sign-flip.yaml")
        try FileManager.default.createDirectory(at: scenario.deletingLastPathComponent(), withIntermediateDirectories: true)
        try """
            format: vigil-scenario/1
            name: bench shoulder encoder sign flip, away from zero
            description: The shoulder encoder changes sign at 20 deg on a serial run.
            hazards: [H02]
            profile: ../HardwareProfiles/bench-3dof.yaml
            seed: 1
            duration: 1200 ms
            timeline:
              - { at: 0 ms, command: enable }
              - { at: 1 ms, command: home }
              - { at: 10 ms, command: move_jp, goal: [10 deg, 20 deg, -30 deg] }
            faults:
              - { target: encoder, joint: shoulder_pitch, type: sign_flip, onset: 900 ms }
            expect:
              - { trips: joint_velocity, joint: shoulder_pitch, within: 5 ms }
              - { max_excursion: 20 mm }
            """.write(to: scenario, atomically: true, encoding: .utf8)
        let emulator = try EmulatorProcess(profile: folder.appendingPathComponent("HardwareProfiles/bench-3dof.yaml").path)
        defer { _ = emulator.interrupt() }
        let run = try vigil(
            "run", scenario.path, "--backend", "serial", "--port", emulator.link, "--no-pacing", "--out", folder.appendingPathComponent("out").path)
        #expect(run.stdout.contains("PASS  joint_velocity trips on shoulder_pitch"), "the fault was injected and caught: \(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("PASS  tip excursion at most 20 mm"), "\(run.stdout)")
    }

    /// Waits until the paced nominal run's log has its first command (start-up, with its
    /// broadcast ping of about 0.8 s, is over and the ticks run), then `seconds` more: 0.5 s
    /// into a 3 s run, whatever a test does then happens mid-run.
    func waitUntilMidRun(_ out: URL, seconds: Double = 0.5) {
        let path = out.appendingPathComponent("psm-nominal-move-seed1.jsonl").path
        for _ in 0..<1000 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains("\"command\":\"enable\"") { break }
            usleep(10_000)
        }
        usleep(useconds_t(seconds * 1e6))
    }

    /// The PSM nominal move on the serial backend against `emulator`, paced at the control rate
    /// (3 s of ticks).
    func startPacedNominalRun(folder: URL, emulator: EmulatorProcess) throws -> (run: Process, stdout: Pipe, out: URL) {
        let out = folder.appendingPathComponent("out")
        let (run, stdout) = try startVigil([
            "run", folder.appendingPathComponent("Scenarios/nominal/psm-nominal-move.yaml").path, "--backend", "serial", "--port", emulator.link, "--out", out.path,
        ])
        return (run, stdout, out)
    }

    /// A run that lost its link: exit 1, says so, and its log records the H09 trip, FAULT and the
    /// interruption, and verifies.
    func expectEndedOnALostLink(_ run: Process, _ text: String, out: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(run.terminationStatus == 1, "\(text)", sourceLocation: sourceLocation)
        #expect(text.contains("STOPPED EARLY: the link to the boards was lost: "), "\(text)", sourceLocation: sourceLocation)
        let path = out.appendingPathComponent("psm-nominal-move-seed1.jsonl").path
        let log = try String(contentsOfFile: path, encoding: .utf8)
        #expect(log.contains("\"check\":\"communication\""), "the interlock tripped on the bus (H09)", sourceLocation: sourceLocation)
        #expect(log.contains("\"to\":\"FAULT\""), sourceLocation: sourceLocation)
        #expect(log.contains("\"type\":\"interrupted\""), sourceLocation: sourceLocation)
        // Nobody answered the torque-off writes: the run cannot say the arm was left stopped.
        #expect(
            text.contains("FAIL  every actuator confirmed torque off — servo ids 1, 2, 3, 4, 5, 6, 7 did not confirm: they may still be powered"),
            "\(text)", sourceLocation: sourceLocation)
        #expect(log.contains("\"torque_off_unconfirmed\":[1,2,3,4,5,6,7]"), sourceLocation: sourceLocation)
        let verify = try vigil("verify-log", path)
        #expect(verify.status == 0, "the log of a cut run is intact: \(verify.stderr)", sourceLocation: sourceLocation)
    }

    @Test func aCutLinkStopsTheArmAndTheRunSaysWhy() throws {
        let folder = try Self.workspace(scenarios: ["Scenarios/nominal/psm-nominal-move.yaml"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try EmulatorProcess(profile: folder.appendingPathComponent("HardwareProfiles/dvrk-psm.yaml").path)
        let (run, stdout, out) = try startPacedNominalRun(folder: folder, emulator: emulator)
        waitUntilMidRun(out)
        // Pull the cable: the boards disappear mid-run.
        kill(emulator.process.processIdentifier, SIGKILL)
        emulator.process.waitUntilExit()
        let text = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        try expectEndedOnALostLink(run, text, out: out)
    }

    /// The boards go silent but the port stays open (a cable cut behind an adapter that is
    /// still plugged in): no transport error, only cycles without replies. The interlock stops
    /// the arm (H09), and the run ends by itself after 50 such cycles.
    @Test func aSilentBusEndsTheRunToo() throws {
        let folder = try Self.workspace(scenarios: ["Scenarios/nominal/psm-nominal-move.yaml"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try EmulatorProcess(profile: folder.appendingPathComponent("HardwareProfiles/dvrk-psm.yaml").path)
        let (run, stdout, out) = try startPacedNominalRun(folder: folder, emulator: emulator)
        waitUntilMidRun(out)
        kill(emulator.process.processIdentifier, SIGSTOP)  // the boards stop answering; the pty stays
        // 50 cycles of at most 5 ms each: well under a second. Without the rule the run would
        // wait out the scenario's remaining 2.3 s of ticks, each up to 5 ms long (11 s or more).
        var waited = 0
        while run.isRunning && waited < 8_000 {
            usleep(10_000)
            waited += 10
        }
        let endedByItself = !run.isRunning
        if !endedByItself { kill(run.processIdentifier, SIGKILL) }
        let text = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        kill(emulator.process.processIdentifier, SIGCONT)
        _ = emulator.interrupt()
        #expect(endedByItself, "the run was still going 8 s after the bus fell silent")
        try expectEndedOnALostLink(run, text, out: out)
    }

    @Test func sigintDuringARunLeavesTorqueOffOnEveryID() throws {
        let folder = try Self.workspace(scenarios: ["Scenarios/nominal/psm-nominal-move.yaml"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try EmulatorProcess(profile: folder.appendingPathComponent("HardwareProfiles/dvrk-psm.yaml").path)
        let (run, stdout, out) = try startPacedNominalRun(folder: folder, emulator: emulator)
        waitUntilMidRun(out)
        kill(run.processIdentifier, SIGINT)
        let text = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        let stopped = emulator.interrupt()
        #expect(run.terminationStatus == 1)
        #expect(text.contains("STOPPED EARLY: interrupted (SIGINT)"), "\(text)")
        #expect(!text.contains("confirmed torque off"), "every servo answered the torque-off write: \(text)")
        for id in 1...7 {
            let on = stopped.stderr.range(of: "id \(id): torque on")
            let off = stopped.stderr.range(of: "id \(id): torque off", options: .backwards)
            #expect(on != nil && off != nil && on!.lowerBound < off!.lowerBound, "id \(id):\n\(stopped.stderr)")
        }
        #expect(stopped.stderr.contains("torque is off on every id"))
    }

    /// H10: replies corrupted on the bus are dropped and counted, and too many failed cycles in
    /// a row stop the arm, with the evidence in the log.
    @Test func corruptRepliesAreCountedAndStopTheArm() throws {
        let scenario = "Scenarios/H07-encoder-potentiometer/pot-offset-below.yaml"
        let folder = try Self.workspace(scenarios: [scenario])
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try EmulatorProcess(profile: folder.appendingPathComponent("HardwareProfiles/dvrk-psm.yaml").path, extra: ["--corrupt", "0.03"])
        defer { _ = emulator.interrupt() }
        let out = folder.appendingPathComponent("out")
        let run = try vigil("run", folder.appendingPathComponent(scenario).path, "--backend", "serial", "--port", emulator.link, "--no-pacing", "--out", out.path)
        #expect(run.status == 1, "\(run.stdout)")
        let log = try String(contentsOf: out.appendingPathComponent("pot-offset-below-seed1.jsonl"), encoding: .utf8)
        #expect(log.contains("\"check\":\"communication\""))
        let summary = log.split(separator: "\n").last.map(String.init) ?? ""
        let crc = summary.range(of: #""crc_errors":(\d+)"#, options: .regularExpression).map { summary[$0] } ?? ""
        #expect(!crc.isEmpty && !crc.hasSuffix(":0"), "CRC errors counted: \(crc)")
        #expect(run.stdout.contains("bus: bus cycles"))
    }

    /// A dry run: `scenario`, copied into a workspace, run with --no-pacing on the serial
    /// backend against virtual boards for the workspace's `boards` profile, started with
    /// `emulatorArguments`; `editBench` first rewrites the workspace's bench profile. Returns
    /// the run, its log's text, whether `verify-log` found the log intact, and what the
    /// boards printed on standard error (torque changes, watchdog expiries).
    func dryRun(
        _ scenario: String, boards: String = "bench-3dof.yaml", emulatorArguments: [String] = [], editBench: ((String) -> String)? = nil
    ) throws -> (run: VigilRun, log: String, intact: Bool, boards: String) {
        let folder = try Self.workspace(scenarios: [scenario])
        defer { try? FileManager.default.removeItem(at: folder) }
        if let editBench {
            let bench = folder.appendingPathComponent("HardwareProfiles/bench-3dof.yaml")
            try editBench(try String(contentsOf: bench, encoding: .utf8)).write(to: bench, atomically: true, encoding: .utf8)
        }
        let emulator = try EmulatorProcess(profile: folder.appendingPathComponent("HardwareProfiles/\(boards)").path, extra: emulatorArguments)
        var stopped = false
        defer { if !stopped { _ = emulator.interrupt() } }
        let out = folder.appendingPathComponent("out")
        let run = try vigil("run", folder.appendingPathComponent(scenario).path, "--backend", "serial", "--port", emulator.link, "--no-pacing", "--out", out.path)
        let boardsSaid = emulator.interrupt().stderr
        stopped = true
        let name = URL(fileURLWithPath: scenario).deletingPathExtension().lastPathComponent
        let path = out.appendingPathComponent("\(name)-seed1.jsonl").path
        let log = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let intact = try vigil("verify-log", path).status == 0
        return (run, log, intact, boardsSaid)
    }

    /// Runs the bench's nominal move on the serial backend against virtual boards started with
    /// `--implausible probability`; returns the run and its log.
    func nominalMoveWithImplausibleReplies(_ probability: String) throws -> (run: VigilRun, log: String) {
        let dry = try dryRun("Scenarios/bench-3dof/nominal-move.yaml", emulatorArguments: ["--implausible", probability])
        #expect(dry.intact)
        return (dry.run, dry.log)
    }

    /// H10's range check end to end: replies whose CRC is good but whose temperature no servo
    /// reports (the emulator's `--implausible`) are dropped and counted as range errors, not
    /// CRC errors or timeouts, and failed cycles in a row stop the arm on `communication`.
    @Test func implausibleRepliesAreDroppedByTheRangeCheckAndStopTheArm() throws {
        let (run, log) = try nominalMoveWithImplausibleReplies("0.3")
        #expect(run.status == 1, "the nominal move expects no trip: \(run.stdout)")
        let lines = log.split(separator: "\n")
        let fault = try #require(lines.first { $0.contains("\"type\":\"state_transition\"") && $0.contains("\"to\":\"FAULT\"") })
        #expect(fault.contains("\"reason\":\"communication\""), "\(fault)")
        // A dropped reading reaches no check: no temperature trip, and no 0 V supply from a
        // frame no reply had filled.
        #expect(!log.contains("\"check\":\"temperature\"") && !log.contains("\"check\":\"supply_voltage\""))
        let summary = String(lines.last ?? "")
        func count(_ key: String) -> Int? {
            summary.range(of: "\"\(key)\":(\\d+)", options: .regularExpression).flatMap { Int(summary[$0].split(separator: ":").last!) }
        }
        #expect((count("range_errors") ?? 0) > 0, "\(summary)")
        #expect(count("crc_errors") == 0, "\(summary)")
    }

    /// Servos that never give one plausible reading are refused before power-on: the arm is
    /// never enabled on a frame no reply has filled (which would send every joint to zero).
    @Test func servosWithNoPlausibleReadingAreRefusedBeforePowerOn() throws {
        let (run, log) = try nominalMoveWithImplausibleReplies("1")
        #expect(run.status == 1)
        #expect(run.stderr.contains("the servos did not return one complete, plausible reading of their present values in 20 attempts"), "\(run.stderr)")
        #expect(run.stderr.contains("refusing to power on"))
        #expect(!log.contains("\"to\":\"ENABLED\""), "never enabled")
    }

    /// A fault on the simulated plant cannot act on hardware: the run leaves it out, and the
    /// log says so instead of recording an injection that did not happen.
    @Test func aPlantFaultIsLeftOutOnHardwareAndTheLogSaysSo() throws {
        let (run, log, intact, _) = try dryRun("Scenarios/bench-3dof/H16-supply-below-minimum.yaml")
        #expect(run.stderr.contains("warning: fault 0 (power set (value 9.8 V), from tick 500) acts on the simulated plant and is not injected on hardware"), "\(run.stderr)")
        #expect(run.status == 1, "the supply trip it expects cannot happen: \(run.stdout)")
        let header = log.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.contains("\"faults\":[],\"faults_not_injected\":[\"power set (value 9.8 V), from tick 500\"]"), "\(header)")
        #expect(!log.contains("\"type\":\"fault_injected\""))
        // The bench enables emergency_stop, which no servo can report: only injected faults reach it, and the log says so.
        #expect(header.contains("\"checks_without_hardware_input\":[{\"check\":\"emergency_stop\",\"reason\":\"the servos have no e-stop input"), "\(header)")
        #expect(run.stderr.contains("warning: emergency_stop has no hardware input on the serial bus"))
        #expect(intact)
    }

    /// `initial_joints` is the simulator's starting pose: a serial run cannot apply it, and
    /// says so (a warning, and a field in the log's header) instead of starting silently
    /// wherever the arm stands.
    @Test func initialJointsAreNotAppliedOnHardwareAndTheLogSaysSo() throws {
        let (run, log, _, _) = try dryRun("Scenarios/bench-3dof/H05-setpoint-beyond-limit.yaml")
        #expect(run.stderr.contains("warning: initial_joints is not applied on hardware: the arm starts where it stands"), "\(run.stderr)")
        let header = log.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.contains("\"initial_joints_not_applied\":\"the arm starts where it stands"), "\(header)")
    }

    /// The potentiometer self-test cannot run on servos (one position reading, still when the
    /// joint is): a profile that enables it is refused before the port is opened.
    @Test func aProfileThatSelfTestsPotentiometersIsRefusedOnTheSerialBus() throws {
        let run = try vigil(
            "run", "Scenarios/nominal/psm-nominal-move.yaml", "--backend", "serial", "--port", "/dev/vigil-no-such-port", "--no-pacing", "--out",
            FileManager.default.temporaryDirectory.appendingPathComponent("vigil-unused-\(UUID().uuidString)").path)
        #expect(run.status == 2)
        #expect(run.stderr.contains("dvrk-psm.yaml: safety.monitor_inputs self-tests independent potentiometers, but servos on the serial bus have none"), "\(run.stderr)")
        #expect(!run.stderr.contains("vigil-no-such-port"), "refused before the port is opened: \(run.stderr)")
    }

    /// Runs a short hold on the bench's virtual boards (which report the shipped profile's
    /// models and firmware 52) with a copy of the profile edited by `replacing` → `with`.
    func holdWithEditedBenchProfile(replacing: String, with: String) throws -> (run: VigilRun, log: String, folder: URL) {
        let folder = try Self.workspace(scenarios: [])
        let emulator = try EmulatorProcess(profile: folder.appendingPathComponent("HardwareProfiles/bench-3dof.yaml").path)
        defer { _ = emulator.interrupt() }
        let text = try String(contentsOf: folder.appendingPathComponent("HardwareProfiles/bench-3dof.yaml"), encoding: .utf8)
        #expect(text.contains(replacing))
        try text.replacingOccurrences(of: replacing, with: with)
            .write(to: folder.appendingPathComponent("HardwareProfiles/wrong.yaml"), atomically: true, encoding: .utf8)
        let scenario = """
            format: vigil-scenario/1
            name: bench hold
            description: enable and hold
            hazards: [H20]
            profile: HardwareProfiles/wrong.yaml
            seed: 1
            duration: 100 ms
            timeline:
              - { at: 0 ms, command: enable }
            expect:
              - { no_trip: any }

            """
        let file = folder.appendingPathComponent("hold.yaml")
        try scenario.write(to: file, atomically: true, encoding: .utf8)
        let run = try vigil("run", file.path, "--backend", "serial", "--port", emulator.link, "--no-pacing", "--out", folder.appendingPathComponent("out").path)
        return (run, folder.appendingPathComponent("out/hold-seed1.jsonl").path, folder)
    }

    /// H20: the boards' model numbers do not match the profile: refuse to power on.
    @Test func aWrongModelNumberRefusesToPowerOn() throws {
        let (run, log, folder) = try holdWithEditedBenchProfile(
            replacing: "{ id: 2, joint: shoulder_pitch, model_number: 1020", with: "{ id: 2, joint: shoulder_pitch, model_number: 1030")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(run.status == 1)
        #expect(run.stderr.contains("servo id 2 is model 1020 (XM430-W350), but the profile expects 1030 (XM430-W210): refusing to power on (H20)"), "\(run.stderr)")
        // The refusal is evidence: a log with the header, the refusal and a failing summary.
        #expect(run.stderr.contains("log: \(log) (final hash "), "\(run.stderr)")
        #expect(try vigil("verify-log", log).status == 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.count == 3 && lines[1].contains("\"type\":\"start_refused\",\"tick\":0,\"reason\":\"hardware_mismatch\",\"hazards\":[\"H20\"]"), "\(lines)")
        #expect(lines.last?.contains("\"verdict\":\"FAIL\"") == true && lines.last?.contains("refused before power-on: servo id 2 is model 1020") == true)
    }

    /// H20: the bench's profile on the PSM's bus. Ids 1–3 answer with the bench's model, but ids
    /// 4–7 answer a broadcast ping too: another arm is attached, and nothing is powered.
    @Test func anotherArmOnTheBusIsRefusedBeforePowerOn() throws {
        let (run, log, intact, boards) = try dryRun("Scenarios/bench-3dof/nominal-move.yaml", boards: "dvrk-psm.yaml")
        #expect(run.status == 1)
        #expect(
            run.stderr.contains("servo ids 4, 5, 6, 7 answer on the bus too, but the profile lists only ids 1, 2, 3 (another arm attached?): refusing to power on (H20)"),
            "\(run.stderr)")
        #expect(log.contains("\"type\":\"start_refused\",\"tick\":0,\"reason\":\"hardware_mismatch\""))
        #expect(!log.contains("\"to\":\"ENABLED\""), "never enabled")
        #expect(intact)
        // The virtual boards never saw torque.
        #expect(!boards.contains("torque on") && boards.contains("torque is off on every id"), "\(boards)")
    }

    /// H20: a servo runs other firmware than the profile pins: refuse to power on.
    @Test func aServoWithOtherFirmwareIsRefusedBeforePowerOn() throws {
        let (run, log, folder) = try holdWithEditedBenchProfile(
            replacing: "{ id: 3, joint: elbow_pitch,    model_number: 1020, firmware: 52", with: "{ id: 3, joint: elbow_pitch,    model_number: 1020, firmware: 46")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(run.status == 1)
        #expect(run.stderr.contains("servo id 3 runs firmware version 52, but the profile expects 46: refusing to power on (H20)"), "\(run.stderr)")
        #expect(try vigil("verify-log", log).status == 0)
    }

    @Test func scanFindsTheVirtualServos() throws {
        let emulator = try EmulatorProcess(profile: "HardwareProfiles/bench-3dof.yaml")
        defer { _ = emulator.interrupt() }
        let scan = try vigil("hw", "scan", "--port", emulator.link)
        #expect(scan.status == 0)
        #expect(scan.stdout.contains("id 1: model 1020 (XM430-W350), firmware 52"))
        #expect(scan.stdout.contains("id 3: model 1020 (XM430-W350), firmware 52"))
        #expect(scan.stdout.contains("3 servos found"))
    }
}
