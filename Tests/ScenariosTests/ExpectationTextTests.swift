import Foundation
@testable import Scenarios
import Testing

/// The text of an expectation shows its limit as written, and the figure beside it has the
/// digits to be compared with it: a verdict never reads "at most 0.002 — peak 0.002, FAIL".
@Suite struct ExpectationTextTests {
    @Test(arguments: [
        (1.0, "1", 3), (0.4, "0.400", 3), (0.25, "0.250", 3), (12.345, "12.345", 3),
        (0.0019, "0.0019", 5), (0.0015, "0.0015", 5), (0.12345, "0.12345", 6), (2.9999999999, "3", 3),
    ])
    func limitsReadAsWritten(_ millimetres: Double, _ text: String, _ decimals: Int) {
        let bound = ScenarioRunner.bound(millimetres)
        #expect(bound.text == text)
        #expect(bound.figureDecimals == decimals)
    }

    @Test func aPeakJustAboveAFineLimitReadsAbove() throws {
        let profile = try ProfileLoader.load(path: repositoryRoot.appendingPathComponent("HardwareProfiles/dvrk-psm.yaml").path)
        // 0.0019 mm in metres, as the decoder holds it.
        let limit = 0.0019 / 1000
        #expect(ScenarioRunner.describe(.maxExcursion(limit), profile) == "tip excursion at most 0.0019 mm")
        let peak = 1.938e-6
        #expect(ScenarioRunner.format(peak * 1000, decimals: ScenarioRunner.bound(limit * 1000).figureDecimals) == "0.00194")
    }

    @Test func largeTickCountsReadAsWholeNumbers() {
        #expect(ScenarioRunner.format(1_099_511_627_776) == "1099511627776")
        #expect(ScenarioRunner.format(0.5) == "0.500")
    }
}
