import ControlLoop
import Foundation
import MotionTypes
import Realtime
import SafetyInterlock
import Synchronization

/// One run of a campaign: a scenario with one seed, and what it showed.
public struct CampaignRun: Sendable {
    public enum Status: String, Sendable {
        case passed = "PASS"
        case failed = "FAIL"
        /// The run could not complete (e.g. its log could not be written).
        case error = "ERROR"
    }

    public var scenarioPath: String
    public var scenarioName: String
    /// The scenario's path relative to the campaign root it was found under, without `.yaml`.
    public var scenarioID: String
    public var hazards: [String]
    public var seed: UInt64
    public var status: Status
    public var expectations: [ExpectationResult]
    public var errorMessage: String?
    public var logPath: String
    /// The log's path relative to the campaign's output folder (what reports show).
    public var relativeLogPath: String
    public var finalHash: String
    /// Ticks from the first fault onset to the first trip (nil: no fault, or no trip).
    public var detectionLatencyTicks: Int64?
    /// Metres.
    public var peakExcursion: Double
    /// Trips nothing called for: before the first fault's onset; in a run without faults,
    /// those of checks its expectations do not require to trip (`trips:`).
    public var falseTrips: Int
    /// The first fault's onset tick (nil: no faults, or a start check).
    public var firstOnsetTick: Int64? = nil
    /// Simulated duration, seconds.
    public var simulatedSeconds: Double
    /// Control period, seconds (for converting ticks).
    public var period: Double
    /// Checks that tripped.
    public var trippedChecks: [String]
    /// The risk controls this run showed acting, for the traceability matrix: when it passed,
    /// the checks its expectations required to trip (`trips`), the board watchdog when it
    /// required the boards to stop (`board_stops: T`), and a start check's refusal. A twin or
    /// a nominal run demonstrates none: it shows the controls stay quiet, not that they act.
    /// Worked out from what a run records (and runs.json keeps), so a campaign and a report
    /// read back from an older runs.json agree: the expectations' texts are
    /// ``ScenarioRunner``'s (`CHECK trips …`, `the boards' watchdog removes power within …`).
    public var demonstratedChecks: [String] {
        guard status == .passed else { return [] }
        var names: [String] = []
        func add(_ name: String) { if !names.contains(name) { names.append(name) } }
        for e in expectations where e.passed {
            if let check = Self.requiredTrip(e.expectation) { add(check) }
            if e.expectation.hasPrefix("the boards' watchdog removes power within") { add("board watchdog") }
        }
        // A passing start check that was refused expected the refusal.
        for check in trippedChecks where ["hardware_identity", "profile_validation"].contains(check) { add(check) }
        return names
    }

    /// Of `trips` (tick, check), those nothing called for: before `onset`; without faults, of
    /// checks the run's expectations do not require to trip (a scenario that drives the arm
    /// into a check, such as H04's insertion pair, calls for those trips). The expectations'
    /// texts are ``ScenarioRunner``'s (`CHECK trips …`), so a log's header gives the same.
    public static func falseTrips(_ trips: [(tick: Int64, check: String)], onset: Int64?, expectations: [ExpectationResult]) -> Int {
        if let onset { return trips.filter { $0.tick < onset }.count }
        let required = Set(expectations.compactMap { requiredTrip($0.expectation) })
        return trips.filter { !required.contains($0.check) }.count
    }

    /// The check a `trips` expectation requires (its text is `CHECK trips …`), or nil.
    static func requiredTrip(_ expectation: String) -> String? {
        let words = expectation.split(separator: " ")
        return words.count >= 2 && words[1] == "trips" ? String(words[0]) : nil
    }

    /// The control a start check's refusal shows acting, for the traceability matrix, from the
    /// refusal's name in the log (`invalid_profile`, `hardware_mismatch`).
    public static func startCheckControl(refusal: String) -> String {
        refusal == StartCheckScenario.Refusal.invalidProfile.rawValue ? "profile_validation" : "hardware_identity"
    }

    /// `detectionLatencyTicks` in milliseconds.
    public var detectionLatencyMs: Double? { detectionLatencyTicks.map { Double($0) * period * 1000 } }

    public init(
        scenarioPath: String, scenarioName: String, scenarioID: String, hazards: [String], seed: UInt64, status: Status,
        expectations: [ExpectationResult], errorMessage: String?, logPath: String, relativeLogPath: String, finalHash: String,
        detectionLatencyTicks: Int64?, peakExcursion: Double, falseTrips: Int, simulatedSeconds: Double, period: Double,
        trippedChecks: [String]
    ) {
        self.scenarioPath = scenarioPath
        self.scenarioName = scenarioName
        self.scenarioID = scenarioID
        self.hazards = hazards
        self.seed = seed
        self.status = status
        self.expectations = expectations
        self.errorMessage = errorMessage
        self.logPath = logPath
        self.relativeLogPath = relativeLogPath
        self.finalHash = finalHash
        self.detectionLatencyTicks = detectionLatencyTicks
        self.peakExcursion = peakExcursion
        self.falseTrips = falseTrips
        self.simulatedSeconds = simulatedSeconds
        self.period = period
        self.trippedChecks = trippedChecks
    }
}

/// Scenarios × seeds, run on all cores. Results are in plan order whatever the number of jobs,
/// and each run is deterministic, so summaries, JUnit and logs do not depend on `jobs`.
public struct CampaignPlan: Sendable {
    public struct Item: Sendable {
        public var scenario: ScenarioFile
        public var scenarioID: String
        public var seed: UInt64
    }

    public var items: [Item]

    /// The most runs one campaign plans (its plan and its results are held in memory).
    public static let maxRuns = 1_000_000

    /// Every scenario file under `paths` (files or folders, searched recursively, in sorted
    /// order), each with `seeds` consecutive seeds starting at its own (a start check, once).
    /// Hardware profiles found
    /// in the folders (the bad ones that start checks use) are not scenarios and are skipped.
    /// The files are read and validated by `jobs` threads (nil: one per core; `--jobs 1`
    /// keeps every phase of the campaign on one core).
    public static func load(paths: [String], seeds: Int, jobs: Int? = nil) throws(ValidationError) -> CampaignPlan {
        var files: [(path: String, id: String)] = []
        var missing: [Diagnostic] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                missing.append(Diagnostic(location: FileLocation(file: path, line: 1, column: 1), field: "", message: "no such file or folder"))
                continue
            }
            if isDirectory.boolValue {
                let found = (FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? [])
                    .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                for relative in found where !isProfile((path as NSString).appendingPathComponent(relative)) {
                    let base = (path as NSString).lastPathComponent
                    let id = (base == "." ? relative : "\(base)/\(relative)") as NSString
                    files.append(((path as NSString).appendingPathComponent(relative), id.deletingPathExtension))
                }
            } else {
                files.append((path, ((path as NSString).lastPathComponent as NSString).deletingPathExtension))
            }
        }
        // A file named twice (twice on the command line, or a folder and a file in it) runs once.
        var seen = Set<String>()
        files = files.filter { seen.insert(URL(fileURLWithPath: $0.path).standardizedFileURL.resolvingSymlinksInPath().path).inserted }
        // Two different files with the same name under the campaign would write the same logs
        // (logs/ID-seedN.jsonl), one over the other: refused before anything runs.
        var firstWithID: [String: String] = [:]
        for file in files {
            if let other = firstWithID[file.id] {
                missing.append(
                    Diagnostic(
                        location: FileLocation(file: file.path, line: 1, column: 1), field: "",
                        message: "has the same campaign name '\(file.id)' as \(other), so both would write logs/\(file.id)-seed…jsonl; "
                            + "rename one, or name their common parent folder instead"))
            } else {
                firstWithID[file.id] = file.path
            }
        }
        // Read and validated by `jobs` workers; the plan keeps the files' order.
        let profiles = ProfileCache()
        let paths = files.map(\.path)
        let loaded = inParallel(paths.count, workers: jobs ?? ProcessInfo.processInfo.activeProcessorCount) { i in
            do throws(ValidationError) {
                return Result<ScenarioFile, ValidationError>.success(try ScenarioLoader.loadAny(path: paths[i], profiles: profiles))
            } catch {
                return .failure(error)
            }
        }
        var diagnostics = missing
        var items: [Item] = []
        for (file, result) in zip(files, loaded) {
            switch result {
            case let .success(scenario):
                // A start check simulates nothing, so its seed changes nothing: it runs once.
                let count: Int
                if case .startCheck = scenario { count = 1 } else { count = max(1, seeds) }
                guard scenario.seed <= UInt64.max - UInt64(count - 1) else {
                    diagnostics.append(
                        Diagnostic(
                            location: FileLocation(file: file.path, line: 1, column: 1), field: "seed",
                            message: "seed \(scenario.seed) with \(count) seeds would go past the largest seed, \(UInt64.max)"))
                    continue
                }
                guard items.count + count <= maxRuns else {
                    if !diagnostics.contains(where: { $0.field == "campaign" }) {
                        diagnostics.append(
                            Diagnostic(
                                location: FileLocation(file: file.path, line: 1, column: 1), field: "campaign",
                                message: "with this scenario the campaign would have more than \(maxRuns) runs: give fewer seeds or fewer scenarios"))
                    }
                    continue
                }
                for i in 0..<count {
                    items.append(Item(scenario: scenario, scenarioID: file.id, seed: scenario.seed &+ UInt64(i)))
                }
            case let .failure(error):
                diagnostics += error.diagnostics
            }
        }
        guard diagnostics.isEmpty else { throw ValidationError(diagnostics) }
        return CampaignPlan(items: items)
    }

    /// Whether the file declares the profile format (in its first lines, before any other key).
    static func isProfile(_ path: String) -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).prefix(40) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            return trimmed.hasPrefix("format:") && trimmed.contains("vigil-profile/")
        }
        return false
    }
}

public enum CampaignRunner {
    /// Runs every item of `plan` with `jobs` workers, writing logs under `logFolder`.
    /// `progress` is called (from any thread, one call at a time) after each run.
    /// Logs go under `outFolder/logs/`.
    public static func run(
        _ plan: CampaignPlan, jobs: Int, outFolder: String, metadata: RunMetadata, trace: Bool = false,
        progress: @Sendable (_ done: Int, _ total: Int, _ run: CampaignRun) -> Void
    ) throws(CampaignFlushError) -> [CampaignRun] {
        let total = plan.items.count
        let done = Mutex<Int>(0)
        // The flush is opened before the first log is written, so that it reports a write-back
        // that fails while the runs go on (see FileSystemFlush).
        try? FileManager.default.createDirectory(atPath: outFolder, withIntermediateDirectories: true)
        let flush = try? FileSystemFlush(folder: outFolder)
        let runs = inParallel(total, workers: jobs) { index in
            let run = runOne(plan.items[index], outFolder: outFolder, metadata: metadata, trace: trace)
            done.withLock { count in
                count += 1
                progress(count, total, run)
            }
            return run
        }
        // The runs skip their own fsync (one per file serialises the workers on the file
        // system's journal); one flush makes every log durable at once, and says if it failed.
        // (Had the folder not opened, flushing it by name at least reports why.)
        let failure = if let flush { flush.flush() } else { Realtime.syncFileSystem(containing: outFolder) }
        if let failure { throw CampaignFlushError(folder: outFolder, errno: failure) }
        return runs
    }


    static func runOne(_ item: CampaignPlan.Item, outFolder: String, metadata: RunMetadata, trace: Bool) -> CampaignRun {
        let relative = "logs/\(item.scenarioID)-seed\(item.seed).jsonl"
        let s: Scenario
        switch item.scenario {
        case let .run(scenario): s = scenario
        case let .startCheck(check): return runStartCheck(check, item: item, relative: relative, outFolder: outFolder, metadata: metadata)
        }
        let logPath = (outFolder as NSString).appendingPathComponent(relative)
        var run = CampaignRun(
            scenarioPath: s.path, scenarioName: s.name, scenarioID: item.scenarioID, hazards: s.hazards, seed: item.seed,
            status: .error, expectations: [], errorMessage: nil, logPath: logPath, relativeLogPath: relative, finalHash: "",
            detectionLatencyTicks: nil, peakExcursion: 0, falseTrips: 0,
            simulatedSeconds: Double(s.durationTicks) / s.profile.rate, period: 1 / s.profile.rate, trippedChecks: [])
        do {
            let result = try ScenarioRunner.runSimulated(s, seed: item.seed, logPath: logPath, metadata: metadata, trace: trace, durable: false)
            run.status = result.passed ? .passed : .failed
            run.expectations = result.expectations
            run.finalHash = result.finalHash
            run.peakExcursion = result.peakExcursion
            run.firstOnsetTick = s.firstOnset
            if let onset = s.firstOnset, let detection = result.firstDetectionTick { run.detectionLatencyTicks = detection - onset }
            run.falseTrips = CampaignRun.falseTrips(result.trips.map { ($0.tick, $0.trip.check.name) }, onset: s.firstOnset, expectations: run.expectations)
            var checks: [String] = []
            for trip in result.trips where !checks.contains(trip.trip.check.name) { checks.append(trip.trip.check.name) }
            run.trippedChecks = checks
        } catch {
            run.status = .error
            run.errorMessage = "\(error)"
        }
        return run
    }
}

/// The campaign's logs could not be flushed to the disk: a write-back failed, so the files the
/// reports cite may be incomplete on the disk.
public struct CampaignFlushError: Error, CustomStringConvertible {
    public var folder: String
    public var errno: Int32
    public var description: String {
        "the logs under \(folder) could not be flushed to the disk (\(String(cString: strerror(errno)))): they may be incomplete"
    }
}

extension CampaignRunner {
    static func runStartCheck(
        _ check: StartCheckScenario, item: CampaignPlan.Item, relative: String, outFolder: String, metadata: RunMetadata
    ) -> CampaignRun {
        let logPath = (outFolder as NSString).appendingPathComponent(relative)
        var run = CampaignRun(
            scenarioPath: check.path, scenarioName: check.name, scenarioID: item.scenarioID, hazards: check.hazards, seed: item.seed,
            status: .error, expectations: [], errorMessage: nil, logPath: logPath, relativeLogPath: relative, finalHash: "",
            detectionLatencyTicks: nil, peakExcursion: 0, falseTrips: 0, simulatedSeconds: 0, period: 0, trippedChecks: [])
        do {
            let outcome = try StartCheckRunner.run(check, seed: item.seed, logPath: logPath, metadata: metadata)
            run.status = outcome.passed ? .passed : .failed
            run.expectations = outcome.expectations
            run.finalHash = outcome.finalHash
            // The refusal is the detection, at start: latency 0.
            if outcome.refusal != nil { run.detectionLatencyTicks = 0 }
            run.trippedChecks = outcome.refusal.map { [CampaignRun.startCheckControl(refusal: $0.rawValue)] } ?? []
        } catch {
            run.status = .error
            run.errorMessage = "\(error)"
        }
        return run
    }
}

/// `body(i)` for every `i` in `0..<count`, on `workers` threads that each take the next index
/// when they are free; the results in index order, whatever the number of workers.
func inParallel<T: Sendable>(_ count: Int, workers: Int, _ body: @Sendable (Int) -> T) -> [T] {
    let results = Mutex<[T?]>(Array(repeating: nil, count: count))
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { _ in
        while true {
            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard i < count else { return }
            let result = body(i)
            results.withLock { $0[i] = result }
        }
    }
    return results.withLock { $0.map { $0! } }
}
