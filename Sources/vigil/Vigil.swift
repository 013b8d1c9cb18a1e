import ArgumentParser
import Foundation
import Scenarios

@main
struct Vigil: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Surgical-robot motion-control simulator and safety monitor.",
        discussion: """
            Exit codes: 0 success; 1 a check or expectation failed (or no solution exists); \
            2 invalid input (a malformed profile or scenario, or bad arguments).
            """,
        version: version,
        subcommands: [RunCommand.self, CampaignCommand.self, VerifyLogCommand.self, ScenarioCommand.self, ProfileCommand.self, KinematicsCommand.self, HardwareCommand.self, ReportCommand.self, BenchCommand.self]
    )

    /// Runs the command; invalid arguments exit 2 like invalid files, not ArgumentParser's 64.
    static func main() {
        // Past a file-size limit (ulimit -f) a write fails with "File too large" rather than
        // killing the process with SIGXFSZ: a run then stops with torque off and says why,
        // instead of dying with the actuators as they were.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as VigilExit {
            if let message = exit.message { printError(message) }
            Foundation.exit(exit.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Vigil.exit(withError: error)
            }
            printError(fullMessage(for: error))
            Foundation.exit(code == .validationFailure ? VigilExit.invalidInput : code.rawValue)
        }
    }
}

/// Ends the process with a code and an optional message on standard error.
struct VigilExit: Error {
    static let failure: Int32 = 1
    static let invalidInput: Int32 = 2

    var code: Int32
    var message: String?

    static func invalid(_ message: String) -> VigilExit { VigilExit(code: invalidInput, message: message) }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
}

/// `path` is a folder, or one can be made there, and it can be written to; otherwise exit 2.
func prepareFolder(_ path: String, what: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
        throw VigilExit.invalid("error: \(what) \(path) is a file, not a folder")
    }
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw VigilExit.invalid("error: cannot make \(what) \(path): \(describeFileError(error))")
    }
    guard FileManager.default.isWritableFile(atPath: path) else {
        throw VigilExit.invalid("error: \(what) \(path) cannot be written to")
    }
}

/// `path` can be written as a file: not a folder, its folder made and writable; otherwise exit 2.
func prepareFile(_ path: String, what: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw VigilExit.invalid("error: \(what) \(path) is a folder, not a file")
    }
    let folder = (path as NSString).deletingLastPathComponent
    try prepareFolder(folder.isEmpty ? "." : folder, what: "the folder of \(what)")
}
