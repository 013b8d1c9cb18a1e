import ArgumentParser
import FaultLog
import Foundation
import Reports
import Scenarios
import Synchronization

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report of a run's log or of a campaign folder.",
        discussion: """
            For a log (.jsonl): one page with the run's facts and verdict, per-joint plots of \
            setpoint, true, encoder and potentiometer positions, motor current and temperature \
            (from the trace beside the log), fault windows shaded, trips marked, the tool tip's \
            excursion against its bound and its path, the event table and the hash-chain \
            status. Written to --out, or beside the log (.html).
            For a campaign folder (vigil campaign --out DIR): DIR/report.html (or --out) with \
            the summary, the traceability matrix, detection-latency and excursion distributions \
            per hazard and a link to each run's page, and a page beside every run's log.
            The pages use inline CSS and SVG only: no scripts, nothing fetched. Exits 0 when \
            written from intact evidence, 1 when written but a log is not intact (broken, \
            missing, not the one the campaign wrote, or contradicting runs.json), 2 when the \
            input cannot be read.
            """
    )

    @Argument(help: "A run's log (.jsonl) or a campaign's output folder.")
    var path: String

    @Option(help: "The HTML file to write.")
    var out: String?

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw VigilExit.invalid("error: \(path): no such file or folder")
        }
        // The pages are written either way; exit 1 says the evidence is not intact (as
        // verify-log does), so a CI gate on `vigil report` sees it.
        if isDirectory.boolValue {
            let (page, problems) = try writeCampaignReport(folder: path, out: out)
            print("report: \(page)")
            if problems > 0 {
                throw VigilExit(code: VigilExit.failure, message: "error: \(problems) run\(problems == 1 ? "'s log is" : "s' logs are") not intact or not listed in runs.json (see the warnings above)")
            }
        } else {
            let page = out ?? Self.pagePath(forLog: path)
            let problem = try Self.writeRunPage(log: path, to: page).evidenceProblem
            print("report: \(page)")
            if let problem { throw VigilExit(code: VigilExit.failure, message: "error: \(path): \(problem)") }
        }
    }

    static func pagePath(forLog log: String) -> String { TraceRecorder.sibling(ofLog: log, extension: "html") }

    /// Writes the run's page; returns the page, whose `evidenceProblem` says why its log is not
    /// intact evidence (nil when it is).
    @discardableResult
    static func writeRunPage(log: String, to page: String) throws -> RunPage {
        let runPage: RunPage
        do {
            runPage = try RunPage(logPath: log)
        } catch {
            throw VigilExit.invalid("error: \(error)")
        }
        try write(runPage.html(), to: page)
        return runPage
    }

    static func write(_ text: String, to path: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw VigilExit.invalid("error: cannot write \(path): it is a folder; give the page's file name, e.g. \((path as NSString).appendingPathComponent("report.html"))")
        }
        do {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw VigilExit.invalid("error: cannot write \(path): \(describeFileError(error))")
        }
    }
}

/// Writes a page beside every run's log and the campaign's page; returns the campaign page's path.
func writeCampaignReport(folder: String, out: String?, report given: CampaignReport? = nil) throws -> (page: String, logProblems: Int) {
    let report: CampaignReport
    if let given {
        report = given
    } else {
        do {
            report = try CampaignReport(campaignFolder: folder)
        } catch {
            throw VigilExit.invalid("error: \(error)")
        }
    }
    let page = out ?? (folder as NSString).appendingPathComponent("report.html")
    let pageFolder = URL(fileURLWithPath: (page as NSString).deletingLastPathComponent.isEmpty ? "." : (page as NSString).deletingLastPathComponent).standardizedFileURL
    // Links on the campaign's page are relative to the page's folder.
    var relinked = report
    for i in relinked.runs.indices {
        relinked.runs[i].relativeLogPath = relativePath(from: pageFolder, to: URL(fileURLWithPath: report.runs[i].logPath).standardizedFileURL)
    }
    // runs.json says what each run showed; the page vouches for it only where the log is still
    // the one the campaign wrote: present, its chain intact, its final hash the one recorded.
    let problems = Mutex<[String: String]>([:])
    let present = relinked.runs.filter { run in
        let exists = FileManager.default.fileExists(atPath: run.logPath)
        if !exists {
            printError("warning: no page for \(run.scenarioID) seed \(run.seed): its log \(run.logPath) is missing")
            problems.withLock { $0[run.relativeLogPath] = "log missing" }
        }
        return exists
    }
    // Every run's page, on all cores; each page's chain check is also the campaign's.
    let written = Mutex<[String: String]>([:])
    DispatchQueue.concurrentPerform(iterations: present.count) { i in
        let run = present[i]
        let runPage = ReportCommand.pagePath(forLog: run.logPath)
        var problem: String?
        do {
            let checked = try ReportCommand.writeRunPage(log: run.logPath, to: runPage)
            let link = relativePath(from: pageFolder, to: URL(fileURLWithPath: runPage).standardizedFileURL)
            written.withLock { $0[run.relativeLogPath] = link }
            if let line = checked.brokenAtLine {
                problem = "log broken at line \(line)"
            } else if !run.finalHash.isEmpty && checked.finalHash != run.finalHash {
                problem = "log is not the one the campaign wrote (final hash differs)"
            } else if let disagreement = checked.disagreement(with: run) {
                // runs.json carries no hash: nothing edited there may outvote the log.
                problem = "\(disagreement) (runs.json was edited)"
            } else if let trace = checked.evidenceProblem {
                // The trace's SHA-256 is in the log's summary: a changed or deleted trace is
                // evidence changed after the run, as a changed log is.
                problem = trace
            }
        } catch {
            // That run is listed without a page; the others still get theirs.
            printError("warning: no page for \(run.logPath): \((error as? VigilExit)?.message ?? "\(error)")")
            let broken = (try? FaultLogVerifier.verify(path: run.logPath))?.problem
            problem = broken.map { "log broken at line \($0.line)" } ?? "log unreadable"
        }
        if let problem { problems.withLock { $0[run.relativeLogPath] = problem } }
    }
    // A run taken out of runs.json must not vanish from the evidence unnoticed: every log in
    // logs/ is a run's.
    let listed = Set(report.runs.map(\.relativeLogPath))
    let unlisted = campaignLogs(in: folder).filter { !listed.contains($0) }
    for log in unlisted { printError("warning: \(log): a log in the campaign's folder that runs.json does not list (a run taken out of runs.json?)") }
    let links = written.withLock { $0 }
    let title = "Campaign \(URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent)"
    let logProblems = problems.withLock { $0 }
    // (A missing log was already named above.)
    for (log, problem) in logProblems.sorted(by: { $0.key < $1.key }) where problem != "log missing" { printError("warning: \(log): \(problem)") }
    try ReportCommand.write(relinked.html(title: title, runPages: links, logProblems: logProblems, unlisted: unlisted), to: page)
    return (page, logProblems.count + unlisted.count)
}

/// The logs (`.jsonl`) under `folder`/logs, as paths relative to `folder`, sorted.
func campaignLogs(in folder: String) -> [String] {
    let logs = (folder as NSString).appendingPathComponent("logs")
    guard let walker = FileManager.default.enumerator(atPath: logs) else { return [] }
    return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".jsonl") }.map { "logs/" + $0 }.sorted()
}

/// `target` relative to the folder `base` (both absolute, standardized).
func relativePath(from base: URL, to target: URL) -> String {
    let a = base.pathComponents, b = target.pathComponents
    var common = 0
    while common < a.count && common < b.count && a[common] == b[common] { common += 1 }
    let up = Array(repeating: "..", count: a.count - common)
    // Each component percent-encoded: a scenario named with '#', '?' or '%' still links.
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove(charactersIn: "/?#%;")
    return (up + b[common...].map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0 }).joined(separator: "/")
}
