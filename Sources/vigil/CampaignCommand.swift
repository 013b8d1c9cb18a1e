import ArgumentParser
import Foundation
import Reports
import Scenarios
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

struct CampaignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Run every scenario × seed on the simulator, on all cores, and report.",
        discussion: """
            Writes each run's log under OUT/logs/, the summary (OUT/summary.json), JUnit XML \
            (OUT/junit.xml, or --junit FILE) and the traceability matrix (OUT/traceability.md and \
            .csv). Results do not depend on --jobs. Exits 0 when every run passed, 1 otherwise, 2 \
            when a scenario or profile is invalid (nothing is run then).
            """
    )

    @Argument(help: "Scenario files or folders (searched recursively for .yaml).")
    var paths: [String]

    @Option(help: "Seeds per scenario: the scenario's own seed and the ones after it.")
    var seeds = 5

    @Option(help: "Parallel runs; the default is the number of cores.")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Folder for logs and reports.")
    var out = "vigil-out/campaign"

    @Option(help: "Also write the JUnit XML here.")
    var junit: String?

    @Flag(help: "Do not record each run's per-tick trace (smaller output for large campaigns; run pages then have no plots).")
    var noTrace = false

    @Flag(help: "Also write the HTML report: OUT/report.html and a page beside every run's log.")
    var report = false

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        guard seeds <= CampaignPlan.maxRuns else { throw ValidationError("--seeds must be at most \(CampaignPlan.maxRuns) (a campaign plans at most that many runs)") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let commit = gitCommitInBackground()
        let plan: CampaignPlan
        do {
            plan = try CampaignPlan.load(paths: paths, seeds: seeds, jobs: jobs)
        } catch {
            throw VigilExit.invalid(error.description)
        }
        guard !plan.items.isEmpty else {
            var named: [String] = []
            for path in paths where !named.contains(path) { named.append(path) }
            throw VigilExit.invalid("error: no scenario files under \(named.joined(separator: ", "))")
        }
        // Where the results go is checked before anything runs: a campaign must not run for
        // minutes and then have nowhere to write.
        try prepareFolder(out, what: "the output folder (--out)")
        if let junit {
            // The campaign owns its folder's logs/ and reports: a JUnit file there would
            // overwrite evidence, or be removed with the previous campaign's.
            let folder = URL(fileURLWithPath: out).standardizedFileURL.resolvingSymlinksInPath().path
            let file = URL(fileURLWithPath: junit).standardizedFileURL.resolvingSymlinksInPath().path
            let owned = ["summary.json", "traceability.md", "traceability.csv", "report.html", "runs.json"].map { folder + "/" + $0 }
            if file.hasPrefix(folder + "/logs/") || owned.contains(file) {
                throw VigilExit.invalid(
                    "error: --junit \(junit) is a file the campaign writes in \(out); give a path outside \(out)/logs and other than its reports")
            }
            try prepareFile(junit, what: "the JUnit file (--junit)")
        }
        try removePreviousCampaign()
        let scenarioCount = Set(plan.items.map(\.scenarioID)).count
        let startChecks = Set(plan.items.filter { if case .startCheck = $0.scenario { true } else { false } }.map(\.scenarioID)).count
        let once = startChecks == 0 || seeds == 1 ? "" : " (\(startChecks) start check\(startChecks == 1 ? "" : "s") once)"
        printError(
            "vigil campaign: \(scenarioCount) scenario\(scenarioCount == 1 ? "" : "s") × \(seeds) seed\(seeds == 1 ? "" : "s") = \(plan.items.count) run\(plan.items.count == 1 ? "" : "s")\(once) on \(jobs) job\(jobs == 1 ? "" : "s")"
        )

        let progress = ProgressDisplay(total: plan.items.count, interactive: isatty(STDERR_FILENO) == 1)
        let runs: [CampaignRun]
        do {
            runs = try CampaignRunner.run(
                plan, jobs: jobs, outFolder: out, metadata: runMetadata(backend: "simulator", gitCommit: commit()), trace: !noTrace
            ) { done, total, run in
                progress.update(done: done, run: run)
            }
        } catch {
            progress.finish()
            throw VigilExit(code: VigilExit.failure, message: "error: \(error)")
        }
        progress.finish()

        let results = CampaignReport(runs: runs)
        let junitXML = results.junitXML()
        let files: [(String, String)] = [
            ("summary.json", results.json()), ("junit.xml", junitXML),
            ("traceability.md", results.traceabilityMarkdown()), ("traceability.csv", results.traceabilityCSV()),
            ("runs.json", results.runsJSON()),
        ]
        for (name, content) in files {
            try write(content, to: (out as NSString).appendingPathComponent(name))
        }
        if let junit { try write(junitXML, to: junit) }

        print(results.table())
        for run in runs where run.status != .passed {
            print("\n\(run.status.rawValue)  \(run.scenarioID) seed \(run.seed)  (log: \(run.logPath))")
            if let message = run.errorMessage { print("  \(message)") }
            for e in run.expectations where !e.passed { print("  FAIL  \(e.expectation) — \(e.figure)") }
        }
        print("\nreports: \(out)/summary.json, \(out)/junit.xml\(junit.map { ", \($0)" } ?? ""), \(out)/traceability.md, \(out)/traceability.csv, \(out)/runs.json")
        if report { print("report: \(try writeCampaignReport(folder: out, out: nil, report: results).page)") }
        print(results.passed ? "PASS" : "FAIL")
        if !results.passed { throw VigilExit(code: VigilExit.failure) }
    }

    /// When `out` holds an earlier campaign (its runs.json), removes what that campaign wrote,
    /// before the new one starts: each run's log, trace and page, and the reports. Otherwise a
    /// folder archived for a design-history file would hold logs of runs its summary does not
    /// list (and an interrupted campaign would leave an earlier summary beside new logs).
    /// Only regular files the runs.json names, inside OUT/logs once symbolic links are
    /// followed, are removed (never a folder, nor anything a link leads out of OUT/logs),
    /// then the folders those removals left empty, and the report files. A runs.json that
    /// cannot be read stops the campaign (exit 2): its logs could not be told apart.
    func removePreviousCampaign() throws {
        let manager = FileManager.default
        let runsFile = (out as NSString).appendingPathComponent("runs.json")
        guard manager.fileExists(atPath: runsFile) else { return }
        let previous: CampaignReport
        do {
            previous = try CampaignReport(campaignFolder: out)
        } catch {
            throw VigilExit.invalid(
                "error: \(out) holds an earlier campaign whose runs.json cannot be read (\(error)), so its logs cannot be told from this one's: give another --out, or empty the folder")
        }
        func type(_ path: String) -> FileAttributeType? { try? manager.attributesOfItem(atPath: path)[.type] as? FileAttributeType }
        let logs = (out as NSString).appendingPathComponent("logs")
        let realLogs = URL(fileURLWithPath: logs).resolvingSymlinksInPath().path + "/"
        var removed = 0
        var parents: Set<String> = []
        // (CampaignReport refuses a runs.json whose logs are not under logs/.)
        for run in previous.runs {
            for path in [run.logPath, TraceRecorder.sibling(ofLog: run.logPath, extension: "trace"), ReportCommand.pagePath(forLog: run.logPath)]
            where type(path) == .typeRegular && URL(fileURLWithPath: path).resolvingSymlinksInPath().path.hasPrefix(realLogs) {
                if (try? manager.removeItem(atPath: path)) != nil {
                    removed += 1
                    parents.insert((path as NSString).deletingLastPathComponent)
                }
            }
        }
        // The folders those removals left empty, up to OUT/logs (deepest first).
        var folders: Set<String> = []
        for parent in parents {
            var folder = parent
            while folder.hasPrefix(logs + "/") {
                folders.insert(folder)
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        for folder in folders.sorted(by: { $0.count > $1.count }) where type(folder) == .typeDirectory {
            if (try? manager.contentsOfDirectory(atPath: folder))?.isEmpty == true { try? manager.removeItem(atPath: folder) }
        }
        for name in ["summary.json", "junit.xml", "traceability.md", "traceability.csv", "report.html", "runs.json"] {
            let path = (out as NSString).appendingPathComponent(name)
            if type(path) == .typeRegular { try? manager.removeItem(atPath: path) }
        }
        printError("vigil campaign: removed the earlier campaign's reports and \(removed) of its files (logs, traces, pages of \(previous.runs.count) run\(previous.runs.count == 1 ? "" : "s")) from \(out)")
    }

    /// A report file, written whole or not at all. The runs are done by now, so a failure here
    /// (a full disk) exits 1, with what could not be written.
    func write(_ content: String, to path: String) throws {
        do {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url, options: .atomic)
        } catch {
            throw VigilExit(code: VigilExit.failure, message: "error: cannot write \(path): \(describeFileError(error))")
        }
    }
}

/// A progress bar with an ETA on a terminal; one plain line per run otherwise.
final class ProgressDisplay: Sendable {
    let total: Int
    let interactive: Bool
    let start = Date()

    init(total: Int, interactive: Bool) {
        self.total = total
        self.interactive = interactive
    }

    func update(done: Int, run: CampaignRun) {
        if interactive {
            let width = 30
            let filled = width * done / max(1, total)
            let elapsed = Date().timeIntervalSince(start)
            let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line = String(format: "\r[%@] %d/%d  ETA %.0f s  %@", bar, done, total, eta, run.status == .passed ? "" : "(\(run.scenarioID) seed \(run.seed) \(run.status.rawValue))")
            FileHandle.standardError.write(Data(line.utf8))
        } else {
            printError("[\(done)/\(total)] \(run.status.rawValue)  \(run.scenarioID) seed \(run.seed)")
        }
    }

    func finish() {
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
