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
        ("{ at: 1 ms, command: home }", "{ at: 1 ms, command: home, speed: 2 }", "timeline[1].speed", "unknown field 'speed'"),
    ])
    func invalidFieldsAreNamed(_ old: String, _ new: String, _ field: String, _ fragment: String) {
        let e = edited(old, new)
        let d = diagnostics(e.text)
        #expect(d.contains { $0.field == field && $0.location.line == e.line && $0.message.contains(fragment) }, "got \(d.map(\.description))")
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

    @Test func withinNeedsAFault() {
        let text = Self.base.replacingOccurrences(
            of: "faults:\n  - { target: potentiometer, joint: outer_yaw, type: offset, magnitude: 5.5 deg, onset: 50 ms }\n", with: "")
        #expect(diagnostics(text).contains { $0.field == "expect[0].within" && $0.message.contains("no faults") })
    }

    @Test func everyShippedScenarioIsValid() throws {
        let root = repositoryRoot.appendingPathComponent("Scenarios")
        let files = FileManager.default.enumerator(atPath: root.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 21)
        for file in files {
            #expect(throws: Never.self) { try ScenarioLoader.load(path: root.appendingPathComponent(file).path) }
        }
    }
}
