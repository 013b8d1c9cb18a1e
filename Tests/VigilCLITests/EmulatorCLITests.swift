import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `vigil hw emulate` running as its own process, for tests that talk to it.
final class EmulatorProcess {
    let process = Process()
    let link: String
    let errors = Pipe()
    let output = Pipe()

    init(profile: String, extra: [String] = []) throws {
        link = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-pty-\(UUID().uuidString)").path
        process.executableURL = try vigilExecutable()
        process.arguments = ["hw", "emulate", "--profile", profile, "--link", link] + extra
        process.currentDirectoryURL = repositoryRoot
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Wait for the announcement line (the link exists once it is printed).
        var text = ""
        let handle = output.fileHandleForReading
        while !text.contains("\n") {
            let data = handle.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        announcement = text
    }

    var announcement: String

    /// SIGINT, then the emulator's standard error and exit status.
    func interrupt() -> (status: Int32, stderr: String) {
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text)
    }
}

@Suite(.serialized) struct EmulatorCLITests {
    /// ROBOTIS' own dynamixel-sdk (PyPI) pings, reads, writes and sync-reads the virtual boards:
    /// our bytes meet a client nobody on Vigil wrote.
    @Test func dynamixelSDKTalksToTheVirtualBoards() throws {
        let emulator = try EmulatorProcess(profile: "HardwareProfiles/bench-3dof.yaml")
        #expect(emulator.announcement.contains("virtual boards for bench-3dof-xm430: ids 1, 2, 3 (XM430-W350) on /dev/pts/"))
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        client.arguments = ["python3", repositoryRoot.appendingPathComponent("Tests/Fixtures/dynamixel_sdk_client.py").path, emulator.link, "1", "2", "3"]
        let pipe = Pipe()
        client.standardOutput = pipe
        client.standardError = pipe
        try client.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        client.waitUntilExit()
        let stopped = emulator.interrupt()
        #expect(client.terminationStatus == 0, "\(output)")
        #expect(output.hasSuffix("0 failed\n"), "\(output)")
        #expect(output.contains("ok sync read data 3 position 2048"))
        #expect(output.contains("ok fast sync read data 3 position 2048"))
        #expect(output.contains("ok EEPROM write refused while torque on 2 error 7"))
        // bench-3dof.yaml's bus runs at 4.5 Mbaud: the X-series Baud Rate code 7.
        #expect(output.contains("ok read baud rate field 1 code 7"), "\(output)")
        #expect(output.contains("ok read-only address 0 refused 1 error 7"))
        #expect(output.contains("ok torque enable 2 refused 3 error 4"))
        #expect(stopped.status == 0)
        #expect(stopped.stderr.contains("id 3: torque on") && stopped.stderr.contains("stopped; torque is off on every id"))
        #expect(!FileManager.default.fileExists(atPath: emulator.link), "the link is removed on exit")
    }

    @Test func aProfileWithoutABusIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-nobus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try String(contentsOfFile: profilePath("bench-3dof.yaml"), encoding: .utf8)
        let cut = String(text[..<text.range(of: "\nbus:")!.lowerBound]) + "\n"
        let file = folder.appendingPathComponent("nobus.yaml")
        try cut.write(to: file, atomically: true, encoding: .utf8)
        let run = try vigil("hw", "emulate", "--profile", file.path)
        #expect(run.status == 2)
        #expect(run.stderr.contains("has no bus section"))
    }

    @Test func portsAreListed() throws {
        let run = try vigil("hw", "ports")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.isEmpty)
    }
}
