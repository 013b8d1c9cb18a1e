import Foundation
import Testing

@Suite(.serialized) struct CampaignCLITests {
    func temporaryFolder() throws -> URL { try VigilCLITests.temporaryFolder("campaign") }

    /// Every file under `folder`, relative path → bytes.
    func contents(_ folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for case let relative as String in FileManager.default.enumerator(atPath: folder.path)! {
            let url = folder.appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[relative] = try Data(contentsOf: url)
            }
        }
        return result
    }

    /// Runs `scripts/check-junit` (xmlschema + junitparser, from PyPI).
    func checkJUnit(_ path: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("scripts/check-junit").path, path, "--cases"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func resultsDoNotDependOnJobs() throws {
        let one = try temporaryFolder(), two = try temporaryFolder()
        defer {
            try? FileManager.default.removeItem(at: one)
            try? FileManager.default.removeItem(at: two)
        }
        let paths = ["Scenarios/H07-encoder-potentiometer", "Scenarios/H18-operator-input", "Scenarios/nominal"]
        let a = try vigil(["campaign"] + paths + ["--seeds", "3", "--jobs", "1", "--out", one.path])
        let b = try vigil(["campaign"] + paths + ["--seeds", "3", "--jobs", "2", "--out", two.path])
        #expect(a.status == 0 && b.status == 0, "\(a.stdout)\(a.stderr)")
        let first = try contents(one), second = try contents(two)
        // Every scenario in those folders × 3 seeds (a log and a trace each), and 5 reports.
        let scenarioCount = paths.map { path in
            (try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent(path).path))?
                .filter { $0.hasSuffix(".yaml") }.count ?? 0
        }.reduce(0, +)
        #expect(scenarioCount >= 9)
        #expect(first.count == scenarioCount * 3 * 2 + 5, "\(scenarioCount) scenarios × 3 logs and traces, and 5 reports, got \(first.count)")
        #expect(Set(first.keys) == Set(second.keys))
        for (name, data) in first {
            #expect(second[name] == data, "\(name) differs between --jobs 1 and --jobs 2")
        }
        // The terminal output is the same too, but for the line naming the output folder.
        func withoutFolder(_ s: String) -> String { s.split(separator: "\n").filter { !$0.hasPrefix("reports: ") }.joined(separator: "\n") }
        #expect(withoutFolder(a.stdout) == withoutFolder(b.stdout))
    }

    /// --junit may not name a file of the campaign's own evidence (a log, a report): it would
    /// overwrite it. Refused before anything runs.
    @Test(arguments: ["logs/pot-offset-above-seed1.jsonl", "runs.json"])
    func junitCannotOverwriteTheCampaignsEvidence(_ inside: String) throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try vigil(
            "campaign", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml", "--seeds", "1", "--out", out.path,
            "--junit", out.appendingPathComponent(inside).path)
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("is a file the campaign writes"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("logs").path), "nothing ran")
    }

    @Test func junitIsValidAndReadByJunitparser() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let junit = out.appendingPathComponent("results.xml").path
        let run = try vigil("campaign", "Scenarios/H12-overcurrent", "--seeds", "2", "--out", out.path, "--junit", junit)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let check = try checkJUnit(junit)
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.hasPrefix("tests=8 failures=0 errors=0"), "\(check.output)")
        #expect(check.output.contains("H12|H12-overcurrent/current-sense-bias-above seed 2|pass|seed=2|hash=64"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: junit)) == Data(contentsOf: out.appendingPathComponent("junit.xml")))
    }

    /// A profile whose encoder/potentiometer distance is set too loose (6 deg instead of 5)
    /// makes exactly the scenarios that need the 5 deg threshold fail, with failures in JUnit.
    @Test func aBrokenThresholdFailsTheRightScenarios() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let profile = try String(contentsOfFile: profilePath("dvrk-psm.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "distance: [5 deg, 5 deg, 5 mm,", with: "distance: [6 deg, 6 deg, 5 mm,")
        try profile.write(to: folder.appendingPathComponent("loose-psm.yaml"), atomically: true, encoding: .utf8)
        let scenarios = folder.appendingPathComponent("H07")
        try FileManager.default.createDirectory(at: scenarios, withIntermediateDirectories: true)
        let source = repositoryRoot.appendingPathComponent("Scenarios/H07-encoder-potentiometer")
        for name in ["pot-offset-above.yaml", "pot-offset-below.yaml", "pot-offset-longer-than-latency.yaml", "pot-offset-within-latency.yaml"] {
            let text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
                .replacingOccurrences(of: "../../HardwareProfiles/dvrk-psm.yaml", with: "../loose-psm.yaml")
            try text.write(to: scenarios.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let out = folder.appendingPathComponent("out")
        let run = try vigil("campaign", scenarios.path, "--seeds", "2", "--out", out.path)
        #expect(run.status == 1)
        let check = try checkJUnit(out.appendingPathComponent("junit.xml").path)
        #expect(check.status == 0)
        // Neither 5.5 deg nor 6 deg is above a 6 deg distance any more: the two scenarios that
        // must trip fail (both seeds); the two twins that must not trip still pass.
        #expect(check.output.hasPrefix("tests=8 failures=4 errors=0"), "\(check.output)")
        for seed in [1, 2] {
            #expect(check.output.contains("H07|H07/pot-offset-above seed \(seed)|failure"))
            #expect(check.output.contains("H07|H07/pot-offset-longer-than-latency seed \(seed)|failure"))
            #expect(check.output.contains("H07|H07/pot-offset-below seed \(seed)|pass"))
            #expect(check.output.contains("H07|H07/pot-offset-within-latency seed \(seed)|pass"))
        }
        #expect(run.stdout.contains("FAIL  H07/pot-offset-above seed 1"))
        let summary = try String(contentsOf: out.appendingPathComponent("summary.json"), encoding: .utf8)
        #expect(summary.contains("\"verdict\":\"FAIL\""))
        let trace = try String(contentsOf: out.appendingPathComponent("traceability.csv"), encoding: .utf8)
        #expect(trace.contains("H07,Encoder / potentiometer disagreement,encoder_potentiometer; monitor_input_frozen,H07/pot-offset-above; H07/pot-offset-below; H07/pot-offset-longer-than-latency; H07/pot-offset-within-latency,8,4,0,FAIL"))
    }

    /// A campaign into the folder of an earlier one leaves none of the earlier runs behind;
    /// files of the user's own are kept.
    @Test func anEarlierCampaignInTheFolderIsReplaced() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let first = try vigil("campaign", "Scenarios/H16-power-loss", "--seeds", "2", "--out", out.path, "--report")
        #expect(first.status == 0, "\(first.stderr)")
        let mine = out.appendingPathComponent("notes.txt")
        try "mine".write(to: mine, atomically: true, encoding: .utf8)
        let second = try vigil("campaign", "Scenarios/H17-emergency-stop", "--seeds", "1", "--out", out.path)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("removed the earlier campaign's reports and 12 of its files (logs, traces, pages of 4 runs)"), "\(second.stderr)")
        let left = try FileManager.default.subpathsOfDirectory(atPath: out.appendingPathComponent("logs").path).filter { !$0.hasSuffix("/") }
        #expect(left.filter { $0.contains("H16") }.isEmpty, "no H16 log, trace, page or emptied folder is left: \(left)")
        #expect(left.filter { $0.hasSuffix(".jsonl") }.count == 2, "\(left)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
        #expect(FileManager.default.fileExists(atPath: mine.path))

        // An earlier campaign whose runs.json cannot be read: its logs cannot be told from the
        // new ones', so nothing runs.
        try "not json".write(to: out.appendingPathComponent("runs.json"), atomically: true, encoding: .utf8)
        let third = try vigil("campaign", "Scenarios/H17-emergency-stop", "--seeds", "1", "--out", out.path)
        #expect(third.status == 2 && third.stderr.contains("holds an earlier campaign whose runs.json cannot be read"), "\(third.stderr)")
    }

    @Test func aRunThatCannotWriteItsLogIsAnError() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        // Make the log folder a file, so no log can be created under it.
        try Data().write(to: out.appendingPathComponent("logs"))
        let run = try vigil("campaign", "Scenarios/H16-power-loss", "--seeds", "1", "--out", out.path)
        #expect(run.status == 1)
        let check = try checkJUnit(out.appendingPathComponent("junit.xml").path)
        #expect(check.output.hasPrefix("tests=2 failures=0 errors=2"), "\(check.output)")
    }

    @Test func traceabilityNamesUncoveredHazards() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        _ = try vigil("campaign", "Scenarios/H17-emergency-stop", "--seeds", "1", "--out", out.path)
        let md = try String(contentsOf: out.appendingPathComponent("traceability.md"), encoding: .utf8)
        #expect(md.contains("| H17 | Emergency stop | `emergency_stop` | `H17-emergency-stop/estop-asserted`<br>`H17-emergency-stop/estop-released-then-reset` | 2/2 | 2 | PASS |"))
        #expect(md.contains("| H04 | RCM / port violation | `remote_center_distance`, `insertion_depth`, `remote_center_stop`, `insertion_depth_stop` | — | 0/0 | 0 | NOT COVERED |"))
    }

    /// Twins and nominal runs show that the checks stay quiet, not that they act: a hazard with
    /// nothing else is NOT DEMONSTRATED, not PASS. With the scenario that must trip, it passes.
    @Test func twinsAloneDoNotDemonstrateAControl() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let twin = try vigil("campaign", "Scenarios/H07-encoder-potentiometer/pot-offset-below.yaml", "--seeds", "1", "--out", out.path)
        #expect(twin.status == 0, "the run itself passes: \(twin.stderr)")
        var csv = try String(contentsOf: out.appendingPathComponent("traceability.csv"), encoding: .utf8)
        #expect(csv.contains("H07,Encoder / potentiometer disagreement,encoder_potentiometer; monitor_input_frozen,pot-offset-below,1,1,0,NOT DEMONSTRATED"), "\(csv)")
        let runs = try String(contentsOf: out.appendingPathComponent("runs.json"), encoding: .utf8)
        #expect(runs.contains("\"demonstrated_checks\":[]"))

        let both = try vigil(
            "campaign", "Scenarios/H07-encoder-potentiometer/pot-offset-below.yaml", "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml",
            "--seeds", "1", "--out", out.path)
        #expect(both.status == 0, "\(both.stderr)")
        csv = try String(contentsOf: out.appendingPathComponent("traceability.csv"), encoding: .utf8)
        #expect(csv.contains("pot-offset-below; pot-offset-above,2,2,1,PASS"), "\(csv)")
        // `vigil report` reads the evidence back from runs.json.
        let report = try vigil("report", out.path)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<td>2/2</td><td>1</td>"), "the traceability row counts the demonstrating run")
        // A runs.json written before demonstrated_checks was recorded: the report works it out
        // from the expectations it kept, rather than calling every hazard NOT DEMONSTRATED.
        let runsFile = out.appendingPathComponent("runs.json")
        let older = try String(contentsOf: runsFile, encoding: .utf8)
            .replacingOccurrences(of: #","demonstrated_checks":\[[^\]]*\]"#, with: "", options: .regularExpression)
        #expect(!older.contains("demonstrated_checks"))
        try older.write(to: runsFile, atomically: true, encoding: .utf8)
        #expect(try vigil("report", out.path).status == 0)
        let again = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(again.contains("<td>2/2</td><td>1</td>"), "derived from the expectations")
    }

    @Test func invalidScenarioStopsTheCampaignBeforeAnyRun() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let bad = out.appendingPathComponent("bad.yaml")
        try "format: vigil-scenario/1\n".write(to: bad, atomically: true, encoding: .utf8)
        let run = try vigil("campaign", "Scenarios/H16-power-loss", bad.path, "--out", out.appendingPathComponent("o").path)
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.yaml:1:1: error: missing required field 'name'"))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("o").path))
    }

    /// A campaign too large to plan is refused with a message (exit 2), not a failed
    /// allocation: too many seeds on the command line, or a plan over the limit.
    @Test func aCampaignTooLargeToPlanIsRefused() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let huge = try vigil("campaign", "Scenarios/nominal/psm-nominal-move.yaml", "--seeds", "100000000000", "--out", out.path)
        #expect(huge.status == 2)
        #expect(huge.stderr.contains("--seeds must be at most 1000000"), "\(huge.stderr)")
        let plan = try vigil("campaign", "Scenarios/H16-power-loss", "--seeds", "1000000", "--out", out.path)
        #expect(plan.status == 2)
        #expect(plan.stderr.contains("error: campaign: with this scenario the campaign would have more than 1000000 runs"), "\(plan.stderr)")
        #expect(!plan.stderr.contains("Fatal error"))
    }

    /// Two different files with the same name would write the same logs, one over the other
    /// (and, on two jobs, into each other): refused before anything runs. The same file named
    /// twice runs once.
    @Test func scenariosThatWouldShareLogsAreRefusedAndAFileNamedTwiceRunsOnce() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let shipped = "Scenarios/H07-encoder-potentiometer/pot-offset-above.yaml"
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent(shipped), encoding: .utf8)
            .replacingOccurrences(of: "../../HardwareProfiles/", with: repositoryRoot.appendingPathComponent("HardwareProfiles").path + "/")
        for folder in ["a/mine", "b/mine"] {
            try FileManager.default.createDirectory(at: out.appendingPathComponent(folder), withIntermediateDirectories: true)
            try text.write(to: out.appendingPathComponent("\(folder)/pot-offset-above.yaml"), atomically: true, encoding: .utf8)
        }
        let copy = out.appendingPathComponent("a/mine/pot-offset-above.yaml").path
        let clash = try vigil("campaign", shipped, copy, "--seeds", "1", "--out", out.appendingPathComponent("o1").path)
        #expect(clash.status == 2)
        #expect(clash.stderr.contains("\(copy):1:1: error: has the same campaign name 'pot-offset-above' as \(shipped)"), "\(clash.stderr)")
        let folders = try vigil(
            "campaign", out.appendingPathComponent("a/mine").path, out.appendingPathComponent("b/mine").path, "--seeds", "1", "--out",
            out.appendingPathComponent("o2").path)
        #expect(folders.status == 2)
        #expect(folders.stderr.contains("same campaign name 'mine/pot-offset-above'"))
        for o in ["o1", "o2"] { #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(o).path)) }

        let twice = try vigil(
            "campaign", copy, out.appendingPathComponent("a/mine").path, out.appendingPathComponent("a/../a/mine/pot-offset-above.yaml").path,
            "--seeds", "1", "--out", out.appendingPathComponent("o3").path)
        #expect(twice.status == 0, "\(twice.stdout)\(twice.stderr)")
        #expect(twice.stderr.contains("vigil campaign: 1 scenario × 1 seed = 1 run on"), "\(twice.stderr)")
    }

    /// Where the results go is checked before the runs, not after them.
    @Test func anOutputThatCannotBeWrittenIsRefusedBeforeAnyRun() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let file = out.appendingPathComponent("a-file")
        try Data().write(to: file)
        let cases: [(args: [String], message: String)] = [
            (["--out", file.path], "error: the output folder (--out) \(file.path) is a file, not a folder"),
            (["--out", out.appendingPathComponent("o").path, "--junit", file.path + "/junit.xml"], "is a file, not a folder"),
            (["--out", out.appendingPathComponent("o").path, "--junit", out.path], "error: the JUnit file (--junit) \(out.path) is a folder, not a file"),
        ]
        for c in cases {
            let run = try vigil(["campaign", "Scenarios/H16-power-loss", "--seeds", "1"] + c.args)
            #expect(run.status == 2, "\(c.args)")
            #expect(run.stderr.contains(c.message), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("o/logs").path), "nothing ran")
        }
    }
}
