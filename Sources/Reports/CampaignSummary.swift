import FaultLog
import Foundation
public import Scenarios

/// One row per scenario: its runs rolled up.
public struct ScenarioSummary: Sendable {
    public var scenarioID: String
    public var name: String
    public var hazards: [String]
    public var runs: Int
    public var passed: Int
    public var errors: Int
    /// Worst detection latency over the runs that detected their fault, ms (nil when none did,
    /// or there is no fault).
    public var worstDetectionMs: Double?
    /// Runs with a fault in which nothing was detected: the worst case is then no detection.
    public var undetected = 0
    /// Runs with a fault.
    public var faulted = 0
    /// Worst tip excursion, mm.
    public var worstExcursionMm: Double
    public var falseTrips: Int

    public var allPassed: Bool { passed == runs }

    /// The worst detection as the tables show it: `none` when a run with a fault detected
    /// nothing (with how many, when others did), `-` without faults.
    public var worstDetectionText: String {
        if undetected > 0 { return undetected == faulted ? "none" : "none (\(undetected) of \(faulted))" }
        return worstDetectionMs.map { formatNumber($0) + " ms" } ?? "-"
    }
}

/// The campaign's results and everything written from them. All outputs are functions of the
/// runs alone (no clocks, no host names), so they are identical whatever `--jobs` was.
public struct CampaignReport: Sendable {
    public var runs: [CampaignRun]

    public init(runs: [CampaignRun]) {
        self.runs = runs
    }

    public var passed: Bool { runs.allSatisfy { $0.status == .passed } }

    /// Per-scenario rows in the order the scenarios were first run.
    public var scenarios: [ScenarioSummary] {
        var order: [String] = []
        var rows: [String: ScenarioSummary] = [:]
        for run in runs {
            var row =
                rows[run.scenarioID]
                ?? ScenarioSummary(
                    scenarioID: run.scenarioID, name: run.scenarioName, hazards: run.hazards, runs: 0, passed: 0, errors: 0,
                    worstDetectionMs: nil, worstExcursionMm: 0, falseTrips: 0)
            if rows[run.scenarioID] == nil { order.append(run.scenarioID) }
            row.runs += 1
            if run.status == .passed { row.passed += 1 }
            if run.status == .error { row.errors += 1 }
            if let ms = run.detectionLatencyMs { row.worstDetectionMs = max(row.worstDetectionMs ?? 0, ms) }
            if run.firstOnsetTick != nil && run.status != .error {
                row.faulted += 1
                if run.detectionLatencyTicks == nil { row.undetected += 1 }
            }
            row.worstExcursionMm = max(row.worstExcursionMm, run.peakExcursion * 1000)
            row.falseTrips += run.falseTrips
            rows[run.scenarioID] = row
        }
        return order.map { rows[$0]! }
    }

    /// The terminal table.
    public func table() -> String {
        let header = ["hazard", "scenario", "runs", "passed", "worst detection", "worst excursion", "false trips"]
        var body: [[String]] = []
        for s in scenarios {
            body.append([
                s.hazards.joined(separator: " "), s.scenarioID, "\(s.runs)", s.allPassed ? "\(s.passed)" : "\(s.passed) FAIL",
                s.worstDetectionText, formatNumber(s.worstExcursionMm) + " mm", "\(s.falseTrips)",
            ])
        }
        let widths = header.indices.map { i in ([header[i]] + body.map { $0[i] }).map(\.count).max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i >= 2 ? String(repeating: " ", count: widths[i] - c.count) + c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        let total = runs.count, ok = runs.filter { $0.status == .passed }.count
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + body.map(line)
            + ["", "\(ok) of \(total) runs passed\(ok == total ? "" : "; \(total - ok) did not")"]).joined(separator: "\n")
    }

    /// The summary as JSON (scenarios, then totals).
    public func json() -> String {
        var rows: [String] = []
        for s in scenarios {
            var o = JSONRecord.object()
            o.add("scenario", s.scenarioID)
            o.add("name", s.name)
            o.add("hazards", s.hazards)
            o.add("runs", s.runs)
            o.add("passed", s.passed)
            o.add("errors", s.errors)
            if let d = s.worstDetectionMs { o.add("worst_detection_ms", d) } else { o.addNull("worst_detection_ms") }
            o.add("undetected_runs", s.undetected)
            o.add("worst_excursion_mm", s.worstExcursionMm)
            o.add("false_trips", s.falseTrips)
            rows.append(o.json)
        }
        var top = JSONRecord.object()
        top.add("format", "vigil-campaign-summary/1")
        top.add("runs", runs.count)
        top.add("passed", runs.filter { $0.status == .passed }.count)
        top.add("verdict", passed ? "PASS" : "FAIL")
        top.add("scenarios", raw: "[\n  " + rows.joined(separator: ",\n  ") + "\n]")
        return top.json + "\n"
    }
}

/// A figure with at most three decimals, and none when it is whole at that precision.
func formatNumber(_ v: Double) -> String {
    let r = (v * 1000).rounded() / 1000
    return r == r.rounded() ? String(Int(r)) : String(format: "%.3f", r)
}
