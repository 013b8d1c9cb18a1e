import Foundation
import Testing

/// `vigil run --report`, `vigil report` and `vigil campaign --report`: self-contained pages
/// whose marks sit where the log says.
@Suite struct ReportCLITests {
    func temporaryFolder() throws -> URL { try VigilCLITests.temporaryFolder("report") }

    /// The page must not make a browser fetch anything.
    func expectSelfContained(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for needle in ["<script", "src=", "<link", "url(", "@import", "http://", "https://", "<iframe", "<object"] {
            #expect(!html.lowercased().contains(needle), "the page contains \(needle)", sourceLocation: sourceLocation)
        }
    }

    /// The value of `attribute` in the first element carrying `marker` (e.g. data-tick="510").
    func attribute(_ attribute: String, ofElementWith marker: String, in html: String) -> String? {
        guard let hit = html.range(of: marker) else { return nil }
        let elementStart = html[..<hit.lowerBound].range(of: "<", options: .backwards)!.lowerBound
        let element = html[elementStart..<hit.upperBound]
        guard let a = element.range(of: " \(attribute)=\"") else { return nil }
        return String(element[a.upperBound...].prefix { $0 != "\"" })
    }

    @Test func aRunPageShowsTheVerdictAndMarksTheTripWhereTheLogHasIt() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try vigil("run", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "--out", out.path, "--report")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let page = out.appendingPathComponent("pot-offset-above-seed1.html")
        #expect(run.stdout.contains("report: \(page.path)"))
        let html = try String(contentsOf: page, encoding: .utf8)
        expectSelfContained(html)
        #expect(html.contains("<span class=\"badge pass\">PASS</span>"))
        #expect(html.contains("H07 potentiometer offset above the distance"))
        #expect(html.contains("<span class=\"ok\">intact</span> — 8 records"), "the hash chain's status")
        #expect(html.contains("<span class=\"ok\">intact</span> — its SHA-256 matches"), "the trace's status")

        // The log: the fault at tick 500, the trip at tick 510 (1 kHz, 1500 ticks).
        let log = try String(contentsOf: out.appendingPathComponent("pot-offset-above-seed1.jsonl"), encoding: .utf8)
        #expect(log.contains("\"type\":\"check_tripped\",\"tick\":510,\"check\":\"encoder_potentiometer\""))
        // The trip marker is at tick 510, drawn at t = 0.510 s on an axis from 0 to 1.499 s that
        // spans x = 64 … 844 (860 wide, margins 64 and 16).
        #expect(attribute("x1", ofElementWith: "data-tick=\"510\"", in: html) == String(format: "%.1f", 64 + 0.510 / 1.499 * 780))
        #expect(html.contains("encoder_potentiometer → power_off"))
        #expect(!html.contains("data-tick=\"") || html.components(separatedBy: "data-tick=\"").dropFirst().allSatisfy { $0.hasPrefix("510\"") },
            "no other trip is marked")
        // The fault window from tick 500 to the end of the run, starting at t = 0.5 s.
        #expect(html.contains("data-from-tick=\"500\" data-to-tick=\"1500\""))
        #expect(attribute("x", ofElementWith: "data-from-tick=\"500\"", in: html) == String(format: "%.1f", 64 + 0.5 / 1.499 * 780))
        // Plots for every joint, and the excursion against its bound.
        for joint in ["outer_yaw", "outer_pitch", "outer_insertion", "outer_roll", "outer_wrist_pitch", "outer_wrist_yaw", "jaw"] {
            #expect(html.contains("aria-label=\"\(joint): position\""))
            #expect(html.contains("aria-label=\"\(joint): motor current\""))
            #expect(html.contains("aria-label=\"\(joint): temperature\""))
        }
        #expect(html.contains(">bound 1 mm</text>"))
        #expect(html.contains("<td>check_tripped</td>"), "the event table")
    }

    @Test func aChangedTraceIsCaughtAndNoTraceMeansNoPlots() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        _ = try vigil("run", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "--out", out.path)
        let log = out.appendingPathComponent("pot-offset-above-seed1.jsonl").path
        let trace = out.appendingPathComponent("pot-offset-above-seed1.trace")
        var bytes = try Data(contentsOf: trace)
        bytes[bytes.count - 5] ^= 0x01  // one bit of one sample
        try bytes.write(to: trace)
        let verify = try vigil("verify-log", log)
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("the trace does not match the SHA-256 in the log's summary"))
        let report = try vigil("report", log)
        #expect(report.status == 1, "the page is written, and the exit code says the trace is not intact")
        #expect(report.stderr.contains("does not match the SHA-256 in the log's summary"), "\(report.stderr)")
        let html = try String(contentsOf: out.appendingPathComponent("pot-offset-above-seed1.html"), encoding: .utf8)
        #expect(html.contains("<p class=\"note\">The trace pot-offset-above-seed1.trace does not match the SHA-256 in the log&#39;s summary"))
        #expect(html.contains("<span class=\"ok\">intact</span> — 8 records"), "the log itself is still intact")
        // A deleted trace is evidence gone: exit 1, unless only the log is asked about.
        try FileManager.default.removeItem(at: trace)
        let gone = try vigil("verify-log", log)
        #expect(gone.status == 1 && gone.stderr.contains("the trace the log names is missing"), "\(gone.stdout)\(gone.stderr)")
        #expect(gone.stdout.contains("intact — 8 records"), "the log's own chain is still reported intact")
        let logOnly = try vigil("verify-log", "--log-only", log)
        #expect(logOnly.status == 0, "\(logOnly.stderr)")

        let bare = out.appendingPathComponent("bare")
        let run = try vigil("run", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "--out", bare.path, "--no-trace", "--report")
        #expect(run.status == 0)
        #expect(!FileManager.default.fileExists(atPath: bare.appendingPathComponent("pot-offset-above-seed1.trace").path))
        let plain = try String(contentsOf: bare.appendingPathComponent("pot-offset-above-seed1.html"), encoding: .utf8)
        #expect(plain.contains("recorded no trace"))
        #expect(!plain.contains("<svg"))
    }

    /// An edited log keeps its recorded verdict, PASS: the page's headline must not show it.
    @Test func anEditedLogsPageDoesNotHeadlineItsVerdictAndAScenarioIsNoLog() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        _ = try vigil("run", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "--out", out.path)
        let log = out.appendingPathComponent("pot-offset-above-seed1.jsonl")
        let text = try String(contentsOf: log, encoding: .utf8)
        try text.replacingOccurrences(of: "\"tick\":510,", with: "\"tick\":505,").write(to: log, atomically: true, encoding: .utf8)
        let report = try vigil("report", log.path)
        #expect(report.status == 1, "\(report.stderr)")
        #expect(report.stderr.contains("the log's hash chain is broken at line"))
        let html = try String(contentsOf: out.appendingPathComponent("pot-offset-above-seed1.html"), encoding: .utf8)
        #expect(html.contains("<span class=\"badge fail\">LOG BROKEN</span>"))
        #expect(!html.contains("<span class=\"badge pass\">"))
        #expect(html.contains("including the verdict it records (PASS)"))
        // The trace's SHA-256 sits in the summary, past the break: the trace is not vouched for.
        #expect(!html.contains("its SHA-256 matches the log"))
        #expect(html.contains("the trace is not checked, and its plots are not evidence"))

        // A break after the summary leaves the verdict and the trace's SHA-256 intact.
        try text.write(to: log, atomically: true, encoding: .utf8)
        try (text + "\n").write(to: log, atomically: true, encoding: .utf8)
        let tail = try vigil("report", log.path)
        #expect(tail.status == 1)
        let tailPage = try String(contentsOf: out.appendingPathComponent("pot-offset-above-seed1.html"), encoding: .utf8)
        #expect(tailPage.contains("after its summary: the records up to the summary, its verdict (PASS) included, are intact"))
        #expect(tailPage.contains("its SHA-256 matches the log"), "the trace is checked against the intact summary")

        let scenario = try vigil("report", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "--out", out.appendingPathComponent("x.html").path)
        #expect(scenario.status == 2)
        #expect(scenario.stderr.contains("not a Vigil log"))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("x.html").path))
    }

    @Test func aCampaignPageLinksEveryRunsPage() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try vigil(
            "campaign", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "Scenarios/H21-bad-configuration",
            "--seeds", "2", "--jobs", "2", "--out", out.path, "--report")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        expectSelfContained(html)
        #expect(html.contains("5 of 5 runs passed"))  // 2 seeds and the folder's 3 start checks
        #expect(html.contains("<b>H07</b> Encoder / potentiometer disagreement"))
        #expect(html.contains("<b>H04</b> RCM / port violation"), "uncovered hazards are listed too")
        #expect(html.contains("NOT COVERED"))
        // Every run's page link points at a page that exists, and each of those is a run page.
        let links = html.components(separatedBy: "<a href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        let pages = Set(links.filter { $0.hasSuffix(".html") })
        #expect(pages.count == 5)
        for page in pages {
            let file = out.appendingPathComponent(page)
            #expect(FileManager.default.fileExists(atPath: file.path), "\(page)")
            let runPage = try String(contentsOf: file, encoding: .utf8)
            expectSelfContained(runPage)
            #expect(runPage.contains("<span class=\"badge pass\">PASS</span>"))
        }
        // The same page, written after the campaign from its folder.
        try FileManager.default.removeItem(at: out.appendingPathComponent("report.html"))
        let again = try vigil("report", out.path)
        #expect(again.status == 0)
        #expect(try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8) == html)
        #expect(html.contains("<span class=\"badge pass\">PASS</span>"))

        // runs.json still says PASS; the page checks the logs themselves: one edited, one gone.
        let logs = out.appendingPathComponent("logs/pot-offset-above-seed1.jsonl")
        let text = try String(contentsOf: logs, encoding: .utf8)
        try text.replacingOccurrences(of: "\"tick\":510,", with: "\"tick\":509,").write(to: logs, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: out.appendingPathComponent("logs/pot-offset-above-seed2.jsonl"))
        let checked = try vigil("report", out.path)
        #expect(checked.status == 1)
        #expect(checked.stderr.contains("error: 2 runs' logs are not intact or not listed in runs.json"), "\(checked.stderr)")
        #expect(checked.stderr.contains("pot-offset-above-seed1.jsonl: log broken at line"), "\(checked.stderr)")
        let flagged = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(flagged.contains("<span class=\"badge fail\">LOGS NOT INTACT</span>"))
        #expect(flagged.contains("2 of 5 runs' logs are missing, broken or not the ones the campaign wrote"))
        #expect(flagged.contains("<span class=\"bad\">log missing</span>"))
        #expect(!flagged.contains("href=\"logs/pot-offset-above-seed2.jsonl\""), "no link to a log that is gone")
        // The scenario's summary row and H07's traceability row say so too, not PASS.
        #expect(flagged.contains("<td>LOG NOT INTACT</td><td>H07</td>"), "the summary row")
        #expect(flagged.contains("<td>LOG NOT INTACT</td><td><b>H07</b>"), "the traceability row")
        #expect(!flagged.contains("<td>PASS</td><td><b>H07</b>"))
    }

    /// runs.json carries no hash: a verdict edited there (a failed run made PASS) must not
    /// outvote the intact log, whose summary says FAIL; and a log path in it that leaves the
    /// campaign's logs/ folder is refused, not followed.
    @Test func runsJSONCannotOutvoteTheLogsNorLeadOutOfTheFolder() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let twin = try String(contentsOf: repositoryRoot.appendingPathComponent("Scenarios/H07-encoder-potentiometer/pot-offset-below.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../../HardwareProfiles/dvrk-psm.yaml", with: profilePath("dvrk-psm.yaml"))
            .replacingOccurrences(of: "  - { no_trip: any }", with: "  - { trips: encoder_potentiometer }")
        let scenario = out.appendingPathComponent("expects-a-trip.yaml")
        try twin.write(to: scenario, atomically: true, encoding: .utf8)
        let campaign = out.appendingPathComponent("campaign")
        let run = try vigil("campaign", scenario.path, "--seeds", "1", "--out", campaign.path)
        #expect(run.status == 1, "the expected trip does not happen: \(run.stdout)")
        let runsFile = campaign.appendingPathComponent("runs.json")
        let recorded = try String(contentsOf: runsFile, encoding: .utf8)
        #expect(recorded.contains("\"status\":\"FAIL\""))
        try recorded.replacingOccurrences(of: "\"status\":\"FAIL\"", with: "\"status\":\"PASS\"")
            .replacingOccurrences(of: "\"passed\":false", with: "\"passed\":true").write(to: runsFile, atomically: true, encoding: .utf8)
        let forged = try vigil("report", campaign.path)
        #expect(forged.status == 1, "\(forged.stdout)\(forged.stderr)")
        #expect(forged.stderr.contains("runs.json says PASS, the log's summary says FAIL (runs.json was edited)"), "\(forged.stderr)")
        let page = try String(contentsOf: campaign.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains("<span class=\"badge fail\">LOGS NOT INTACT</span>"))
        #expect(!page.contains("<span class=\"badge pass\">PASS</span>"))

        // A log path out of the folder: refused (exit 2), and nothing is written there.
        try recorded.replacingOccurrences(of: "\"log\":\"logs/", with: "\"log\":\"../").write(to: runsFile, atomically: true, encoding: .utf8)
        let escaped = try vigil("report", campaign.path)
        #expect(escaped.status == 2, "\(escaped.stdout)\(escaped.stderr)")
        #expect(escaped.stderr.contains("is not inside the campaign's logs/ folder"), "\(escaped.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["campaign", "expects-a-trip.yaml"])
    }

    /// --out naming a folder is refused with what to give instead (it said "NSCocoaErrorDomain
    /// error 512").
    /// Every figure the campaign's page shows from runs.json is checked against the hash-chained
    /// log: an untouched campaign reports cleanly; an edited figure, a run taken out of
    /// runs.json, and a changed or deleted trace each make `vigil report` exit 1.
    @Test func everyFigureInRunsJSONMustMatchItsLog() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try vigil(
            "campaign", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml",
            "Scenarios/H04-remote-center/insertion-shallow-held-too-long.yaml", "Scenarios/H20-wrong-hardware-profile",
            "--seeds", "2", "--out", out.path)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let clean = try vigil("report", out.path)
        #expect(clean.status == 0, "the campaign's own runs.json agrees with its logs: \(clean.stderr)")

        let runsFile = out.appendingPathComponent("runs.json")
        let original = try Data(contentsOf: runsFile)
        /// runs.json with `edit` applied to the run whose log is `log`, then `vigil report`.
        func report(editing log: String, _ edit: (inout [String: Any]) -> Void) throws -> VigilRun {
            var root = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
            var runs = try #require(root["runs"] as? [[String: Any]])
            let i = try #require(runs.firstIndex { $0["log"] as? String == log })
            edit(&runs[i])
            root["runs"] = runs
            try JSONSerialization.data(withJSONObject: root).write(to: runsFile)
            defer { try? original.write(to: runsFile) }
            return try vigil("report", out.path)
        }
        let pot = "logs/pot-offset-above-seed1.jsonl"
        let edits: [(String, String, (inout [String: Any]) -> Void)] = [
            (pot, "hazards", { $0["hazards"] = ["H01"] }),
            (pot, "seed", { $0["seed"] = 7 }),
            (pot, "scenario name", { $0["name"] = "something else" }),
            (pot, "detection latency", { $0["detection_latency_ticks"] = 1 }),
            (pot, "first fault onset", { $0["first_onset_tick"] = NSNull() }),
            (pot, "peak excursion", { $0["peak_excursion_m"] = 0.0 }),
            (pot, "tripped checks", { $0["tripped_checks"] = [String]() }),
            ("logs/insertion-shallow-held-too-long-seed2.jsonl", "false trips", { $0["false_trips"] = 0 == ($0["false_trips"] as? Int ?? 0) ? 3 : 0 }),
            ("logs/H20-wrong-hardware-profile/bench-profile-psm-attached-seed1.jsonl", "detection latency", { $0["detection_latency_ticks"] = NSNull() }),
        ]
        for (log, field, edit) in edits {
            let edited = try report(editing: log, edit)
            #expect(edited.status == 1, "\(field): \(edited.stderr)")
            #expect(edited.stderr.contains("\(log): runs.json records another \(field) than the log (runs.json was edited)"), "\(field): \(edited.stderr)")
        }

        // A run taken out of runs.json leaves its log behind.
        let removed = try report(editing: pot) { _ in }
        #expect(removed.status == 0)
        var root = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
        root["runs"] = (root["runs"] as? [[String: Any]] ?? []).filter { $0["log"] as? String != pot }
        try JSONSerialization.data(withJSONObject: root).write(to: runsFile)
        let dropped = try vigil("report", out.path)
        try original.write(to: runsFile)
        #expect(dropped.status == 1)
        #expect(dropped.stderr.contains("warning: \(pot): a log in the campaign's folder that runs.json does not list"), "\(dropped.stderr)")
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains("<span class=\"badge fail\">LOGS NOT INTACT</span>") && page.contains("1 log in logs/ is not listed in runs.json"))

        // The trace is evidence too: its SHA-256 is in the log's summary.
        let trace = out.appendingPathComponent("logs/pot-offset-above-seed2.trace")
        let bytes = try Data(contentsOf: trace)
        var changed = bytes
        changed[changed.count - 1] ^= 1
        try changed.write(to: trace)
        let tampered = try vigil("report", out.path)
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("pot-offset-above-seed2.jsonl: The trace pot-offset-above-seed2.trace does not match the SHA-256"), "\(tampered.stderr)")
        try FileManager.default.removeItem(at: trace)
        let deleted = try vigil("report", out.path)
        #expect(deleted.status == 1)
        #expect(deleted.stderr.contains("pot-offset-above-seed2.jsonl: The trace pot-offset-above-seed2.trace named by the log is missing"), "\(deleted.stderr)")
        try bytes.write(to: trace)
        #expect(try vigil("report", out.path).status == 0, "the original trace back: intact again")
    }

    @Test func aPageCannotBeWrittenOverAFolder() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        _ = try vigil("run", "Scenarios/H16-power-loss/supply-lost.yaml", "--out", out.path)
        let report = try vigil("report", out.appendingPathComponent("supply-lost-seed1.jsonl").path, "--out", out.path)
        #expect(report.status == 2)
        #expect(report.stderr.contains("error: cannot write \(out.path): it is a folder; give the page's file name"), "\(report.stderr)")
    }

    /// The page in a real browser, when one is installed (scripts/render-report installs
    /// Debian's chromium): it parses, and the plots are there.
    @Test func aBrowserRendersThePage() throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromium else { return }
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        _ = try vigil("run", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "--out", out.path, "--report")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9", "--dump-dom",
            "file://" + out.appendingPathComponent("pot-offset-above-seed1.html").path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let dom = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(dom.components(separatedBy: "<svg").count - 1 == 7 * 3 + 3, "21 joint plots, the excursion and two path views")
        #expect(dom.contains("PASS"))
    }
}

@Suite struct ReportEscapingTests {
    /// File names and log text are data, never markup.
    @Test func aScenarioNamedLikeMarkupIsShownAsText() throws {
        let folder = try VigilCLITests.temporaryFolder("escape")
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "profile: ../../HardwareProfiles/", with: "profile: \(repositoryRoot.path)/HardwareProfiles/")
            .replacingOccurrences(of: "name: H07 potentiometer offset above the distance", with: "name: H07 <script>alert(1)</script> & co")
        let scenario = folder.appendingPathComponent("odd<b>name#1.yaml")
        try text.write(to: scenario, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let run = try vigil("campaign", scenario.path, "--seeds", "1", "--out", out.path, "--report")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let page = try String(contentsOf: out.appendingPathComponent("logs/odd<b>name#1-seed1.html"), encoding: .utf8)
        #expect(!page.contains("<script>") && !page.contains("odd<b>"))
        #expect(page.contains("H07 &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"))
        #expect(page.contains("odd&lt;b&gt;name#1.yaml"))
        let campaign = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(campaign.contains("href=\"logs/odd%3Cb%3Ename%231-seed1.html\""), "links are percent-encoded")
    }
}
