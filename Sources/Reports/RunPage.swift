import FaultLog
import Foundation
public import Scenarios

/// One run's report: a single self-contained HTML page (inline CSS and SVG, no scripts, nothing
/// fetched) built from the log, its trace, and the log's hash-chain check.
public struct RunPage {
    public var logPath: String
    var records: [[String: Any]] = []
    let chain: FaultLogVerifier.Report
    /// The first line at which the log's hash chain breaks; nil when it is intact.
    public var brokenAtLine: Int? { chain.problem?.line }
    /// The hash of the last intact record (the log's final hash when the chain is intact).
    public var finalHash: String { chain.finalHash }
    var trace: RunTrace?
    /// Why there are no plots, or why the trace is not to be trusted.
    var traceNote: String?
    var traceIntact = false

    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String, String)
        case notALog(String)
        public var description: String {
            switch self {
            case let .unreadable(path, why): return "\(path): cannot read the log: \(why)"
            case let .notALog(path): return "\(path): not a Vigil log (no JSON records); give a run's .jsonl log or a campaign's folder"
            }
        }
    }

    /// Reads the log at `logPath`, checks its chain, and reads the trace its header names.
    public init(logPath: String) throws {
        self.logPath = logPath
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: logPath))
        } catch {
            throw LoadError.unreadable(logPath, FaultLogVerifier.whyUnreadable(logPath, error))
        }
        // One pass over the lines: the records, and where the summary is (a break after it leaves
        // the verdict and the trace's SHA-256 intact). Empty lines parse as nothing.
        for (i, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { continue }
            records.append(object)
            if summaryLine == nil && object["type"] as? String == "summary" { summaryLine = i + 1 }
        }
        // A damaged log still gets a page, but a file without a single record (a scenario, an
        // HTML page, an empty file) is not a log at all.
        guard records.contains(where: { $0["type"] is String }) else { throw LoadError.notALog(logPath) }
        // A log whose first line is damaged still gets a page: the chain status says where.
        if records.first?["type"] as? String != "header" { records.insert(["type": "header"], at: 0) }
        chain = FaultLogVerifier.verify(data)
        loadTrace()
    }

    /// The summary's line in the file (1-based), if it has one.
    var summaryLine: Int?
    /// The chain is intact up to and including the summary (a break, if any, comes after it).
    var summaryIntact: Bool {
        guard let problem = chain.problem else { return true }
        return summaryLine.map { $0 < problem.line } ?? false
    }

    /// Why this log (or its trace) is not the evidence Vigil wrote, or nil when it is: its chain
    /// is broken, or the trace it names does not match the SHA-256 its summary records.
    public var evidenceProblem: String? {
        if let problem = chain.problem { return "the log's hash chain is broken at line \(problem.line): \(problem.reason)" }
        if header["trace"] != nil && !traceIntact { return traceNote ?? "the trace is not intact" }
        return nil
    }

    var header: [String: Any] { records.first ?? [:] }

    /// Where what a campaign recorded for this run (`runs.json`) disagrees with the log's own
    /// summary (its verdict, or an expectation's text or outcome), or nil when they agree. A
    /// log without a summary has nothing to compare.
    public func disagreement(status: String, expectations: [ExpectationResult]) -> String? {
        guard let summary, let verdict = summary["verdict"] as? String else { return nil }
        if verdict != status { return "runs.json says \(status), the log's summary says \(verdict)" }
        let logged = (summary["expectations"] as? [[String: Any]] ?? []).map {
            ($0["expectation"] as? String ?? "", $0["passed"] as? Bool ?? false)
        }
        let recorded = expectations.map { ($0.expectation, $0.passed) }
        guard logged.count == recorded.count, zip(logged, recorded).allSatisfy({ $0.0 == $1.0 && $0.1 == $1.1 }) else {
            return "runs.json records other expectations or outcomes than the log's summary"
        }
        return nil
    }
    var summary: [String: Any]? { records.last.flatMap { $0["type"] as? String == "summary" ? $0 : nil } }
    var rate: Double { header["rate_hz"] as? Double ?? 1000 }

    mutating func loadTrace() {
        guard let name = header["trace"] as? String else {
            traceNote = "This run recorded no trace (it ran with --no-trace, or is a start check), so there are no plots."
            return
        }
        guard !name.isEmpty, !name.contains("/"), name != "..", name != "." else {
            traceNote = "The log names its trace \(name), which is not a file name beside the log: not read."
            return
        }
        let path = ((logPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path) else {
            traceNote = "The trace \(name) named by the log is missing."
            return
        }
        let expected = (summary?["trace"] as? [String: Any])?["sha256"] as? String
        if !summaryIntact {
            // The SHA-256 is read from a summary past the break: it vouches for nothing.
            traceNote = "The log's chain is broken, so the trace's SHA-256 in its summary is not evidence: the trace is not checked, and its plots are not evidence."
        } else if let expected, expected == FaultLogWriter.hash(data: data) {
            traceIntact = true
        } else {
            traceNote = expected == nil
                ? "The log has no summary with the trace's SHA-256, so the trace cannot be checked."
                : "The trace \(name) does not match the SHA-256 in the log's summary: it was changed after the run. Its plots are not evidence."
        }
        do {
            trace = try RunTrace(data: data)
        } catch {
            traceNote = "\(name): \(error)"
        }
    }

    // MARK: Rendering

    public func html() -> String {
        let scenario = header["scenario"] as? [String: Any] ?? [:]
        let name = scenario["name"] as? String ?? (logPath as NSString).lastPathComponent
        let logged = summary?["verdict"] as? String ?? "INCOMPLETE"
        // A verdict read from a log whose chain is broken is not evidence: the headline says so.
        let verdict = chain.problem == nil ? logged : "LOG BROKEN"
        var body = "<header><h1>\(escape(name))</h1><span class=\"badge \(verdict == "PASS" ? "pass" : "fail")\">\(escape(verdict))</span></header>\n"
        if let problem = chain.problem {
            if summaryIntact {
                body += "<p class=\"bad\">The log's hash chain is broken at line \(problem.line) (\(escape(problem.reason))), after its summary: "
                    + "the records up to the summary, its verdict (\(escape(logged))) included, are intact, but the file is not the one Vigil wrote.</p>\n"
            } else {
                body += "<p class=\"bad\">The log's hash chain is broken at line \(problem.line) (\(escape(problem.reason))). "
                    + "Nothing from that line on is evidence\(summary == nil ? "" : ", including the verdict it records (\(escape(logged)))").</p>\n"
            }
        }
        body += facts()
        body += expectations()
        if let problems = records.first(where: { ($0["type"] as? String ?? "").hasPrefix("start_") }) {
            body += startCheck(problems)
        }
        if let trace {
            if let traceNote { body += "<p class=\"note\">\(escape(traceNote))</p>\n" }
            body += plots(trace)
        } else if let traceNote {
            body += "<p class=\"note\">\(escape(traceNote))</p>\n"
        }
        body += eventTable()
        return HTMLDocument.page(title: "\(name) — Vigil run report", body: body)
    }

    func facts() -> String {
        let scenario = header["scenario"] as? [String: Any] ?? [:]
        let profile = header["profile"] as? [String: Any] ?? [:]
        var rows: [(String, String)] = [
            ("scenario", "\(escape(scenario["path"] as? String ?? "?"))<br><code class=\"hash\">sha256 \(escape(scenario["sha256"] as? String ?? "?"))</code>"),
            ("hazards", escape((scenario["hazards"] as? [String] ?? []).joined(separator: " "))),
            ("profile", "\(escape(profile["path"] as? String ?? "?"))\((profile["id"] as? String).flatMap { $0.isEmpty ? nil : " (\(escape($0)))" } ?? "")<br><code class=\"hash\">sha256 \(escape(profile["sha256"] as? String ?? "?"))</code>"),
            ("seed", (header["seed"] as? NSNumber).map { "\($0.uint64Value)" } ?? "?"),
            ("Vigil", "\(escape(header["vigil_version"] as? String ?? "?")), commit <code>\(escape(header["git_commit"] as? String ?? "?"))</code>"),
            ("backend", escape(header["backend"] as? String ?? "?")),
        ]
        if let ticks = header["duration_ticks"] as? Int {
            rows.append(("length", String(format: "%d ticks at %.0f Hz (%.3f s)", ticks, rate, Double(ticks) / rate)))
        }
        let disabled = (header["disabled_checks"] as? [[String: Any]] ?? []).map { "\($0["check"] ?? ""): \($0["reason"] ?? "")" }
        if !disabled.isEmpty { rows.append(("disabled checks", disabled.map(escape).joined(separator: "<br>"))) }
        if let faults = header["faults"] as? [String], !faults.isEmpty {
            rows.append(("faults", faults.map(escape).joined(separator: "<br>")))
        }
        if let hardware = header["hardware"] as? [String: Any] {
            var text = "\(escape(hardware["path"] as? String ?? "?"))<br><code class=\"hash\">sha256 \(escape(hardware["sha256"] as? String ?? "?"))</code>"
            if let models = hardware["servo_models"] as? [String] { text += "<br>servo models reported: \(escape(models.joined(separator: ", ")))" }
            if let versions = hardware["servo_firmware"] as? [String] { text += "<br>servo firmware reported: \(escape(versions.joined(separator: ", ")))" }
            rows.append(("attached hardware", text))
        }
        if let realtime = header["realtime"] as? [String: Any] {
            var parts: [String] = []
            parts.append((realtime["sched_fifo_priority"] as? NSNumber).map { "SCHED_FIFO \($0.intValue)" } ?? "normal scheduler")
            parts.append((realtime["memory_locked"] as? Bool ?? false) ? "memory locked" : "memory not locked")
            if let cpu = realtime["cpu"] as? NSNumber { parts.append("CPU \(cpu.intValue)") }
            if let us = realtime["cpu_latency_us"] as? NSNumber { parts.append("CPU idle latency at most \(us.intValue) µs") }
            let warnings = realtime["warnings"] as? [String] ?? []
            rows.append(("real time", escape(parts.joined(separator: ", ")) + warnings.map { "<br><span class=\"bad\">\(escape($0))</span>" }.joined()))
        }
        rows.append(("hash chain", chainStatus()))
        if header["trace"] != nil {
            rows.append(("trace", traceIntact ? "<span class=\"ok\">intact</span> — its SHA-256 matches the log's summary" : "<span class=\"bad\">\(escape(traceNote ?? "not checked"))</span>"))
        }
        if let summary {
            if let peak = summary["peak_excursion_m"] as? Double { rows.append(("peak tip excursion", String(format: "%.3f mm", peak * 1000))) }
            rows.append(("final state", escape(summary["final_state"] as? String ?? "?")))
            if let timing = summary["timing"] as? [String: Any] {
                rows.append(("timing", escape(String(
                    format: "wake latency p50 %.1f µs, p99 %.1f µs, max %.1f µs; compute p99 %.1f µs; %d missed periods",
                    timing["wake_p50_us"] as? Double ?? 0, timing["wake_p99_us"] as? Double ?? 0, timing["wake_max_us"] as? Double ?? 0,
                    timing["compute_p99_us"] as? Double ?? 0, timing["missed_periods"] as? Int ?? 0))))
            }
        }
        return "<table class=\"facts\">" + rows.map { "<tr><th>\($0.0)</th><td>\($0.1)</td></tr>" }.joined() + "</table>\n"
    }

    func chainStatus() -> String {
        if let problem = chain.problem {
            return "<span class=\"bad\">broken at line \(problem.line): \(escape(problem.reason))</span> (the \(chain.records) records before it are intact)"
        }
        return "<span class=\"ok\">intact</span> — \(chain.records) records, final hash <code class=\"hash\">\(escape(chain.finalHash))</code>"
    }

    func expectations() -> String {
        let items = summary?["expectations"] as? [[String: Any]] ?? []
        guard !items.isEmpty else { return "" }
        var html = "<h2>Expectations</h2><table class=\"grid\"><tr><th></th><th>expectation</th><th>figure</th></tr>"
        for item in items {
            let passed = item["passed"] as? Bool ?? false
            html += "<tr class=\"\(passed ? "pass" : "fail")\"><td>\(passed ? "PASS" : "FAIL")</td><td>\(escape(item["expectation"] as? String ?? ""))</td><td>\(escape(item["figure"] as? String ?? ""))</td></tr>"
        }
        return html + "</table>\n"
    }

    func startCheck(_ record: [String: Any]) -> String {
        let problems = record["problems"] as? [String] ?? []
        var html = "<h2>Start check: \(escape(record["type"] as? String == "start_refused" ? "refused (\(record["reason"] as? String ?? ""))" : "accepted"))</h2>"
        if !problems.isEmpty { html += "<ul>" + problems.map { "<li><code>\(escape($0))</code></li>" }.joined() + "</ul>" }
        return html + "\n"
    }

    // MARK: Plots

    struct Window {
        var from: Int
        var to: Int
        var label: String
    }

    /// Fault windows, from fault_injected to fault_cleared (or the end of the run).
    func faultWindows(end: Int) -> [Window] {
        var open: [Int: (Int, String)] = [:]
        var windows: [Window] = []
        for r in records {
            guard let type = r["type"] as? String, let tick = r["tick"] as? Int, let index = r["fault"] as? Int else { continue }
            if type == "fault_injected" { open[index] = (tick, r["description"] as? String ?? "fault \(index)") }
            if type == "fault_cleared", let start = open.removeValue(forKey: index) {
                windows.append(Window(from: start.0, to: tick, label: start.1))
            }
        }
        for (_, start) in open.sorted(by: { $0.key < $1.key }) { windows.append(Window(from: start.0, to: end, label: start.1)) }
        return windows.sorted { $0.from < $1.from }
    }

    /// Trips as markers: (tick, joint name or nil, label).
    func trips() -> [(tick: Int, joint: String?, label: String)] {
        records.compactMap { r in
            guard r["type"] as? String == "check_tripped", let tick = r["tick"] as? Int else { return nil }
            let check = r["check"] as? String ?? "?", response = r["response"] as? String ?? "?"
            return (tick, r["joint"] as? String, "\(check) → \(response)")
        }
    }

    static let tripColor = "#c0392b"

    func plots(_ trace: RunTrace) -> String {
        // Ticks to seconds; samples are `every` ticks apart.
        let seconds = 1 / trace.rate
        let sampleSeconds = Double(trace.every) / trace.rate
        let runTicks = trace.ticks * trace.every
        let windows = faultWindows(end: runTicks)
        let bands = windows.map {
            SVGPlot.Band(from: Double($0.from) * seconds, to: Double($0.to) * seconds, label: $0.label, ticks: ($0.from, $0.to))
        }
        let allTrips = trips()
        func markers(joint: String?) -> [SVGPlot.Marker] {
            allTrips.filter { $0.joint == nil || $0.joint == joint }.map {
                SVGPlot.Marker(at: Double($0.tick) * seconds, label: $0.label, color: Self.tripColor, tick: $0.tick)
            }
        }
        var html = "<h2>Signals</h2>"
        if trace.every > 1 {
            html += "<p class=\"note\">This run was long, so its trace keeps one tick in \(trace.every); events and verdicts count every tick.</p>"
        }
        html += "<p class=\"legend\"><span class=\"swatch fault\"></span> fault window (from the fault's onset to its end) &nbsp; <span class=\"swatch trip\"></span> a check trips (check → response)</p>\n"
        for (j, joint) in trace.joints.enumerated() {
            let prismatic = trace.jointKinds[j] == "prismatic"
            let scale: Float = prismatic ? 1000 : Float(180 / Double.pi)
            let unit = prismatic ? "mm" : "deg"
            func scaled(_ name: String) -> [Float] { trace.series(name, joint: j).map { $0 * scale } }
            var position = SVGPlot(title: "\(joint): position", unit: unit)
            position.xStep = sampleSeconds
            // Drawn in this order, so that the noisy potentiometer does not hide the others.
            position.series = [
                .init(name: "potentiometer", color: "#f0b27a", values: scaled("potentiometer")),
                .init(name: "encoder", color: "#2980b9", values: scaled("encoder")),
                .init(name: "setpoint", color: "#17202a", values: scaled("setpoint"), dashed: true),
            ]
            let truth = scaled("true")
            if truth.contains(where: { $0.isFinite }) { position.series.insert(.init(name: "true", color: "#27ae60", values: truth), at: 2) }
            position.bands = bands
            let jointMarkers = markers(joint: joint)
            position.markers = jointMarkers
            var current = SVGPlot(title: "\(joint): motor current", unit: "A", height: 130)
            current.xStep = sampleSeconds
            current.series = [.init(name: "current", color: "#8e44ad", values: trace.series("current", joint: j))]
            current.bands = bands
            current.markers = jointMarkers
            var temperature = SVGPlot(title: "\(joint): temperature", unit: "°C", height: 130)
            temperature.xStep = sampleSeconds
            temperature.series = [.init(name: "temperature", color: "#d35400", values: trace.series("temperature", joint: j))]
            temperature.bands = bands
            temperature.markers = jointMarkers
            html += "<section class=\"joint\"><h3>\(escape(joint))</h3>\(position.render())\(current.render())\(temperature.render())</section>\n"
        }
        let everyTrip = allTrips.map { SVGPlot.Marker(at: Double($0.tick) * seconds, label: $0.label, color: Self.tripColor, tick: $0.tick) }
        html += tipPlots(trace, windows: windows, trips: allTrips, bands: bands, markers: everyTrip)
        return html
    }

    /// The bound of a `max_excursion` expectation, mm, read from the header's expectation texts.
    var excursionBoundMillimetres: Double? {
        for text in header["expectations"] as? [String] ?? [] where text.hasPrefix("tip excursion at most ") {
            let number = text.dropFirst("tip excursion at most ".count).prefix { $0.isNumber || $0 == "." }
            if let v = Double(number) { return v }
        }
        return nil
    }

    func tipPlots(
        _ trace: RunTrace, windows: [Window], trips: [(tick: Int, joint: String?, label: String)], bands: [SVGPlot.Band], markers: [SVGPlot.Marker]
    ) -> String {
        let tip = ["tip_x", "tip_y", "tip_z"].map { trace.series($0) }
        let reference = ["reference_tip_x", "reference_tip_y", "reference_tip_z"].map { trace.series($0) }
        var excursion = [Float](repeating: .nan, count: trace.ticks)
        // As the runner counts it: from the first fault's onset, once the arm has been powered
        // (the trace has no reference tip before that).
        let onset = windows.map(\.from).min() ?? 0
        for i in 0..<trace.ticks where i * trace.every >= onset {
            let dx = tip[0][i] - reference[0][i], dy = tip[1][i] - reference[1][i], dz = tip[2][i] - reference[2][i]
            excursion[i] = (dx * dx + dy * dy + dz * dz).squareRoot() * 1000
        }
        let peak = (summary?["peak_excursion_m"] as? Double).map { String(format: " Peak %.3f mm (the log's figure).", $0 * 1000) } ?? ""
        var plot = SVGPlot(title: "tool tip: excursion from the reference", unit: "mm")
        plot.xStep = Double(trace.every) / trace.rate
        plot.series = [.init(name: "excursion", color: "#c0392b", values: excursion)]
        if let bound = excursionBoundMillimetres { plot.levels = [(bound, "bound \(axisLabel(bound)) mm")] }
        plot.bands = bands
        plot.markers = markers
        // Path marks at the sample nearest each fault onset and trip.
        let marks = windows.map(\.from).map { ($0 / trace.every, "fault") } + trips.map { ($0.tick / trace.every, $0.label) }
        let path = PathPlot(
            title: "tip path, top view (x–y)",
            tip: zip(tip[0], tip[1]).map { ($0 * 1000, $1 * 1000) },
            reference: zip(reference[0], reference[1]).map { ($0 * 1000, $1 * 1000) },
            marks: marks)
        let side = PathPlot(
            title: "tip path, side view (x–z)",
            tip: zip(tip[0], tip[2]).map { ($0 * 1000, $1 * 1000) },
            reference: zip(reference[0], reference[2]).map { ($0 * 1000, $1 * 1000) },
            marks: marks)
        let caption = "<p class=\"caption\">How far the tip is from where the controller wanted it, from the first fault's onset, once the arm has been powered.\(peak)</p>"
        return "<h2>Tool tip</h2>\(plot.render())\(caption)<div class=\"paths\">\(path.render())\(side.render())</div>\n"
    }

    // MARK: Events

    /// Keys whose values the logs write as JSON booleans (read back as numbers on Linux).
    static let booleanKeys: Set<String> = ["accepted", "passed", "memory_locked", "start_check"]

    func eventTable() -> String {
        let events = records.dropFirst().filter { $0["type"] as? String != "summary" }
        guard !events.isEmpty else { return "" }
        var html = "<h2>Events</h2><table class=\"grid events\"><tr><th>tick</th><th>time</th><th>event</th><th>details</th></tr>"
        for r in events {
            let type = r["type"] as? String ?? "?"
            let tick = r["tick"] as? Int ?? 0
            var details: [String] = []
            for (key, value) in r.sorted(by: { $0.key < $1.key }) where !["type", "tick", "prev", "hash"].contains(key) {
                if value is NSNull { continue }
                let text: String
                if let list = value as? [Any] {
                    text = list.map { "\($0)" }.joined(separator: "; ")
                } else if Self.booleanKeys.contains(key), let flag = value as? Bool {
                    text = flag ? "true" : "false"
                } else {
                    text = "\(value)"
                }
                details.append("<b>\(escape(key))</b> \(escape(text))")
            }
            let cls = type == "check_tripped" ? "trip" : type.hasPrefix("fault") ? "faultrow" : ""
            html += "<tr class=\"\(cls)\"><td>\(tick)</td><td class=\"nowrap\">\(String(format: "%.3f s", Double(tick) / rate))</td><td>\(escape(type))</td><td>\(details.joined(separator: ", "))</td></tr>"
        }
        return html + "</table>\n"
    }
}

/// A 2-D path (mm), equal scales on both axes.
struct PathPlot {
    var title: String
    var tip: [(Float, Float)]
    var reference: [(Float, Float)]
    var marks: [(tick: Int, label: String)]
    let size = 420.0, pad = 40.0

    func render() -> String {
        let all = (tip + reference).filter { $0.0.isFinite && $0.1.isFinite }
        guard !all.isEmpty else { return "" }
        var minX = Double(all.map(\.0).min()!), maxX = Double(all.map(\.0).max()!)
        var minY = Double(all.map(\.1).min()!), maxY = Double(all.map(\.1).max()!)
        let span = max(maxX - minX, maxY - minY, 1) * 1.1
        let cx = (minX + maxX) / 2, cy = (minY + maxY) / 2
        minX = cx - span / 2
        maxX = cx + span / 2
        minY = cy - span / 2
        maxY = cy + span / 2
        let inner = size - 2 * pad
        func x(_ v: Float) -> Double { pad + (Double(v) - minX) / span * inner }
        func y(_ v: Float) -> Double { pad + (maxY - Double(v)) / span * inner }
        func path(_ points: [(Float, Float)]) -> String {
            let step = max(1, points.count / 2000)
            var d = "", pen = false
            for i in stride(from: 0, to: points.count, by: step) {
                let p = points[i]
                guard p.0.isFinite && p.1.isFinite else {
                    pen = false
                    continue
                }
                d += (pen ? "L" : "M") + String(format: "%.1f %.1f", x(p.0), y(p.1))
                pen = true
            }
            return d
        }
        var svg = """
            <svg viewBox="0 0 \(Int(size)) \(Int(size))" width="\(Int(size))" height="\(Int(size))" role="img" aria-label="\(escape(title))">
            <text x="\(Int(pad))" y="16" class="t">\(escape(title)) <tspan class="u">(mm)</tspan></text>
            <rect x="\(Int(pad))" y="\(Int(pad))" width="\(Int(inner))" height="\(Int(inner))" class="frame"/>
            <path d="\(path(reference))" fill="none" stroke="#2c3e50" stroke-width="1.5" stroke-dasharray="5 3"><title>reference tip</title></path>
            <path d="\(path(tip))" fill="none" stroke="#c0392b" stroke-width="1.5"><title>tip</title></path>

            """
        svg += "<text x=\"\(Int(pad))\" y=\"\(Int(size - 12))\" class=\"xa\" text-anchor=\"start\">x \(axisLabel(minX)) … \(axisLabel(maxX))</text>"
        svg += "<text x=\"\(Int(size - pad))\" y=\"\(Int(size - 12))\" class=\"xa\" text-anchor=\"end\">span \(axisLabel(span)) mm</text>\n"
        for mark in marks where mark.tick >= 0 && mark.tick < tip.count {
            let p = tip[mark.tick]
            guard p.0.isFinite && p.1.isFinite else { continue }
            svg += "<circle cx=\"\(svgNumber(x(p.0)))\" cy=\"\(svgNumber(y(p.1)))\" r=\"4\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1.5\"><title>\(escape(mark.label))</title></circle>\n"
        }
        svg += "<line x1=\"\(Int(pad))\" x2=\"\(Int(pad) + 18)\" y1=\"30\" y2=\"30\" stroke=\"#c0392b\" stroke-width=\"2\"/><text x=\"\(Int(pad) + 22)\" y=\"34\" class=\"lg\">tip</text>"
        svg += "<line x1=\"\(Int(pad) + 60)\" x2=\"\(Int(pad) + 78)\" y1=\"30\" y2=\"30\" stroke=\"#2c3e50\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/><text x=\"\(Int(pad) + 82)\" y=\"34\" class=\"lg\">reference</text>"
        return svg + "</svg>\n"
    }
}

/// The page around a report's body: inline CSS only.
enum HTMLDocument {
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 24px auto; max-width: 1100px; padding: 0 16px; }
        header { display: flex; align-items: center; gap: 16px; }
        h1 { font-size: 22px; margin: 0; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; margin: 16px 0 4px; }
        .badge { font-weight: 700; padding: 3px 10px; border-radius: 4px; color: #fff; }
        .badge.pass, tr.pass td:first-child { background: #1e8449; color: #fff; } .badge.fail, tr.fail td:first-child { background: #b03a2e; color: #fff; }
        table { border-collapse: collapse; margin: 8px 0; } th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid #eee; }
        table.facts th { width: 150px; color: #555; font-weight: 600; }
        table.grid th { background: #f4f6f7; } tr.trip td { background: #fdedec; } tr.faultrow td { background: #fef5e7; }
        tr.fail td { background: #fdedec; } tr.pass td:first-child, tr.fail td:first-child { font-weight: 700; text-align: center; }
        code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; } code.hash { word-break: break-all; }
        .ok { color: #1e8449; font-weight: 600; } .bad { color: #b03a2e; font-weight: 600; } .note { background: #fef9e7; padding: 8px 12px; border-left: 4px solid #f1c40f; }
        svg { display: block; margin: 4px 0; max-width: 100%; height: auto; } .paths { display: flex; gap: 16px; flex-wrap: wrap; }
        svg .t { font-size: 13px; font-weight: 600; fill: #222; } svg .u { font-weight: 400; fill: #666; }
        svg .frame { fill: #fff; stroke: #bbb; } svg .grid { stroke: #eee; } svg .fault { fill: #f39c12; fill-opacity: 0.18; }
        svg .ya { font-size: 11px; text-anchor: end; fill: #555; } svg .xa { font-size: 11px; text-anchor: middle; fill: #555; } svg .xl { font-size: 11px; text-anchor: end; fill: #555; }
        svg .trip { stroke-width: 1.5; stroke-dasharray: 3 2; } svg .tl { font-size: 10px; } svg .lg { font-size: 11px; fill: #333; }
        svg .bound { stroke: #b03a2e; stroke-width: 1; stroke-dasharray: 8 4; } svg .bl { font-size: 11px; text-anchor: end; fill: #b03a2e; }
        svg .dot { fill-opacity: 0.7; }
        .legend .swatch { display: inline-block; width: 14px; height: 10px; vertical-align: middle; } .swatch.fault { background: rgba(243,156,18,0.35); } .swatch.trip { border-left: 2px dashed #c0392b; width: 0; }
        section.joint { margin-bottom: 10px; } td.nowrap { white-space: nowrap; }
        footer { margin-top: 32px; color: #777; font-size: 12px; } p.caption { color: #555; font-size: 13px; margin: 2px 0 10px; }
        </style>
        </head>
        <body>
        \(body)
        <footer>Written by Vigil. This page is self-contained: inline styles and SVG, no scripts, nothing fetched.</footer>
        </body>
        </html>

        """
    }
}
