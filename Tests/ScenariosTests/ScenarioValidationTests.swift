import ControlLoop
import Foundation
import Scenarios
import Testing

/// Invalid scenarios are rejected with the file, line, field and reason.
@Suite struct ScenarioValidationTests {
    static let base = """
        format: vigil-scenario/1
        name: test
        description: a test scenario
        hazards: [H07]
        profile: HardwareProfiles/dvrk-psm.yaml
        seed: 1
        duration: 100 ms
        timeline:
          - { at: 0 ms, command: enable }
          - { at: 1 ms, command: home }
        faults:
          - { target: potentiometer, joint: outer_yaw, type: offset, magnitude: 5.5 deg, onset: 50 ms }
        expect:
          - { trips: encoder_potentiometer, joint: outer_yaw, within: 11 ms }

        """

    /// Decodes `text` as if it were a file at the repository root.
    func diagnostics(_ text: String) -> [Diagnostic] {
        let path = repositoryRoot.appendingPathComponent("edited-scenario.yaml").path
        do {
            _ = try ScenarioLoader.decode(text, path: path)
            Issue.record("accepted")
            return []
        } catch {
            return error.diagnostics
        }
    }

    func edited(_ old: String, _ new: String) -> (text: String, line: Int) {
        let lines = Self.base.components(separatedBy: "\n")
        let index = lines.firstIndex { $0.contains(old) }!
        var copy = lines
        copy[index] = lines[index].replacingOccurrences(of: old, with: new)
        return (copy.joined(separator: "\n"), index + 1)
    }

    /// A misspelled joint is the one error: the parameter's unit is not also reported as
    /// unknowable.
    @Test func aMisspelledJointIsTheOnlyError() {
        let e = edited("joint: outer_yaw, type", "joint: outer_yew, type")
        let d = diagnostics(e.text)
        #expect(d.count == 1, "\(d.map(\.description))")
        #expect(d.first?.field == "faults[0].joint")
    }

    /// Expectations that cannot all hold are refused before the run, on the second one's line.
    @Test(arguments: [
        ("{ no_trip: encoder_potentiometer }", "'encoder_potentiometer' must trip, and must not trip"),
        ("{ no_trip: any }", "'encoder_potentiometer' must trip, and no check may trip"),
    ])
    func contradictoryExpectationsAreRefused(_ second: String, _ fragment: String) {
        let e = edited("within: 11 ms }", "within: 11 ms }\n  - \(second)")
        let d = diagnostics(e.text)
        #expect(d.count == 1 && d[0].field == "expect[1]" && d[0].location.line == e.line + 1 && d[0].message.contains(fragment), "\(d.map(\.description))")
    }

    /// A replay older than the fault's onset would replay a command from before the run (and
    /// stamp a negative tick): refused on its line. As old as the onset is accepted.
    @Test(arguments: [("51 ms", false), ("50 ms", true)])
    func aReplayReachingBeforeTheRunIsRefused(_ age: String, _ accepted: Bool) throws {
        let e = edited(
            "{ target: potentiometer, joint: outer_yaw, type: offset, magnitude: 5.5 deg, onset: 50 ms }",
            "{ target: command, joint: outer_yaw, type: replay, by: \(age), onset: 50 ms }")
        if accepted {
            _ = try ScenarioLoader.decode(e.text, path: repositoryRoot.appendingPathComponent("edited-scenario.yaml").path)
        } else {
            let d = diagnostics(e.text)
            #expect(
                d.count == 1 && d[0].field == "faults[0].by" && d[0].location.line == e.line
                    && d[0].message.contains("reaches back before the run: the fault starts at tick 50"), "\(d.map(\.description))")
        }
    }

    @Test func twoFinalStatesAreRefused() {
        let e = edited("within: 11 ms }", "within: 11 ms }\n  - { final_state: FAULT }\n  - { final_state: ENABLED }")
        let d = diagnostics(e.text)
        #expect(d.count == 1 && d[0].field == "expect[2]" && d[0].message.contains("cannot be both FAULT and ENABLED"), "\(d.map(\.description))")
    }

    /// A check that must not trip on its own, beside another that must, is fine.
    @Test func anotherChecksTwinIsAccepted() throws {
        let path = repositoryRoot.appendingPathComponent("edited-scenario.yaml").path
        let s = try ScenarioLoader.decode(edited("within: 11 ms }", "within: 11 ms }\n  - { no_trip: temperature }").text, path: path)
        #expect(s.expectations.count == 2)
    }

    @Test func aRunOfTwentyFourHoursIsAccepted() throws {
        let path = repositoryRoot.appendingPathComponent("edited-scenario.yaml").path
        let s = try ScenarioLoader.decode(edited("duration: 100 ms", "duration: 86400 s").text, path: path)
        #expect(s.durationTicks == 86_400_000)
    }

    @Test func theBaseScenarioIsValid() throws {
        let path = repositoryRoot.appendingPathComponent("edited-scenario.yaml").path
        let s = try ScenarioLoader.decode(Self.base, path: path)
        #expect(s.faults.count == 1 && s.faults[0].onset == 50)
        #expect(s.durationTicks == 100)
        #expect(s.profile.id == "dvrk-psm-classic-lnd")
    }

    @Test(arguments: [
        ("type: offset, magnitude: 5.5 deg", "type: overrun", "faults[0].type", "does not apply to target 'potentiometer'"),
        ("magnitude: 5.5 deg", "magnitude: 5.5", "faults[0].magnitude", "has no unit"),
        ("magnitude: 5.5 deg", "magnitude: 5.5 mm", "faults[0].magnitude", "'mm' is not a unit of an angle"),
        ("target: potentiometer", "target: potentiometre", "faults[0].target", "did you mean 'potentiometer'"),
        ("trips: encoder_potentiometer", "trips: encoder_pot", "expect[0].trips", "is not a check"),
        ("joint: outer_yaw, type", "joint: outer_yew, type", "faults[0].joint", "did you mean 'outer_yaw'"),
        ("command: home", "command: hoem", "timeline[1].command", "did you mean 'home'"),
        ("hazards: [H07]", "hazards: [H23]", "hazards[0]", "not a hazard id"),
        ("onset: 50 ms", "onset: 50.5 ms", "faults[0].onset", "not a whole number of control periods"),
        ("duration: 100 ms", "duration: 100", "duration", "'100 ticks'"),
        ("seed: 1", "seed: -1", "seed", "whole number"),
        ("target: potentiometer, joint: outer_yaw, type: offset, magnitude: 5.5 deg", "target: bus, joint: outer_yaw, type: drop", "faults[0].joint", "not per joint"),
        ("target: potentiometer, joint: outer_yaw, type: offset, magnitude: 5.5 deg", "target: bus, type: stuck", "faults[0].type", "it takes: drop, corrupt, delay"),
        ("target: potentiometer, joint: outer_yaw, type: offset, magnitude: 5.5 deg", "target: bus, type: delay, by: 2 ticks", "faults[0].by", "'ticks' is not a unit of a duration"),
        ("target: potentiometer, joint: outer_yaw, type: offset, magnitude: 5.5 deg", "target: bus, type: delay, by: 0 us", "faults[0].by", "greater than 0"),
        ("{ at: 1 ms, command: home }", "{ at: 1 ms, command: home, speed: 2 }", "timeline[1].speed", "unknown field 'speed'"),
        // Values too large for a tick count are refused, not trapped on (2⁴⁰ ticks at most).
        ("duration: 100 ms", "duration: 1e16 s", "duration", "is too long: at most 1099511627776 ticks"),
        ("duration: 100 ms", "duration: 1099511627777 ticks", "duration", "is too long: at most 1099511627776 ticks"),
        ("within: 11 ms", "within: 1e20 s", "expect[0].within", "is too long"),
        ("onset: 50 ms }", "onset: 50 ms, duration: 9223372036854775807 ticks }", "faults[0].duration", "is too long"),
        // A run is at most 24 h: at 1 kHz, 86 400 000 ticks.
        ("duration: 100 ms", "duration: 86400001 ticks", "duration", "too long for a run: at most 24 h (86400000 ticks at 1 kHz)"),
        ("duration: 100 ms", "duration: 1e12 s", "duration", "is too long"),
    ])
    func invalidFieldsAreNamed(_ old: String, _ new: String, _ field: String, _ fragment: String) {
        let e = edited(old, new)
        let d = diagnostics(e.text)
        #expect(d.contains { $0.field == field && $0.location.line == e.line && $0.message.contains(fragment) }, "got \(d.map(\.description))")
    }

    /// Bus faults: a late cycle's round trip is a time finer than a tick (µs), possibly drawn
    /// per run; drops and corruption may be intermittent.
    @Test func busFaultsDecode() throws {
        let path = repositoryRoot.appendingPathComponent("edited-scenario.yaml").path
        let text = Self.base.replacingOccurrences(
            of: "  - { target: potentiometer, joint: outer_yaw, type: offset, magnitude: 5.5 deg, onset: 50 ms }",
            with: """
                  - { target: bus, type: delay, by: 950 us, onset: 50 ms }
                  - { target: bus, type: delay, by: { uniform: [0.8 ms, 1.2 ms] }, onset: 50 ms }
                  - { target: bus, type: corrupt, probability: 0.1, onset: 10 ms, duration: 5 ms }
                  - { target: bus, type: drop, onset: 60 ms }
                """)
        let s = try ScenarioLoader.decode(text, path: path)
        #expect(s.faults.map(\.kind) == [.late(microseconds: 950), .late(microseconds: 1000), .corrupt, .drop])
        #expect(s.faults[1].distribution == .uniform(800, 1200))
        #expect(s.faults[2].probability == 0.1 && s.faults[2].end == 15)
        #expect(s.faultTexts[0] == "bus delay (by 950 us), from tick 50")
    }

    @Test func faultAfterTheEndOfTheRun() {
        let e = edited("onset: 50 ms", "onset: 100 ms")
        #expect(diagnostics(e.text).contains { $0.field == "faults[0].onset" && $0.message.contains("at or after the end") })
    }

    @Test func timelineOutOfOrder() {
        let e = edited("{ at: 1 ms, command: home }", "{ at: 0 ms, command: home }\n  - { at: -1 ms, command: home }")
        #expect(!diagnostics(e.text).isEmpty)
    }

    @Test func missingProfileNamesThePath() {
        let e = edited("profile: HardwareProfiles/dvrk-psm.yaml", "profile: HardwareProfiles/nope.yaml")
        let d = diagnostics(e.text)
        #expect(d.count == 1 && d[0].field == "profile" && d[0].message.contains("no profile at"))
    }

    @Test func anInvalidProfileIsReportedWithItsOwnProblems() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-scn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let profile = try shippedProfileText("dvrk-psm.yaml").replacingOccurrences(of: "    error: 65 degC", with: "    error: 55 degC")
        try profile.write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let scenario = Self.base.replacingOccurrences(of: "HardwareProfiles/dvrk-psm.yaml", with: "bad.yaml")
        do {
            _ = try ScenarioLoader.decode(scenario, path: folder.appendingPathComponent("s.yaml").path)
            Issue.record("accepted")
        } catch {
            #expect(error.diagnostics.contains { $0.field == "profile" && $0.message.contains("is not valid") })
            #expect(error.diagnostics.contains { $0.location.file.hasSuffix("bad.yaml") && $0.field == "safety.temperature.error" })
        }
    }

    @Test func anExpectationWithTwoKindsIsNamedAsSuch() {
        let two = edited("{ trips: encoder_potentiometer, joint: outer_yaw, within: 11 ms }", "{ final_state: FAULT, max_excursion: 1 mm }")
        let d = diagnostics(two.text)
        #expect(d.count == 1, "\(d)")
        #expect(d.first?.field == "expect[0]" && d.first?.location.line == two.line)
        #expect(d.first?.message.contains("exactly one of") == true && d.first?.message.contains("final_state and max_excursion") == true)

        let within = edited("{ trips: encoder_potentiometer, joint: outer_yaw, within: 11 ms }", "{ response: power_off, within: 3 ms }")
        let w = diagnostics(within.text)
        #expect(w.count == 1 && w[0].field == "expect[0].within" && w[0].message == "'within' belongs to a 'trips' expectation only", "\(w)")
    }

    @Test func aHazardListedTwiceIsRefused() {
        let e = edited("hazards: [H07]", "hazards: [H07, H07]")
        let d = diagnostics(e.text)
        #expect(d.count == 1 && d[0].field == "hazards[1]" && d[0].message == "H07 is listed twice", "\(d)")
    }

    /// The scenario's line that says the profile's problems follow comes first, then the
    /// profile's problems in their own line order, whatever the line numbers.
    @Test func aProfilesProblemsFollowTheLineThatIntroducesThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-scn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("adir.yaml"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let profile = try shippedProfileText("dvrk-psm.yaml").replacingOccurrences(of: "format: vigil-profile/1", with: "format: vigil-profile/7")
        try profile.write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        for (name, kind) in [("bad.yaml", "not valid"), ("adir.yaml", "not valid")] {
            let scenario = Self.base.replacingOccurrences(of: "HardwareProfiles/dvrk-psm.yaml", with: name)
            do {
                _ = try ScenarioLoader.decode(scenario, path: folder.appendingPathComponent("s.yaml").path)
                Issue.record("accepted")
            } catch {
                let d = error.diagnostics
                #expect(d.count >= 2)
                #expect(d.first?.field == "profile" && d.first?.message.contains(kind) == true, "\(d)")
                #expect(d.dropFirst().allSatisfy { $0.location.file.hasSuffix(name) })
                #expect(d.dropFirst().map(\.location.line) == d.dropFirst().map(\.location.line).sorted())
            }
        }
        #expect(throws: ValidationError.self) { try ProfileLoader.load(path: folder.appendingPathComponent("adir.yaml").path) }
        do {
            _ = try ProfileLoader.load(path: folder.appendingPathComponent("adir.yaml").path)
        } catch {
            #expect(error.diagnostics.map(\.message) == ["is a folder, not a file"])
        }
    }

    @Test func aFileThatIsNotUTF8IsReportedAtItsFirstBadLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-scn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var bytes = Data(Self.base.utf8)
        let third = bytes.indices.filter { bytes[$0] == 0x0A }[1] + 1  // the first byte of line 3
        bytes.insert(0xFF, at: third + 3)
        let path = folder.appendingPathComponent("latin1.yaml").path
        try bytes.write(to: URL(fileURLWithPath: path))
        do {
            _ = try ScenarioLoader.load(path: path)
            Issue.record("accepted")
        } catch {
            #expect(error.diagnostics.count == 1)
            #expect(error.diagnostics.first?.location.line == 3)
            #expect(error.diagnostics.first?.message.hasPrefix("the file is not UTF-8 text") == true)
        }
    }

    @Test func boardStopsDecodesAndNeedsAFaultUnlessNever() throws {
        let stall = Self.base
            .replacingOccurrences(of: "target: potentiometer, joint: outer_yaw, type: offset, magnitude: 5.5 deg, onset: 50 ms", with: "target: loop_timing, type: stall, onset: 50 ms, duration: 40 ms")
            .replacingOccurrences(of: "trips: encoder_potentiometer, joint: outer_yaw, within: 11 ms", with: "board_stops: 30 ms")
        let scenario = try ScenarioLoader.decode(stall, path: repositoryRoot.appendingPathComponent("s.yaml").path)
        #expect(scenario.expectations == [.boardStops(within: 30)])
        #expect(scenario.faults.first?.kind == .stall)
        let noFaults = stall.replacingOccurrences(of: "faults:\n  - { target: loop_timing, type: stall, onset: 50 ms, duration: 40 ms }\n", with: "")
        #expect(diagnostics(noFaults).contains { $0.field == "expect[0].board_stops" && $0.message.contains("no faults") })
        let never = noFaults.replacingOccurrences(of: "board_stops: 30 ms", with: "board_stops: never")
        let decoded = try ScenarioLoader.decode(never, path: repositoryRoot.appendingPathComponent("s.yaml").path)
        #expect(decoded.expectations == [.boardStops(within: nil)])
        for bad in ["Never", "yes", "[30 ms]"] {
            let text = stall.replacingOccurrences(of: "board_stops: 30 ms", with: "board_stops: \(bad)")
            let d = diagnostics(text)
            #expect(d.count == 1 && d.first?.field == "expect[0].board_stops", "\(bad): \(d.map(\.description))")
            if bad != "[30 ms]" { #expect(d.first?.message.contains("or 'never'") == true) }
        }
        let typo = stall.replacingOccurrences(of: "type: stall", with: "type: stal")
        #expect(diagnostics(typo).contains { $0.field == "faults[0].type" && $0.message.contains("did you mean 'stall'") })
        let intermittent = stall.replacingOccurrences(of: "type: stall, onset: 50 ms", with: "type: stall, probability: 0.5, onset: 50 ms")
        #expect(diagnostics(intermittent).contains { $0.field == "faults[0].probability" && $0.message.contains("cannot be intermittent") })
        let stallOnASensor = Self.base.replacingOccurrences(of: "type: offset, magnitude: 5.5 deg", with: "type: stall")
        #expect(diagnostics(stallOnASensor).contains { $0.field == "faults[0].type" && $0.message.contains("does not apply to target 'potentiometer'") })
    }

    @Test func withinNeedsAFault() {
        let text = Self.base.replacingOccurrences(
            of: "faults:\n  - { target: potentiometer, joint: outer_yaw, type: offset, magnitude: 5.5 deg, onset: 50 ms }\n", with: "")
        #expect(diagnostics(text).contains { $0.field == "expect[0].within" && $0.message.contains("no faults") })
    }

    /// Every scenario file is valid; the profiles kept beside the start checks are the
    /// deliberately bad ones, so each must be invalid and named by a start check.
    @Test func everyShippedScenarioIsValid() throws {
        let root = repositoryRoot.appendingPathComponent("Scenarios")
        let files = FileManager.default.enumerator(atPath: root.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 21)
        var profiles: [String] = []
        var named: Set<String> = []
        for file in files {
            let path = root.appendingPathComponent(file).path
            if try String(contentsOfFile: path, encoding: .utf8).contains("\nformat: vigil-profile/1") {
                profiles.append(path)
                #expect(throws: ValidationError.self, "\(file) is kept as a bad profile") { try ProfileLoader.load(path: path) }
                continue
            }
            do {
                if case let .startCheck(check) = try ScenarioLoader.loadAny(path: path) {
                    named.insert(URL(fileURLWithPath: check.profilePath).standardized.path)
                }
            } catch {
                Issue.record("\(file): \(error)")
            }
        }
        #expect(profiles.count >= 2)
        for profile in profiles { #expect(named.contains(URL(fileURLWithPath: profile).standardized.path), "\(profile) is used by no start check") }
    }
}

@Suite struct ScenarioReviewFixTests {
    let path = repositoryRoot.appendingPathComponent("edited-scenario.yaml").path

    func diagnostics(_ text: String) -> [Diagnostic] {
        do {
            _ = try ScenarioLoader.decode(text, path: path)
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func aJointOnACheckThatIsNotPerJointIsRejected() {
        let text = ScenarioValidationTests.base.replacingOccurrences(
            of: "{ trips: encoder_potentiometer, joint: outer_yaw, within: 11 ms }", with: "{ trips: supply_voltage, joint: outer_yaw }")
        #expect(diagnostics(text).contains { $0.field == "expect[0].joint" && $0.message.contains("not a per-joint check") })
    }

    @Test func invalidFaultsDoNotClaimThereAreNoFaults() {
        let text = ScenarioValidationTests.base.replacingOccurrences(of: "type: offset, magnitude: 5.5 deg", with: "type: offset, magnitude: 5.5")
        let d = diagnostics(text)
        #expect(d.contains { $0.field == "faults[0].magnitude" })
        #expect(!d.contains { $0.message.contains("has no faults") })
    }

    @Test func aZeroScenarioValueGetsNoDisableHint() {
        let text = ScenarioValidationTests.base.replacingOccurrences(
            of: "  - { trips: encoder_potentiometer, joint: outer_yaw, within: 11 ms }", with: "  - { max_excursion: 0 mm }")
        let d = diagnostics(text)
        #expect(d.contains { $0.field == "expect[0].max_excursion" && $0.message == "must be greater than 0" })
    }

    @Test func chainOnlyGoalsLeaveTheOtherJointsAlone() throws {
        let text = ScenarioValidationTests.base.replacingOccurrences(
            of: "  - { at: 1 ms, command: home }", with: "  - { at: 1 ms, command: home }\n  - { at: 2 ms, command: move_jp, goal: [0 deg, 0 deg, 100 mm, 0 deg, 0 deg, 0 deg] }")
        let s = try ScenarioLoader.decode(text, path: path)
        guard case let .moveJoints(goal) = s.timeline[2].command else {
            Issue.record("not a move")
            return
        }
        #expect(goal.count == 6, "the jaw is not given, so it is not moved")
    }

    /// More events in one tick than the loop's ring holds: the run says its evidence is
    /// incomplete, and a no_trip expectation cannot pass on it.
    @Test func lostEventsFailNoTripExpectations() throws {
        let faults = (0..<1100).map { _ in "  - { target: loop_timing, type: overrun, onset: 50 ms, duration: 1 ms }" }.joined(separator: "\n")
        let text = ScenarioValidationTests.base
            .replacingOccurrences(of: "  - { target: potentiometer, joint: outer_yaw, type: offset, magnitude: 5.5 deg, onset: 50 ms }", with: faults)
            .replacingOccurrences(of: "  - { trips: encoder_potentiometer, joint: outer_yaw, within: 11 ms }", with: "  - { no_trip: encoder_potentiometer }")
        // The runner hashes the scenario file for the log header: write it out.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-lost-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("lost.yaml")
        try text.replacingOccurrences(of: "profile: HardwareProfiles/", with: "profile: \(repositoryRoot.path)/HardwareProfiles/")
            .write(to: file, atomically: true, encoding: .utf8)
        let scenario = try ScenarioLoader.load(path: file.path)
        let log = folder.appendingPathComponent("lost.jsonl").path
        let result = try ScenarioRunner.runSimulated(scenario, seed: 1, logPath: log, metadata: RunMetadata(vigilVersion: "test", gitCommit: "test", backend: "simulator"))
        #expect(result.eventsLost > 0)
        #expect(!result.passed)
        #expect(result.expectations[0].figure.contains("events were lost"))
    }
}

@Suite struct FaultModelDecodingTests {
    let path = repositoryRoot.appendingPathComponent("edited-scenario.yaml").path

    func decode(_ fault: String) throws -> Fault {
        let text = ScenarioValidationTests.base.replacingOccurrences(
            of: "  - { target: potentiometer, joint: outer_yaw, type: offset, magnitude: 5.5 deg, onset: 50 ms }", with: "  - \(fault)")
        return try ScenarioLoader.decode(text, path: path).faults[0]
    }

    func problems(_ fault: String) -> [Diagnostic] {
        do {
            _ = try decode(fault)
            return []
        } catch let error as ValidationError {
            return error.diagnostics
        } catch {
            return []
        }
    }

    @Test func newTypesAndTheirParameters() throws {
        #expect(try decode("{ target: encoder, joint: outer_yaw, type: delay, by: 5 ms, onset: 10 ms }").kind == .delay(ticks: 5))
        #expect(try decode("{ target: encoder, joint: outer_yaw, type: slow, every: 10 ms, onset: 10 ms }").kind == .slow(every: 10))
        #expect(try decode("{ target: current_sensor, joint: outer_yaw, type: off, onset: 10 ms }").kind == .off)
        let drift = try decode("{ target: potentiometer, joint: outer_yaw, type: drift, rate: 2 deg/s, onset: 10 ms }")
        #expect(drift.kind == .ramp(perSecond: 2 * Double.pi / 180))
        let intermittent = try decode("{ target: encoder, joint: outer_yaw, type: stuck, probability: 0.25, onset: 10 ms }")
        #expect(intermittent.probability == 0.25)
    }

    @Test func distributions() throws {
        let degree = Double.pi / 180
        let uniform = try decode("{ target: potentiometer, joint: outer_yaw, type: offset, magnitude: { uniform: [4 deg, 6 deg] }, onset: 10 ms }")
        #expect(uniform.distribution == .uniform(4 * degree, 6 * degree))
        let normal = try decode(
            "{ target: potentiometer, joint: outer_yaw, type: offset, magnitude: { normal: { mean: 5 deg, sd: 0.5 deg, min: 4 deg, max: 6 deg } }, onset: 10 ms }")
        #expect(normal.distribution == .normal(mean: 5 * degree, sd: 0.5 * degree, min: 4 * degree, max: 6 * degree))
    }

    /// Each way a normal distribution can be wrong is named, not one message for all.
    @Test(arguments: [
        ("mean: 5 deg, sd: -1 deg, min: 4 deg, max: 6 deg", "sd must not be negative"),
        ("mean: 5 deg, sd: 1 deg, min: 6 deg, max: 4 deg", "min must not be above max"),
        ("mean: 7 deg, sd: 1 deg, min: 4 deg, max: 6 deg", "mean must lie within [min, max]"),
        ("mean: 7 deg, sd: -1 deg, min: 4 deg, max: 6 deg", "sd must not be negative; mean must lie within [min, max]"),
    ])
    func aBadNormalDistributionSaysWhatIsWrong(_ parameters: String, _ message: String) {
        let d = problems("{ target: potentiometer, joint: outer_yaw, type: offset, magnitude: { normal: { \(parameters) } }, onset: 10 ms }")
        #expect(d.map(\.message) == [message], "got \(d.map(\.description))")
    }

    @Test(arguments: [
        ("{ target: encoder, joint: outer_yaw, type: stuck, probability: 0, onset: 10 ms }", "probability"),
        ("{ target: encoder, joint: outer_yaw, type: stuck, probability: 1.5, onset: 10 ms }", "probability"),
        ("{ target: potentiometer, joint: outer_yaw, type: offset, magnitude: { uniform: [6 deg, 4 deg] }, onset: 10 ms }", "magnitude.uniform"),
        ("{ target: potentiometer, joint: outer_yaw, type: offset, magnitude: { normal: { mean: 5 deg, sd: 1 deg } }, onset: 10 ms }", "magnitude.normal"),
        ("{ target: potentiometer, joint: outer_yaw, type: offset, magnitude: { gaussian: [1 deg] }, onset: 10 ms }", "magnitude.gaussian"),
        ("{ target: power, type: delay, by: 5 ms, onset: 10 ms }", "type"),
        ("{ target: encoder, joint: outer_yaw, type: delay, by: 5, onset: 10 ms }", "by"),
    ])
    func badFaultsAreNamed(_ fault: String, _ field: String) {
        let d = problems(fault)
        #expect(d.contains { $0.field == "faults[0].\(field)" }, "got \(d.map(\.description))")
    }

    /// One mistake, one error: a NaN probability is reported once, and a misspelt type does not
    /// also make its parameter an "unknown field".
    @Test(arguments: [
        ("{ target: encoder, joint: outer_yaw, type: stuck, probability: .nan, onset: 10 ms }", "faults[0].probability", "'.nan' is not a finite number"),
        ("{ target: potentiometer, joint: outer_yaw, type: offst, magnitude: 6 deg, onset: 10 ms }", "faults[0].type", "did you mean 'offset'?"),
        ("{ target: bus, type: dealy, by: 2 ms, onset: 10 ms }", "faults[0].type", "did you mean 'delay'?"),
    ])
    func oneMistakeIsOneError(_ fault: String, _ field: String, _ message: String) {
        let d = problems(fault)
        #expect(d.count == 1, "got \(d.map(\.description))")
        #expect(d.first?.field == field && d.first?.message.contains(message) == true, "got \(d.map(\.description))")
    }
}

/// A stalled host takes no commands: the timeline's commands wait until it runs again.
@Suite struct HostStallRunTests {
    func run(_ timeline: String, stall: String, expect: String = "{ board_stops: 30 ms }", duration: String = "800 ms") throws -> (RunResult, [Substring]) {
        let text = """
            format: vigil-scenario/1
            name: stall with commands
            description: commands arrive while the host is frozen
            hazards: [H15]
            profile: \(repositoryRoot.path)/HardwareProfiles/dvrk-psm.yaml
            seed: 1
            duration: \(duration)
            initial_joints: [20 deg, -15 deg, 120 mm, 30 deg, 10 deg, -10 deg, 20 deg]
            timeline:
            \(timeline)
            faults:
              - \(stall)
            expect:
              - \(expect)

            """
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-stall-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("stall.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let scenario = try ScenarioLoader.load(path: file.path)
        let log = folder.appendingPathComponent("stall.jsonl").path
        let result = try ScenarioRunner.runSimulated(scenario, seed: 1, logPath: log, metadata: RunMetadata(vigilVersion: "test", gitCommit: "test", backend: "simulator"))
        return (result, try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n"))
    }

    func commandTicks(_ lines: [Substring]) -> [String: String] {
        var ticks: [String: String] = [:]
        for line in lines where line.contains("\"type\":\"command\"") {
            let name = line.range(of: #""command":"[a-z_]+"#, options: .regularExpression).map { String(line[$0].dropFirst(11)) } ?? "?"
            let tick = line.range(of: #""tick":\d+"#, options: .regularExpression).map { String(line[$0].dropFirst(7)) } ?? "?"
            ticks[name] = tick
        }
        return ticks
    }

    @Test func commandsDuringAStallAreTakenOneATickWhenTheHostRunsAgain() throws {
        let (result, lines) = try run(
            "  - { at: 0 ms, command: enable }\n  - { at: 1 ms, command: home }\n  - { at: 550 ms, command: pause }\n  - { at: 560 ms, command: resume }",
            stall: "{ target: loop_timing, type: stall, onset: 500 ms, duration: 100 ms }")
        #expect(result.passed, "\(result.expectations)")
        #expect(result.boardStopTick == 530)
        let ticks = commandTicks(lines)
        #expect(ticks["pause"] == "600" && ticks["resume"] == "601", "\(ticks)")
    }

    @Test func commandsAStallHoldsToTheEndAreLoggedAsNotApplied() throws {
        let (_, lines) = try run(
            "  - { at: 0 ms, command: enable }\n  - { at: 1 ms, command: home }\n  - { at: 700 ms, command: disable }",
            stall: "{ target: loop_timing, type: stall, onset: 500 ms }")
        let disable = lines.first { $0.contains("\"command\":\"disable\"") }
        #expect(disable?.contains("\"tick\":800,") == true && disable?.contains("\"accepted\":false") == true, "\(disable ?? "none")")
        #expect(disable?.contains("the host was stalled until the end of the run") == true)
    }

    @Test func anArmTheInterlockNeverPoweredHasNoExcursion() throws {
        // The enable comes while the host is frozen; when it is taken, the overruns stop the arm
        // in the same tick, before any power is sent.
        let (result, _) = try run(
            "  - { at: 550 ms, command: enable }", stall: "{ target: loop_timing, type: stall, onset: 500 ms, duration: 100 ms }",
            expect: "{ max_excursion: 1 mm }")
        #expect(result.peakExcursion == 0 && result.passed, "\(result.expectations)")
    }
}

@Suite struct RejectedCommandLogTests {
    /// A rejected command's log line says why, so a reader of the log need not work it out.
    @Test func aResetWhileTheEmergencyStopIsPressedIsLoggedWithItsReason() throws {
        let scenario = try ScenarioLoader.load(
            path: repositoryRoot.appendingPathComponent("Scenarios/H17-emergency-stop/estop-asserted.yaml").path)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-reject-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("estop.jsonl").path
        _ = try ScenarioRunner.runSimulated(
            scenario, seed: 1, logPath: log, metadata: RunMetadata(vigilVersion: "test", gitCommit: "test", backend: "simulator"))
        let commands = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"type\":\"command\"") }
        let reset = try #require(commands.first { $0.contains("\"command\":\"reset\"") })
        #expect(reset.contains("\"accepted\":false,\"reason\":\"the emergency stop is still asserted\""), "\(reset)")
        for line in commands where line.contains("\"accepted\":true") {
            #expect(!line.contains("\"reason\""), "an accepted command has no reason: \(line)")
        }
    }
}
