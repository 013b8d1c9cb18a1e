import Foundation
import Testing

@Suite struct ProfileCheckCLITests {
    @Test func validProfilesExitZero() throws {
        let run = try vigil("profile", "check", "HardwareProfiles/dvrk-psm.yaml", "HardwareProfiles/bench-3dof.yaml")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("HardwareProfiles/dvrk-psm.yaml: valid — dvrk-psm-classic-lnd: 7 joints"))
        #expect(run.stdout.contains("note: check 'brake_slip' is disabled: the servos have no brakes"))
        #expect(run.stderr.isEmpty)
    }

    @Test func invalidProfileExitsTwoWithFileLineAndField() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try String(contentsOfFile: profilePath("bench-3dof.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "    error: 75 degC", with: "    error: .nan")
        let bad = directory.appendingPathComponent("bad.yaml")
        try text.write(to: bad, atomically: true, encoding: .utf8)
        let line = text.components(separatedBy: "\n").firstIndex { $0 == "    error: .nan" }! + 1

        let run = try vigil("profile", "check", bad.path)
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(bad.path):\(line):12: error: safety.temperature.error: '.nan' is not a finite number"), "\(run.stderr)")
    }

    @Test func missingFileExitsTwo() throws {
        let run = try vigil("profile", "check", "no/such/profile.yaml")
        #expect(run.status == 2)
        #expect(run.stderr.contains("no/such/profile.yaml:1:1: error: no such file"))
    }

    @Test func badArgumentsExitTwoWithUsage() throws {
        let run = try vigil("kinematics", "fk", "--joints", "0,0,0")
        #expect(run.status == 2)
        #expect(run.stderr.contains("Missing expected argument '--profile <profile>'"))
    }

    @Test func versionIsPrinted() throws {
        let run = try vigil("--version")
        #expect(run.status == 0)
        #expect(!run.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }
}
