import Foundation
import Scenarios
import Testing

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func shippedProfilePath(_ name: String) -> String {
    repositoryRoot.appendingPathComponent("HardwareProfiles").appendingPathComponent(name).path
}

func shippedProfileText(_ name: String) throws -> String {
    try String(contentsOfFile: shippedProfilePath(name), encoding: .utf8)
}

/// A shipped profile with one line edited, and the 1-based number of that line.
struct EditedProfile {
    var text: String
    var line: Int

    init(_ name: String, replacing original: String, with replacement: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let base = try shippedProfileText(name)
        let lines = base.components(separatedBy: "\n")
        let matches = lines.indices.filter { lines[$0].contains(original) }
        guard matches.count == 1 else {
            Issue.record("'\(original)' must occur on exactly one line of \(name)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        var edited = lines
        edited[matches[0]] = lines[matches[0]].replacingOccurrences(of: original, with: replacement)
        text = edited.joined(separator: "\n")
        line = matches[0] + 1
    }

    /// Decodes and returns the diagnostics (failing the test if the file is accepted).
    func diagnostics(sourceLocation: SourceLocation = #_sourceLocation) -> [Diagnostic] {
        do {
            _ = try ProfileLoader.decode(text, path: "edited.yaml")
            Issue.record("the edited profile was accepted", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.diagnostics
        }
    }

    /// With `refusal` nil, expects the edited profile to load; otherwise exactly one diagnostic
    /// at the edited line, for `field`, containing `refusal`.
    func expect(refusal: String?, field: String, sourceLocation: SourceLocation = #_sourceLocation) {
        if let refusal {
            expectSingle(diagnostics(sourceLocation: sourceLocation), line: line, field: field, refusal, sourceLocation: sourceLocation)
        } else {
            #expect(throws: Never.self, sourceLocation: sourceLocation) { try ProfileLoader.decode(text, path: "edited.yaml") }
        }
    }
}

/// Expects exactly one diagnostic, on `line`, for `field`, whose message contains `fragment`.
func expectSingle(
    _ diagnostics: [Diagnostic], line: Int, field: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(diagnostics.count == 1, "diagnostics: \(diagnostics.map(\.description))", sourceLocation: sourceLocation)
    guard let d = diagnostics.first else { return }
    #expect(d.location.file == "edited.yaml", sourceLocation: sourceLocation)
    #expect(d.location.line == line, "\(d)", sourceLocation: sourceLocation)
    #expect(d.location.column >= 1, sourceLocation: sourceLocation)
    #expect(d.field == field, "\(d)", sourceLocation: sourceLocation)
    #expect(d.message.contains(fragment), "\(d)", sourceLocation: sourceLocation)
    #expect(d.description.hasPrefix("edited.yaml:\(line):"), sourceLocation: sourceLocation)
}
