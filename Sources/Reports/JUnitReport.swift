import Foundation
import Scenarios

extension CampaignReport {
    /// JUnit XML in the structure of Jenkins' junit-4.xsd (log paths relative to the campaign
    /// folder): one `testsuite` per scenario × seed
    /// (the schema allows properties on suites, not on test cases) holding its properties
    /// (hazards, seed, log, final log hash) and one `testcase` whose classname is the hazard.
    /// A broken expectation is a `failure`; a run that could not complete is an `error`.
    /// `time` is simulated seconds, so the file is the same on every machine and for any `--jobs`.
    public func junitXML() -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let failures = runs.filter { $0.status == .failed }.count
        let errors = runs.filter { $0.status == .error }.count
        let totalTime = runs.reduce(0) { $0 + $1.simulatedSeconds }
        out += "<testsuites name=\"vigil campaign\" tests=\"\(runs.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(seconds(totalTime))\">\n"
        for (index, run) in runs.enumerated() {
            let name = "\(run.scenarioID) seed \(run.seed)"
            let classname = run.hazards.joined(separator: ".")
            out += "  <testsuite name=\(attr(name)) id=\"\(index)\" package=\(attr(classname)) tests=\"1\" failures=\"\(run.status == .failed ? 1 : 0)\" errors=\"\(run.status == .error ? 1 : 0)\" skipped=\"0\" time=\"\(seconds(run.simulatedSeconds))\">\n"
            out += "    <properties>\n"
            for (key, value) in [
                ("hazards", run.hazards.joined(separator: " ")), ("scenario", run.scenarioPath), ("seed", "\(run.seed)"),
                ("log", run.relativeLogPath), ("log_final_hash", run.finalHash),
            ] {
                out += "      <property name=\(attr(key)) value=\(attr(value))/>\n"
            }
            out += "    </properties>\n"
            out += "    <testcase name=\(attr(name)) classname=\(attr(classname)) time=\"\(seconds(run.simulatedSeconds))\""
            switch run.status {
            case .passed:
                out += "/>\n"
            case .failed:
                let broken = run.expectations.filter { !$0.passed }
                let message = broken.map { "\($0.expectation): \($0.figure)" }.joined(separator: "; ")
                out += ">\n      <failure type=\"expectation\" message=\(attr(message))>\(text(details(run)))</failure>\n    </testcase>\n"
            case .error:
                out += ">\n      <error type=\"run\" message=\(attr(run.errorMessage ?? "the run did not complete"))/>\n    </testcase>\n"
            }
            out += "    <system-out>\(text(details(run)))</system-out>\n"
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    func details(_ run: CampaignRun) -> String {
        (run.expectations.map { "\($0.passed ? "PASS" : "FAIL")  \($0.expectation) — \($0.figure)" } + ["log: \(run.relativeLogPath)"])
            .joined(separator: "\n")
    }
}

func seconds(_ v: Double) -> String { String(format: "%.3f", v) }

/// An attribute value, quoted and escaped: character data's escapes, and `"` and newline too.
func attr(_ s: String) -> String { "\"" + escapeXML(s, attribute: true) + "\"" }

/// Character data, escaped; characters XML 1.0 cannot hold are dropped.
func text(_ s: String) -> String { escapeXML(s, attribute: false) }

/// One pass over the scalars, and none at all for the usual text with nothing to escape (a
/// campaign's JUnit file escapes every name, message and figure of every run).
func escapeXML(_ s: String, attribute: Bool) -> String {
    let needsWork = s.utf8.contains { byte in
        byte < 0x20 || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            || (attribute && byte == UInt8(ascii: "\""))
    }
    guard needsWork else { return s }
    var out = ""
    out.reserveCapacity(s.utf8.count + 16)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"" where attribute: out += "&quot;"
        case "\n" where attribute: out += "&#10;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        case _ where scalar.value < 0x20: continue
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
