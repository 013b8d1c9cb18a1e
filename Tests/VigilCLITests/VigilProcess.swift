import Foundation
import Testing

/// The result of running the built `vigil` executable.
struct VigilRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func profilePath(_ name: String) -> String {
    repositoryRoot.appendingPathComponent("HardwareProfiles/\(name)").path
}

/// The `vigil` binary next to this test bundle (or `$VIGIL_EXECUTABLE`).
func vigilExecutable() throws -> URL {
    if let override = ProcessInfo.processInfo.environment["VIGIL_EXECUTABLE"] {
        return URL(fileURLWithPath: override)
    }
    let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidate = products.appendingPathComponent("vigil")
    guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
        Issue.record("no vigil executable at \(candidate.path); build it first or set VIGIL_EXECUTABLE")
        throw CancellationError()
    }
    return candidate
}

/// Starts `vigil` with `arguments` from the repository root and returns at once, for a test
/// that acts on the run while it goes on (a signal, a cut link); standard error is discarded.
func startVigil(_ arguments: [String]) throws -> (process: Process, stdout: Pipe) {
    let process = Process()
    process.executableURL = try vigilExecutable()
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    let stdout = Pipe()
    process.standardOutput = stdout
    process.standardError = Pipe()
    try process.run()
    return (process, stdout)
}

/// Runs `vigil` with `arguments` from the repository root and collects its output.
func vigil(_ arguments: String...) throws -> VigilRun {
    try vigil(arguments)
}

func vigil(_ arguments: [String]) throws -> VigilRun {
    let process = Process()
    process.executableURL = try vigilExecutable()
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting so a large output cannot block the child.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return VigilRun(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

func json(_ text: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    guard let dictionary = object as? [String: Any] else {
        Issue.record("not a JSON object: \(text)")
        throw CancellationError()
    }
    return dictionary
}

/// A new, empty folder under the temporary directory: `vigil-<prefix>-<UUID>`.
func temporaryFolder(_ prefix: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
