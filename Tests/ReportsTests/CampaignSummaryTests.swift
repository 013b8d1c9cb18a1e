@testable import Reports
import Scenarios
import Testing

/// The campaign table's "worst detection" and "false trips" say what happened across the seeds.
@Suite struct CampaignSummaryTests {
    static func run(seed: UInt64, onset: Int64?, latency: Int64?, status: CampaignRun.Status = .passed) -> CampaignRun {
        var run = CampaignRun(
            scenarioPath: "s.yaml", scenarioName: "s", scenarioID: "s", hazards: ["H07"], seed: seed, status: status, expectations: [],
            errorMessage: nil, logPath: "/out/logs/s-seed\(seed).jsonl", relativeLogPath: "logs/s-seed\(seed).jsonl", finalHash: "",
            detectionLatencyTicks: latency, peakExcursion: 0, falseTrips: 0, simulatedSeconds: 1, period: 0.001, trippedChecks: [])
        run.firstOnsetTick = onset
        return run
    }

    static func row(_ runs: [CampaignRun]) -> ScenarioSummary { CampaignReport(runs: runs).scenarios[0] }

    @Test func everySeedDetected() {
        let r = Self.row([Self.run(seed: 1, onset: 500, latency: 3), Self.run(seed: 2, onset: 500, latency: 10)])
        #expect(r.worstDetectionText == "10 ms" && r.undetected == 0)
    }

    /// Seeds that never detected their fault are the worst case: the table must not show the
    /// slowest of the others as if it were.
    @Test func aSeedThatNeverDetectedIsTheWorstCase() {
        let runs = [Self.run(seed: 1, onset: 500, latency: 3), Self.run(seed: 2, onset: 500, latency: nil), Self.run(seed: 3, onset: 500, latency: nil)]
        let r = Self.row(runs)
        #expect(r.worstDetectionText == "none (2 of 3)")
        #expect(r.worstDetectionMs == 3, "summary.json keeps the slowest detection beside the count")
        #expect(CampaignReport(runs: runs).json().contains("\"undetected_runs\":2"))
        #expect(CampaignReport(runs: runs).table().contains("none (2 of 3)"))
    }

    @Test func noSeedDetected() {
        #expect(Self.row([Self.run(seed: 1, onset: 500, latency: nil)]).worstDetectionText == "none")
    }

    /// Without a fault there is nothing to detect; a run that could not complete says nothing.
    @Test func noFaultOrAnErrorIsNotUndetected() {
        #expect(Self.row([Self.run(seed: 1, onset: nil, latency: nil)]).worstDetectionText == "-")
        #expect(Self.row([Self.run(seed: 1, onset: 500, latency: nil, status: .error)]).worstDetectionText == "-")
    }

    /// runs.json keeps the onset, so `vigil report` gives the same table.
    @Test func runsJSONKeepsTheOnset() throws {
        let report = CampaignReport(runs: [Self.run(seed: 1, onset: 500, latency: nil), Self.run(seed: 2, onset: nil, latency: nil)])
        let json = report.runsJSON()
        #expect(json.contains("\"first_onset_tick\":500") && json.contains("\"first_onset_tick\":null"))
    }

    static func expectation(_ text: String) -> ExpectationResult { ExpectationResult(expectation: text, passed: true, figure: "") }

    @Test func tripsBeforeTheOnsetAreFalse() {
        let trips: [(tick: Int64, check: String)] = [(100, "tip_speed"), (499, "idle_motion"), (500, "encoder_potentiometer"), (900, "tip_speed")]
        #expect(CampaignRun.falseTrips(trips, onset: 500, expectations: [Self.expectation("encoder_potentiometer trips within 11 ms of onset")]) == 2)
    }

    /// Without faults, the trips a scenario requires (`trips:`) are what it drives the arm into
    /// on purpose, as H04's insertion pair does; any other trip is false.
    @Test func withoutFaultsTheRequiredTripsAreNotFalse() {
        let trips: [(tick: Int64, check: String)] = [(1433, "insertion_depth"), (2433, "insertion_depth_stop"), (2500, "tip_speed")]
        let expectations = ["insertion_depth trips", "insertion_depth_stop trips", "final state is FAULT"].map(Self.expectation)
        #expect(CampaignRun.falseTrips(trips, onset: nil, expectations: expectations) == 1)
        #expect(CampaignRun.falseTrips(trips, onset: nil, expectations: []) == 3)
    }
}
