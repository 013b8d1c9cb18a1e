import Foundation
import Scenarios
import Testing

/// Start checks (H20, H21): decoding, the hardware comparison, and verdicts that can fail.
@Suite struct StartCheckTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func scenario(profile: String, hardware: String? = nil, models: String? = nil, firmware: String? = nil, expect: String) -> String {
        var text = """
            format: vigil-scenario/1
            name: start check
            description: a test
            hazards: [H20]
            profile: \(profile)
            seed: 1

            """
        if let hardware {
            text += "hardware:\n  profile: \(hardware)\n"
            if let models { text += "  servo_models: \(models)\n" }
            if let firmware { text += "  servo_firmware: \(firmware)\n" }
        }
        return text + "expect:\n  - \(expect)\n"
    }

    func run(_ path: String) throws -> StartCheckRunner.Outcome {
        guard case let .startCheck(check) = try ScenarioLoader.loadAny(path: path) else {
            Issue.record("not a start check")
            throw CancellationError()
        }
        return try StartCheckRunner.run(
            check, seed: 1, logPath: folder.appendingPathComponent("log.jsonl").path,
            metadata: RunMetadata(vigilVersion: "test", gitCommit: "test", backend: "simulator"))
    }

    func diagnostics(_ path: String) -> [Diagnostic] {
        do {
            _ = try ScenarioLoader.loadAny(path: path)
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func aServoOfAnotherModelIsRefusedAndTheRightOneIsNot() throws {
        let bench = shippedProfilePath("bench-3dof.yaml")
        let wrong = try run(write("wrong.yaml", scenario(profile: bench, hardware: bench, models: "{ 3: 1060 }", expect: "{ start_refused: hardware_mismatch }")))
        #expect(wrong.refusal == .hardwareMismatch)
        #expect(wrong.problems == ["servo id 3 is model 1060 (XL430-W250), but the profile expects 1020 (XM430-W350)"])
        #expect(wrong.passed)
        // The same expectation with matching servos must fail: the check can fail.
        let right = try run(write("right.yaml", scenario(profile: bench, hardware: bench, models: "{ 3: 1020 }", expect: "{ start_refused: hardware_mismatch }")))
        #expect(right.refusal == nil)
        #expect(!right.passed)
        #expect(right.expectations[0].figure == "the start was not refused")
    }

    @Test func aServoWithOtherFirmwareIsRefusedAndTheRightOneIsNot() throws {
        let bench = shippedProfilePath("bench-3dof.yaml")  // pins firmware 52 on every servo
        let wrong = try run(write("fw-wrong.yaml", scenario(profile: bench, hardware: bench, firmware: "{ 2: 45 }", expect: "{ start_refused: hardware_mismatch }")))
        #expect(wrong.refusal == .hardwareMismatch)
        #expect(wrong.problems == ["servo id 2 runs firmware version 45, but the profile expects 52"])
        let right = try run(write("fw-right.yaml", scenario(profile: bench, hardware: bench, firmware: "{ 2: 52 }", expect: "{ start_refused: none }")))
        #expect(right.refusal == nil && right.passed)
        // A servo the attached arm does not have is an error in the file, not a silent no-op.
        let stray = try write("fw-stray.yaml", scenario(profile: bench, hardware: bench, firmware: "{ 9: 45 }", expect: "{ start_refused: hardware_mismatch }"))
        #expect(diagnostics(stray).contains { $0.field == "hardware.servo_firmware.9" && $0.message.contains("not on the attached arm's bus (ids 1, 2, 3)") }, "\(diagnostics(stray))")
        // A profile that names no firmware does not compare it.
        let psm = shippedProfilePath("dvrk-psm.yaml")
        let unpinned = try run(write("fw-unpinned.yaml", scenario(profile: psm, hardware: psm, firmware: "{ 2: 45 }", expect: "{ start_refused: none }")))
        #expect(unpinned.refusal == nil && unpinned.passed)
    }

    @Test func anotherRobotIsRefused() throws {
        let psm = try ProfileLoader.load(path: shippedProfilePath("dvrk-psm.yaml"))
        let bench = try ProfileLoader.load(path: shippedProfilePath("bench-3dof.yaml"))
        let problems = psm.hardwareMismatches(attached: bench)
        #expect(problems.contains { $0.hasPrefix("the attached arm is 'bench-3dof-xm430'") })
        #expect(problems.contains { $0.hasPrefix("the attached arm's joints are [base_yaw, shoulder_pitch, elbow_pitch]") })
        #expect(problems.contains("servo id 4 does not answer"))
        #expect(psm.hardwareMismatches(attached: psm).isEmpty)
        #expect(bench.hardwareMismatches(attached: bench, servoModels: [1: 1020]).isEmpty)
    }

    @Test func aBadProfileIsRefusedAndEveryProblemNamed() throws {
        let bad = try EditedProfile("bench-3dof.yaml", replacing: "    error: 75 degC", with: "    error: .nan degC")
        let profile = try write("bad-profile.yaml", bad.text)
        let named = try run(write("named.yaml", scenario(
            profile: profile, expect: "{ start_refused: invalid_profile, naming: [safety.temperature.error, safety.tip_speed] }")))
        #expect(named.refusal == .invalidProfile)
        #expect(named.problems.count == 1 && named.problems[0].contains(":\(bad.line):"))
        #expect(named.expectations.map(\.passed) == [true, true, false], "tip_speed is valid, so the refusal does not name it")
        // A valid profile where a refusal is expected fails; `none` passes.
        let good = shippedProfilePath("bench-3dof.yaml")
        #expect(try !run(write("good.yaml", scenario(profile: good, expect: "{ start_refused: invalid_profile }"))).passed)
        #expect(try run(write("none.yaml", scenario(profile: good, hardware: good, expect: "{ start_refused: none }"))).passed)
    }

    @Test func theLogIsChainedAndSaysWhy() throws {
        let bench = shippedProfilePath("bench-3dof.yaml")
        let outcome = try run(write("log.yaml", scenario(profile: bench, hardware: bench, models: "{ 2: 1030 }", expect: "{ start_refused: hardware_mismatch }")))
        let lines = try String(contentsOfFile: outcome.logPath, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].contains("\"type\":\"header\"") && lines[0].contains("\"hardware\":{"))
        #expect(lines[1].contains("\"type\":\"start_refused\"") && lines[1].contains("\"reason\":\"hardware_mismatch\"") && lines[1].contains("\"H20\""))
        #expect(lines[2].contains("\"verdict\":\"PASS\""))
    }

    @Test func malformedStartChecksAreRejectedWithTheField() throws {
        let bench = shippedProfilePath("bench-3dof.yaml")
        let withTimeline = scenario(profile: bench, hardware: bench, expect: "{ start_refused: none }") + "timeline:\n  - { at: 0 ms, command: enable }\n"
        #expect(diagnostics(try write("a.yaml", withTimeline)).contains { $0.field == "timeline" && $0.message.contains("does not run") })
        let bogus = scenario(profile: bench, hardware: bench, expect: "{ start_refused: maybe }")
        #expect(diagnostics(try write("b.yaml", bogus)).contains { $0.field == "expect[0].start_refused" })
        let noHardware = scenario(profile: bench, expect: "{ start_refused: hardware_mismatch }")
        #expect(diagnostics(try write("c.yaml", noHardware)).contains { $0.field == "expect" && $0.message.contains("'hardware' section") })
        let badModel = scenario(profile: bench, hardware: bench, models: "{ 300: 1020 }", expect: "{ start_refused: none }")
        #expect(diagnostics(try write("d.yaml", badModel)).contains { $0.field == "hardware.servo_models.300" })
        let namingMismatch = scenario(profile: bench, hardware: bench, expect: "{ start_refused: hardware_mismatch, naming: [x] }")
        #expect(diagnostics(try write("e.yaml", namingMismatch)).contains { $0.field == "expect[0].naming" })
    }

    @Test func aCampaignSkipsProfilesAndRunsStartChecks() throws {
        let sub = folder.appendingPathComponent("campaign")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let bench = shippedProfilePath("bench-3dof.yaml")
        try shippedProfileText("bench-3dof.yaml").write(to: sub.appendingPathComponent("a-profile.yaml"), atomically: true, encoding: .utf8)
        try scenario(profile: bench, hardware: bench, models: "{ 2: 1030 }", expect: "{ start_refused: hardware_mismatch }")
            .write(to: sub.appendingPathComponent("check.yaml"), atomically: true, encoding: .utf8)
        let plan = try CampaignPlan.load(paths: [sub.path], seeds: 2)
        #expect(plan.items.map(\.scenarioID) == ["campaign/check"], "the profile is skipped, and a start check runs once whatever the seeds")
        let runs = try CampaignRunner.run(
            plan, jobs: 2, outFolder: folder.appendingPathComponent("out").path,
            metadata: RunMetadata(vigilVersion: "test", gitCommit: "test", backend: "simulator")) { _, _, _ in }
        #expect(runs.map(\.status) == [.passed])
        #expect(runs[0].trippedChecks == ["hardware_identity"])
    }
}
