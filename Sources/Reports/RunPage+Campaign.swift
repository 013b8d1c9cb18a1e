import Foundation
public import Scenarios

extension RunPage {
    /// Where what `runs.json` records for this run disagrees with the log: its verdict and
    /// expectations, the scenario, seed and hazards, and every figure the campaign's page shows
    /// (onset, detection latency, excursion, false trips, tripped checks), each worked out from
    /// the log the way the campaign worked it out. nil when they agree, or when the log has no
    /// summary to compare. `runs.json` carries no hash: whatever it says must match the
    /// hash-chained log, or the report does not vouch for it.
    public func disagreement(with run: CampaignRun) -> String? {
        if let verdict = disagreement(status: run.status.rawValue, expectations: run.expectations) { return verdict }
        guard let summary else { return nil }
        var differ: [String] = []
        let scenario = header["scenario"] as? [String: Any] ?? [:]
        let path = scenario["path"] as? String ?? ""
        let stem = (path as NSString).deletingPathExtension
        if path != run.scenarioPath || !(stem == run.scenarioID || stem.hasSuffix("/" + run.scenarioID)) { differ.append("scenario") }
        if scenario["name"] as? String != run.scenarioName { differ.append("scenario name") }
        if scenario["hazards"] as? [String] ?? [] != run.hazards { differ.append("hazards") }
        if (header["seed"] as? NSNumber)?.uint64Value != run.seed { differ.append("seed") }

        let startCheck = header["start_check"] as? Bool ?? false
        let onset = startCheck ? nil : Self.firstOnset(faults: header["faults"] as? [String] ?? [])
        if onset != run.firstOnsetTick { differ.append("first fault onset") }
        let trips: [(tick: Int64, check: String)] = records.compactMap { r in
            guard r["type"] as? String == "check_tripped", let tick = (r["tick"] as? NSNumber)?.int64Value, let check = r["check"] as? String else { return nil }
            return (tick, check)
        }
        var tripped: [String] = []
        let latency: Int64?
        if startCheck {
            let refusal = records.first { $0["type"] as? String == "start_refused" }?["reason"] as? String
            latency = refusal == nil ? nil : 0
            if let refusal { tripped = [CampaignRun.startCheckControl(refusal: refusal)] }
        } else {
            let detection = (summary["first_detection_tick"] as? NSNumber)?.int64Value
            latency = onset.flatMap { o in detection.map { $0 - o } }
            for trip in trips where !tripped.contains(trip.check) { tripped.append(trip.check) }
        }
        if latency != run.detectionLatencyTicks { differ.append("detection latency") }
        if tripped != run.trippedChecks { differ.append("tripped checks") }
        if ((summary["peak_excursion_m"] as? NSNumber)?.doubleValue ?? 0) != run.peakExcursion { differ.append("peak excursion") }
        let expected = (header["expectations"] as? [String] ?? []).map { ExpectationResult(expectation: $0, passed: true, figure: "") }
        if CampaignRun.falseTrips(trips, onset: onset, expectations: expected) != run.falseTrips { differ.append("false trips") }
        guard !differ.isEmpty else { return nil }
        return "runs.json records another \(differ.joined(separator: ", ")) than the log"
    }

    /// The first fault's onset tick from the header's fault texts (`… from tick N` or
    /// `… ticks N..<M`, as the scenario loader writes them); nil without faults.
    static func firstOnset(faults: [String]) -> Int64? {
        faults.compactMap { text -> Int64? in
            for marker in [", from tick ", ", ticks "] {
                guard let range = text.range(of: marker, options: .backwards) else { continue }
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let tick = Int64(digits) { return tick }
            }
            return nil
        }.min()
    }
}
