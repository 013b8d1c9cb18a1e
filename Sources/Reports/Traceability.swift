import Foundation
import Scenarios

extension CampaignReport {
    /// One row per hazard: its risk controls, the scenarios that give evidence, the verdicts.
    public struct TraceRow: Sendable {
        public var hazard: String
        public var title: String
        public var controls: [String]
        public var scenarios: [String]
        public var runs: Int
        public var passed: Int
        /// Passing runs that showed one of the hazard's risk controls acting (a trip their
        /// expectations required; see ``CampaignRun/demonstratedChecks``).
        public var demonstrating: Int
        /// "PASS", "FAIL", "NOT DEMONSTRATED" (every run passed, but none required one of the
        /// hazard's controls to act: twins and nominal runs only) or "NOT COVERED".
        public var verdict: String
    }

    public var traceability: [TraceRow] {
        HazardCatalogue.hazards.map { hazard in
            let relevant = runs.filter { $0.hazards.contains(hazard.id) }
            var scenarioIDs: [String] = []
            for run in relevant where !scenarioIDs.contains(run.scenarioID) { scenarioIDs.append(run.scenarioID) }
            let passed = relevant.filter { $0.status == .passed }.count
            let demonstrating = relevant.filter { run in
                run.status == .passed && run.demonstratedChecks.contains(where: hazard.controls.contains)
            }.count
            let verdict =
                relevant.isEmpty ? "NOT COVERED" : passed < relevant.count ? "FAIL" : demonstrating == 0 ? "NOT DEMONSTRATED" : "PASS"
            return TraceRow(
                hazard: hazard.id, title: hazard.title, controls: hazard.controls, scenarios: scenarioIDs,
                runs: relevant.count, passed: passed, demonstrating: demonstrating, verdict: verdict)
        }
    }

    public func traceabilityMarkdown() -> String {
        var lines = [
            "# Traceability: hazard → risk control → scenarios → verdict", "",
            "| hazard | title | risk controls (interlock checks) | scenarios | runs passed | runs showing a control act | verdict |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in traceability {
            let controls = row.controls.isEmpty ? "—" : row.controls.map { "`\($0)`" }.joined(separator: ", ")
            let scenarios = row.scenarios.isEmpty ? "—" : row.scenarios.map { "`\($0)`" }.joined(separator: "<br>")
            lines.append("| \(row.hazard) | \(row.title) | \(controls) | \(scenarios) | \(row.passed)/\(row.runs) | \(row.demonstrating) | \(row.verdict) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func traceabilityCSV() -> String {
        var lines = ["hazard,title,risk_controls,scenarios,runs,passed,demonstrating,verdict"]
        func field(_ s: String) -> String { s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        for row in traceability {
            lines.append(
                [row.hazard, row.title, row.controls.joined(separator: "; "), row.scenarios.joined(separator: "; "), "\(row.runs)", "\(row.passed)", "\(row.demonstrating)", row.verdict]
                    .map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
