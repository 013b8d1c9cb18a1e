import Foundation
import Testing

/// Every shipped scenario, through the real `vigil run`.
@Suite struct RunCLITests {
    static let scenarios: [String] = {
        let root = repositoryRoot.appendingPathComponent("Scenarios")
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        // The deliberately bad profiles the H21 start checks use are not scenarios.
        return files.filter { $0.hasSuffix(".yaml") && !$0.contains("profiles/") }.sorted().map { "Scenarios/\($0)" }
    }()

    func temporaryFolder() throws -> URL { try VigilCLITests.temporaryFolder("run") }

    @Test func theCatalogueCoversEveryHazardWithTwins() {
        for hazard in (1...22).map({ String(format: "H%02d", $0) }) {
            let files = Self.scenarios.filter { $0.contains("/\(hazard)-") && !$0.contains("/bench-3dof/") }
            #expect(files.count >= 2, "\(hazard) needs a scenario and a twin")
        }
        #expect(Self.scenarios.contains { $0.hasPrefix("Scenarios/nominal/") })
        // The bench: every hazard but those its profile disables with a reason (no remote
        // centre, no potentiometers, no brakes).
        for hazard in (1...22).map({ String(format: "H%02d", $0) }) where !["H04", "H07", "H14"].contains(hazard) {
            let files = Self.scenarios.filter { $0.hasPrefix("Scenarios/bench-3dof/\(hazard)-") }
            #expect(files.count >= 2, "the bench's \(hazard) needs a scenario and a twin")
        }
    }

    @Test(arguments: scenarios)
    func shippedScenarioPasses(_ scenario: String) throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try vigil("run", scenario, "--out", out.path)
        #expect(run.status == 0, "\(scenario):\n\(run.stdout)\(run.stderr)")
        #expect(run.stdout.hasSuffix("PASS\n"))
        // The log's path as vigil run reports it ("  log: PATH (final hash …)").
        let logLine = run.stdout.split(separator: "\n").first { $0.hasPrefix("  log: ") } ?? ""
        let log = String(logLine.dropFirst("  log: ".count).split(separator: " ").first ?? "")
        #expect(log.hasPrefix(out.path), "\(run.stdout)")
        let verify = try vigil("verify-log", log)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test func sameScenarioAndSeedGiveAByteIdenticalLog() throws {
        let a = try temporaryFolder(), b = try temporaryFolder()
        defer {
            try? FileManager.default.removeItem(at: a)
            try? FileManager.default.removeItem(at: b)
        }
        let scenario = "Scenarios/H18-operator-input/operator-spike-above.yaml"
        _ = try vigil("run", scenario, "--out", a.path)
        _ = try vigil("run", scenario, "--out", b.path)
        let first = try Data(contentsOf: a.appendingPathComponent("operator-spike-above-seed1.jsonl"))
        let second = try Data(contentsOf: b.appendingPathComponent("operator-spike-above-seed1.jsonl"))
        #expect(first.count > 1000)
        #expect(first == second)
    }

    /// docs/fault-log.md shows a whole log of `pot-offset-above`, and the README and
    /// scenarios.md quote its final hash. The example must be what this version writes (its
    /// records, apart from the commit it was built from and the chain over it), its chain must
    /// verify, and the quoted final hash must be its last: a stale profile hash in the docs
    /// sends a reader looking for the wrong file.
    @Test func theFaultLogDocsShowTheLogThisVersionWrites() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let docs = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/fault-log.md"), encoding: .utf8)
        let shown = docs.components(separatedBy: "\n").drop { !$0.hasPrefix("{\"type\":\"header\"") }.prefix { $0.hasPrefix("{") }
        #expect(shown.count == 8)
        let run = try vigil("run", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "--out", out.path)
        #expect(run.status == 0, "\(run.stderr)")
        let written = try String(contentsOf: out.appendingPathComponent("pot-offset-above-seed1.jsonl"), encoding: .utf8)
            .components(separatedBy: "\n").filter { !$0.isEmpty }
        func content(_ line: String) throws -> NSDictionary {
            var record = try json(line)
            record["prev"] = nil
            record["hash"] = nil
            record["git_commit"] = nil
            return record as NSDictionary
        }
        #expect(written.count == shown.count)
        for (doc, fresh) in zip(shown, written) {
            #expect(try content(doc) == content(fresh), "docs/fault-log.md shows \(doc)\nthis version writes \(fresh)")
        }
        let copy = out.appendingPathComponent("shown.jsonl")
        try (shown.joined(separator: "\n") + "\n").write(to: copy, atomically: true, encoding: .utf8)
        let verify = try vigil("verify-log", copy.path)
        #expect(verify.stdout.contains("intact — 8 records"), "\(verify.stdout)\(verify.stderr)")
        let finalHash = try json(shown.last!)["hash"] as? String ?? "?"
        for file in ["README.md", "docs/scenarios.md"] {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent(file), encoding: .utf8)
            #expect(text.contains("(final hash \(finalHash))"), "\(file) quotes another final hash")
        }
    }

    /// A profile that disables the boards' watchdog gets simulated boards without one: a host
    /// stall then leaves the boards driving (no board stop), and the run says so, instead of
    /// evidence of a stop that such hardware would not make.
    @Test func boardsWithoutAWatchdogDoNotStopThemselves() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let profile = try String(contentsOfFile: profilePath("dvrk-psm.yaml"), encoding: .utf8)
        let edited = profile.replacingOccurrences(
            of: "  board_watchdog:          # dVRK default 30 ms\n    timeout: 30 ms",
            with: "  board_watchdog:\n    disabled: true\n    reason: a test of boards without one")
        #expect(edited != profile)
        let profileFile = out.appendingPathComponent("no-watchdog.yaml")
        try edited.write(to: profileFile, atomically: true, encoding: .utf8)
        let scenario = try String(contentsOf: repositoryRoot.appendingPathComponent("Scenarios/H15-deadline-overrun/host-stall.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../../HardwareProfiles/dvrk-psm.yaml", with: profileFile.path)
        let scenarioFile = out.appendingPathComponent("host-stall.yaml")
        try scenario.write(to: scenarioFile, atomically: true, encoding: .utf8)
        let run = try vigil("run", scenarioFile.path, "--out", out.path)
        #expect(run.status == 1, "\(run.stdout)")
        #expect(run.stdout.contains("FAIL  the boards' watchdog removes power within 30 ms of onset — the boards' watchdog never removed power"), "\(run.stdout)")
        #expect(run.stdout.contains("PASS  deadline_stop trips"), "the host's own check still stops the arm: \(run.stdout)")
        let log = try String(contentsOf: out.appendingPathComponent("host-stall-seed1.jsonl"), encoding: .utf8)
        #expect(!log.contains("\"type\":\"board_watchdog\""))
        // The shipped profile's boards do stop themselves.
        let shipped = try vigil("run", "Scenarios/H15-deadline-overrun/host-stall.yaml", "--out", out.path)
        #expect(shipped.status == 0, "\(shipped.stdout)")
    }

    @Test func anotherSeedGivesOtherNoiseButTheSameVerdicts() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let scenario = "Scenarios/nominal/psm-nominal-move.yaml"
        var logs: [Data] = []
        for seed in ["1", "2", "3"] {
            let run = try vigil("run", scenario, "--seed", seed, "--out", out.path)
            #expect(run.status == 0, "seed \(seed): \(run.stdout)")
            logs.append(try Data(contentsOf: out.appendingPathComponent("psm-nominal-move-seed\(seed).jsonl")))
        }
        #expect(logs[0] != logs[1] && logs[1] != logs[2])
        // Same verdicts: every summary says PASS with no trip.
        for log in logs {
            let summary = String(decoding: log, as: UTF8.self).split(separator: "\n").last!
            #expect(summary.contains("\"verdict\":\"PASS\"") && summary.contains("\"trips\":0"))
        }
    }

    @Test func aFailingExpectationExitsOne() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let text = try String(contentsOfFile: repositoryRoot.appendingPathComponent("Scenarios/H07-encoder-potentiometer/pot-offset-below.yaml").path, encoding: .utf8)
            .replacingOccurrences(of: "magnitude: 4.5 deg", with: "magnitude: 5.5 deg")
            .replacingOccurrences(of: "../../HardwareProfiles", with: repositoryRoot.appendingPathComponent("HardwareProfiles").path)
        let file = out.appendingPathComponent("broken.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let run = try vigil("run", file.path, "--out", out.path)
        #expect(run.status == 1)
        #expect(run.stdout.contains("FAIL  no check trips — 1 trip, first encoder_potentiometer at tick 510"))
    }

    @Test func anInvalidScenarioExitsTwo() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let file = out.appendingPathComponent("bad.yaml")
        try "format: vigil-scenario/1\nname: x\n".write(to: file, atomically: true, encoding: .utf8)
        let run = try vigil("run", file.path)
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(file.path):1:1: error: missing required field 'description'"))
    }

    /// Where the log goes is checked before anything runs, with a message a person can act on.
    @Test func anOutputThatIsAFileIsRefusedFirst() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let file = out.appendingPathComponent("not-a-folder")
        try Data().write(to: file)
        let run = try vigil("run", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "--out", file.path, "--realtime")
        #expect(run.status == 2)
        #expect(run.stderr == "error: the output folder (--out) \(file.path) is a file, not a folder\n", "no real-time warnings first: \(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    /// A forgotten --backend serial must not run the scenario on the simulator and pass.
    @Test func serialOptionsWithoutTheSerialBackendAreRefused() throws {
        let scenario = "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml"
        let port = try vigil("run", scenario, "--port", "/dev/ttyUSB0")
        #expect(port.status == 2)
        #expect(port.stderr.contains("--port is for serial runs: add --backend serial"), "\(port.stderr)")
        #expect(!port.stdout.contains("PASS"))
        let two = try vigil("run", scenario, "--baud", "1000000", "--no-pacing")
        #expect(two.status == 2 && two.stderr.contains("--baud, --no-pacing are for serial runs"), "\(two.stderr)")
        let baud = try vigil("run", scenario, "--backend", "serial", "--port", "/dev/ttyUSB0", "--baud", "12345")
        #expect(baud.status == 2 && baud.stderr.contains("--baud 12345 is not a DYNAMIXEL X-series baud rate"), "\(baud.stderr)")
    }

    @Test func verifyLogNamesTheFirstBadLine() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        _ = try vigil("run", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "--out", out.path)
        let log = out.appendingPathComponent("pot-offset-above-seed1.jsonl")
        let text = try String(contentsOf: log, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let tripLine = lines.firstIndex { $0.contains("\"check_tripped\"") }!
        lines[tripLine] = lines[tripLine].replacingOccurrences(of: "\"power_off\"", with: "\"power_of\"")
        try lines.joined(separator: "\n").write(to: log, atomically: true, encoding: .utf8)
        let edited = try vigil("verify-log", log.path)
        #expect(edited.status == 1)
        #expect(edited.stderr.contains(":\(tripLine + 1): error: the record does not match its hash (edited)"))

        try String(text.dropLast(5)).write(to: log, atomically: true, encoding: .utf8)
        let truncated = try vigil("verify-log", log.path)
        #expect(truncated.status == 1)
        #expect(truncated.stderr.contains("incomplete last line"))

        let missing = try vigil("verify-log", out.appendingPathComponent("nope.jsonl").path)
        #expect(missing.status == 2)
    }

    @Test func scenarioCheckValidatesFiles() throws {
        let run = try vigil("scenario", "check", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "Scenarios/nominal/psm-nominal-move.yaml")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("valid — H07 potentiometer offset above the distance [H07] on dvrk-psm-classic-lnd"))
    }
}
