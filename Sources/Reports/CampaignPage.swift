import FaultLog
import Foundation
import Scenarios

extension CampaignReport {
    // MARK: runs.json: every run, so that a report can be written after the campaign

    /// Every run with its figures (`OUT/runs.json`): what `vigil report OUT` reads.
    public func runsJSON() -> String {
        let items = runs.map { run -> String in
            var o = JSONRecord.object()
            o.add("scenario_id", run.scenarioID)
            o.add("scenario", run.scenarioPath)
            o.add("name", run.scenarioName)
            o.add("hazards", run.hazards)
            o.add("seed", run.seed)
            o.add("status", run.status.rawValue)
            o.add("expectations", raw: ScenarioRunner.expectationsJSON(run.expectations))
            if let message = run.errorMessage { o.add("error", message) } else { o.addNull("error") }
            o.add("log", run.relativeLogPath)
            o.add("final_hash", run.finalHash)
            if let t = run.firstOnsetTick { o.add("first_onset_tick", t) } else { o.addNull("first_onset_tick") }
            if let t = run.detectionLatencyTicks { o.add("detection_latency_ticks", t) } else { o.addNull("detection_latency_ticks") }
            o.add("peak_excursion_m", run.peakExcursion)
            o.add("false_trips", run.falseTrips)
            o.add("simulated_seconds", run.simulatedSeconds)
            o.add("period_s", run.period)
            o.add("tripped_checks", run.trippedChecks)
            o.add("demonstrated_checks", run.demonstratedChecks)
            return o.json
        }
        return "{\"format\":\"vigil-campaign-runs/1\",\"runs\":[\n" + items.joined(separator: ",\n") + "\n]}\n"
    }

    public enum ReadError: Error, CustomStringConvertible {
        case malformed(String, String)
        public var description: String {
            switch self {
            case let .malformed(path, why): return "\(path): \(why)"
            }
        }
    }

    /// Reads `runs.json` from a campaign's output folder.
    public init(campaignFolder: String) throws {
        let path = (campaignFolder as NSString).appendingPathComponent("runs.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError.malformed(path, "no runs.json: not a campaign folder written by this Vigil (vigil campaign --out DIR)")
        }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            root["format"] as? String == "vigil-campaign-runs/1", let items = root["runs"] as? [[String: Any]]
        else { throw ReadError.malformed(path, "not a vigil-campaign-runs/1 file") }
        var runs: [CampaignRun] = []
        for item in items {
            guard let id = item["scenario_id"] as? String, let statusText = item["status"] as? String,
                let status = CampaignRun.Status(rawValue: statusText), let log = item["log"] as? String
            else { throw ReadError.malformed(path, "a run without scenario_id, status or log") }
            // A campaign writes its logs under OUT/logs; a path elsewhere (absolute, or climbing
            // out with '..') would have the report read, and write pages, outside the folder.
            guard log.hasPrefix("logs/"), !log.split(separator: "/").contains("..") else {
                throw ReadError.malformed(path, "run \(id): its log '\(log)' is not inside the campaign's logs/ folder")
            }
            let expectations = (item["expectations"] as? [[String: Any]] ?? []).map {
                ExpectationResult(expectation: $0["expectation"] as? String ?? "", passed: $0["passed"] as? Bool ?? false, figure: $0["figure"] as? String ?? "")
            }
            var run =
                CampaignRun(
                    scenarioPath: item["scenario"] as? String ?? id, scenarioName: item["name"] as? String ?? id, scenarioID: id,
                    hazards: item["hazards"] as? [String] ?? [], seed: (item["seed"] as? NSNumber)?.uint64Value ?? 0, status: status,
                    expectations: expectations, errorMessage: item["error"] as? String,
                    logPath: (campaignFolder as NSString).appendingPathComponent(log), relativeLogPath: log,
                    finalHash: item["final_hash"] as? String ?? "",
                    detectionLatencyTicks: (item["detection_latency_ticks"] as? NSNumber)?.int64Value,
                    peakExcursion: item["peak_excursion_m"] as? Double ?? 0, falseTrips: item["false_trips"] as? Int ?? 0,
                    simulatedSeconds: item["simulated_seconds"] as? Double ?? 0, period: item["period_s"] as? Double ?? 0,
                    trippedChecks: item["tripped_checks"] as? [String] ?? [])
            run.firstOnsetTick = (item["first_onset_tick"] as? NSNumber)?.int64Value
            runs.append(run)
        }
        self.init(runs: runs)
    }

    // MARK: The page

    /// The campaign's page. `runPages` maps a run's relative log path to the relative path of
    /// its own page, for links; `logProblems` maps it to what is wrong with its log (missing,
    /// broken, not the one the campaign wrote). Any such problem is the headline: the verdicts
    /// below are then what the campaign recorded, not what its logs still show.
    /// `unlisted`: logs in the campaign's logs/ folder that no run lists (a run taken out of
    /// runs.json leaves its log behind).
    public func html(title: String, runPages: [String: String], logProblems: [String: String] = [:], unlisted: [String] = []) -> String {
        let passedRuns = runs.filter { $0.status == .passed }.count
        let verdict = !logProblems.isEmpty || !unlisted.isEmpty ? "LOGS NOT INTACT" : passed ? "PASS" : "FAIL"
        var body = "<header><h1>\(escape(title))</h1><span class=\"badge \(verdict == "PASS" ? "pass" : "fail")\">\(verdict)</span></header>\n"
        if !logProblems.isEmpty {
            body += "<p class=\"bad\">\(logProblems.count) of \(runs.count) runs' logs are missing, broken or not the ones the campaign wrote (see the Runs table). "
                + "The verdicts below are what the campaign recorded; for those runs the logs no longer show them.</p>\n"
        }
        if !unlisted.isEmpty {
            body += "<p class=\"bad\">\(unlisted.count) log\(unlisted.count == 1 ? "" : "s") in logs/ \(unlisted.count == 1 ? "is" : "are") not listed in runs.json, so the tables below leave \(unlisted.count == 1 ? "that run" : "those runs") out: "
                + unlisted.map { "<a href=\"\(escape($0))\">\(escape($0))</a>" }.joined(separator: ", ") + ".</p>\n"
        }
        body += "<p>\(passedRuns) of \(runs.count) runs passed, \(scenarios.count) scenarios. Every run is a scenario with one seed on the deterministic simulator; each links to its own page and log.</p>\n"
        // Scenarios and hazards with a run whose log is not intact are flagged in every table.
        let unverified = Set(runs.filter { logProblems[$0.relativeLogPath] != nil }.map(\.scenarioID))
        body += summaryTable(runPages: runPages, unverified: unverified)
        body += traceabilityTable(unverified: unverified)
        body += distributions()
        body += runTable(runPages: runPages, logProblems: logProblems)
        return HTMLDocument.page(title: "\(title) — Vigil campaign report", body: body)
    }

    func summaryTable(runPages: [String: String], unverified: Set<String> = []) -> String {
        var html = "<h2>Summary</h2><table class=\"grid\"><tr><th>verdict</th><th>hazard</th><th>scenario</th><th>runs</th><th>passed</th><th>worst detection</th><th>worst excursion</th><th>false trips</th></tr>"
        for row in scenarios {
            let first = runs.first { $0.scenarioID == row.scenarioID }
            let link = first.flatMap { runPages[$0.relativeLogPath] }.map { "<a href=\"\(escape($0))\">\(escape(row.scenarioID))</a>" } ?? escape(row.scenarioID)
            let verdict = unverified.contains(row.scenarioID) ? "LOG NOT INTACT" : row.allPassed ? "PASS" : "FAIL"
            html += "<tr class=\"\(verdict == "PASS" ? "pass" : "fail")\"><td>\(verdict)</td><td>\(escape(row.hazards.joined(separator: " ")))</td><td>\(link)<br><small>\(escape(row.name))</small></td><td>\(row.runs)</td><td>\(row.passed)</td><td>\(escape(row.worstDetectionText))</td><td>\(String(format: "%.3f mm", row.worstExcursionMm))</td><td>\(row.falseTrips)</td></tr>"
        }
        return html + "</table>\n"
    }

    func traceabilityTable(unverified: Set<String> = []) -> String {
        var html = "<h2>Traceability: hazard → risk control → scenarios → verdict</h2><table class=\"grid\"><tr><th>verdict</th><th>hazard</th><th>risk controls</th><th>scenarios</th><th>runs passed</th><th>runs showing a control act</th></tr>"
        for row in traceability {
            let verdict = row.scenarios.contains(where: unverified.contains) ? "LOG NOT INTACT" : row.verdict
            let cls = verdict == "PASS" ? "pass" : "fail"
            html += "<tr class=\"\(cls)\"><td>\(escape(verdict))</td><td><b>\(row.hazard)</b> \(escape(row.title))</td><td>\(row.controls.map { "<code>\(escape($0))</code>" }.joined(separator: "<br>"))</td><td>\(row.scenarios.map(escape).joined(separator: "<br>"))</td><td>\(row.passed)/\(row.runs)</td><td>\(row.demonstrating)</td></tr>"
        }
        return html + "</table>\n"
    }

    /// Per hazard: every run's detection latency and tip excursion as a dot, failures in red.
    func distributions() -> String {
        var html = "<h2>Detection latency and tip excursion, per hazard</h2><p>One dot per run (failed runs in red); a run with no fault or no trip has no latency (the summary counts runs whose fault was not detected as “none”).</p>\n"
        for hazard in HazardCatalogue.hazards {
            let relevant = runs.filter { $0.hazards.contains(hazard.id) }
            guard !relevant.isEmpty else { continue }
            let latencies = relevant.compactMap { run in run.detectionLatencyMs.map { ($0, run.status == .passed) } }
            let excursions = relevant.map { ($0.peakExcursion * 1000, $0.status == .passed) }
            html += "<h3>\(hazard.id) \(escape(hazard.title))</h3><div class=\"paths\">"
            html += StripPlot(title: "detection latency", unit: "ms", values: latencies).render()
            html += StripPlot(title: "peak tip excursion", unit: "mm", values: excursions).render()
            html += "</div>\n"
        }
        return html
    }

    func runTable(runPages: [String: String], logProblems: [String: String] = [:]) -> String {
        var html = "<h2>Runs</h2><table class=\"grid\"><tr><th>verdict</th><th>scenario</th><th>seed</th><th>detection</th><th>excursion</th><th>page</th><th>log</th></tr>"
        for run in runs {
            let problem = logProblems[run.relativeLogPath]
            let cls = run.status == .passed && problem == nil ? "pass" : "fail"
            let page = runPages[run.relativeLogPath].map { "<a href=\"\(escape($0))\">report</a>" } ?? "–"
            let latency = run.detectionLatencyMs.map { String(format: "%.0f ms", $0) } ?? (run.firstOnsetTick != nil && run.status != .error ? "none" : "–")
            let log: String
            switch problem {
            case nil: log = "<a href=\"\(escape(run.relativeLogPath))\">log</a>"
            case "log missing"?: log = "<span class=\"bad\">log missing</span>"
            case let p?: log = "<a href=\"\(escape(run.relativeLogPath))\">log</a> <span class=\"bad\">\(escape(p))</span>"
            }
            html += "<tr class=\"\(cls)\"><td>\(run.status.rawValue)</td><td>\(escape(run.scenarioID))</td><td>\(run.seed)</td><td>\(latency)</td><td>\(String(format: "%.3f mm", run.peakExcursion * 1000))</td><td>\(page)</td><td>\(log)</td></tr>"
        }
        return html + "</table>\n"
    }
}

/// Dots along one axis: a distribution small enough to read at a glance.
struct StripPlot {
    var title: String
    var unit: String
    var values: [(Double, Bool)]
    let width = 520.0, height = 80.0, left = 16.0, right = 16.0

    func render() -> String {
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">"
        svg += "<text x=\"\(Int(left))\" y=\"14\" class=\"t\">\(escape(title)) <tspan class=\"u\">(\(escape(unit)))</tspan></text>"
        guard !values.isEmpty else { return svg + "<text x=\"\(Int(left))\" y=\"44\" class=\"lg\">no value (no fault, or nothing tripped)</text></svg>" }
        let lo = min(0, values.map(\.0).min()!)
        let top = values.map(\.0).max()!
        let hi = top - lo > 1e-9 ? top : lo + 1
        func x(_ v: Double) -> Double { left + (v - lo) / (hi - lo) * (width - left - right) }
        svg += "<line x1=\"\(Int(left))\" x2=\"\(Int(width - right))\" y1=\"44\" y2=\"44\" stroke=\"#bbb\"/>"
        for (i, (v, ok)) in values.enumerated() {
            let jitter = Double((i * 7) % 11) - 5
            svg += "<circle cx=\"\(svgNumber(x(v)))\" cy=\"\(svgNumber(44 + jitter))\" r=\"3.5\" class=\"dot\" fill=\"\(ok ? "#2471a3" : "#c0392b")\"><title>\(axisLabel(v))</title></circle>"
        }
        svg += "<text x=\"\(Int(left))\" y=\"72\" class=\"xa\" text-anchor=\"start\">\(axisLabel(lo))</text>"
        svg += "<text x=\"\(Int(width - right))\" y=\"72\" class=\"xa\" text-anchor=\"end\">\(axisLabel(hi))</text>"
        return svg + "</svg>"
    }
}
