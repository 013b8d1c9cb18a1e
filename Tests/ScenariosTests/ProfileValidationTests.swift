import Foundation
import Scenarios
import Testing

/// Every kind of invalid profile is rejected with the file, the line, the field and the reason.
@Suite struct ProfileValidationTests {
    @Test func unknownKeyIsRejectedWithASuggestion() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "    hold_after: 20 ms", with: "    hold_aftr: 20 ms")
        let d = edit.diagnostics()
        // The misspelt key is unknown, and the real one is then missing.
        #expect(d.contains { $0.location.line == edit.line && $0.field == "safety.tip_speed.hold_aftr" && $0.message.contains("did you mean 'hold_after'") })
        #expect(d.contains { $0.field == "safety.tip_speed" && $0.message.contains("missing required field 'hold_after'") })
    }

    @Test func unknownTopLevelKey() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "name: Desk bench", with: "nickname: Desk bench")
        let d = edit.diagnostics()
        #expect(d.contains { $0.location.line == edit.line && $0.field == "nickname" && $0.message.contains("unknown field 'nickname'") })
        #expect(d.contains { $0.message.contains("missing required field 'name'") })
    }

    @Test func missingSafetyCheckNamesTheHazardAndHowToDisableIt() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "  temperature:             # H13", with: "  temperature_x:           # H13")
        let d = edit.diagnostics()
        #expect(d.contains { $0.field == "safety" && $0.message.contains("missing required field 'temperature'") && $0.message.contains("H13") && $0.message.contains("disabled: true") })
    }

    @Test(arguments: [".nan", ".inf", "-.inf", "nan rad"])
    func nonFiniteValuesAreRejected(_ bad: String) throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "limits: [0.5 rad, 0.5 rad, 0.05 m,", with: "limits: [\(bad), 0.5 rad, 0.05 m,")
        expectSingle(edit.diagnostics(), line: edit.line, field: "safety.tracking_error.limits[0]", "not a finite number")
    }

    @Test func nanInADimensionlessField() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "    factor: 1.2", with: "    factor: .nan")
        expectSingle(edit.diagnostics(), line: edit.line, field: "safety.overcurrent.factor", "not a finite number")
    }

    @Test func minAboveMaxIsRejected() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "limits: { min: -53 deg, max: 53 deg }", with: "limits: { min: 53 deg, max: -53 deg }")
        expectSingle(edit.diagnostics(), line: edit.line, field: "joints[1].limits.max", "must be greater than min")
    }

    @Test func warningAboveErrorTemperatureIsRejected() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "    error: 65 degC", with: "    error: 55 degC")
        expectSingle(edit.diagnostics(), line: edit.line, field: "safety.temperature.error", "must be above warning")
    }

    @Test func zeroThresholdIsNotASilentDisable() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "    latency: 10 ms", with: "    latency: 0 ms")
        expectSingle(edit.diagnostics(), line: edit.line, field: "safety.encoder_potentiometer.latency", "disabled: true")
    }

    /// A duration too large for a tick count is refused with its line, not trapped on.
    @Test(arguments: ["1e20 s", "1099511627777 ticks", "9223372036854775807 ticks", "9223372036854775808 ticks"])
    func hugeDurationIsRefused(_ value: String) throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "    latency: 10 ms", with: "    latency: \(value)")
        expectSingle(edit.diagnostics(), line: edit.line, field: "safety.encoder_potentiometer.latency", "is too long: at most 1099511627776 ticks")
    }

    /// A round-trip budget of seconds is refused with its line (1e300 s used to trap when the
    /// run converted it to microseconds); 1 s is the most a profile may give.
    @Test(arguments: [("1e300 s", false), ("1.001 s", false), ("1 s", true), ("20 ms", true)])
    func roundTripBudgetAboveASecondIsRefused(_ value: String, _ accepted: Bool) throws {
        try EditedProfile("dvrk-psm.yaml", replacing: "max_round_trip: 900 us", with: "max_round_trip: \(value)")
            .expect(refusal: accepted ? nil : "is above 1 s", field: "safety.communication.max_round_trip")
    }

    @Test func idleMotionWithoutASettlingTime() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "    settle: 100 ms", with: "    settle: 0 ms")
        expectSingle(edit.diagnostics(), line: edit.line, field: "safety.idle_motion.settle", "disabled: true")
    }

    @Test func idleMotionFinerThanTheEncoder() throws {
        // The bench's XM430: 4096 counts a turn, two counts 0.1758 deg.
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "max_distance: [1 deg, 1 deg, 1 deg]", with: "max_distance: [1 deg, 0.17 deg, 1 deg]")
        expectSingle(
            edit.diagnostics(), line: edit.line, field: "safety.idle_motion.max_distance",
            "finer than two encoder counts of 'shoulder_pitch' (two encoder counts are 0.1758 deg)")
        let fine = try EditedProfile("bench-3dof.yaml", replacing: "max_distance: [1 deg, 1 deg, 1 deg]", with: "max_distance: [1 deg, 0.18 deg, 1 deg]")
        #expect(throws: Never.self, "two counts and a little more is accepted") { try ProfileLoader.decode(fine.text, path: "edited.yaml") }
    }

    @Test func zeroInAPerJointList() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "distance: [5 deg, 5 deg, 5 mm,", with: "distance: [5 deg, 0 deg, 5 mm,")
        expectSingle(edit.diagnostics(), line: edit.line, field: "safety.encoder_potentiometer.distance[1]", "must be greater than 0")
    }

    @Test func disabledCheckNeedsAReason() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "    reason: the servos have no brakes", with: "")
        let d = edit.diagnostics()
        #expect(d.count == 1)
        #expect(d.first?.field == "safety.brake_slip")
        #expect(d.first?.message.contains("missing required field 'reason'") == true)
    }

    @Test func potentiometerCheckNeedsPotentiometers() throws {
        let text = try shippedProfileText("bench-3dof.yaml").replacingOccurrences(
            of: "    disabled: true\n    reason: XM430 servos have a single position sensor; no potentiometer to compare with",
            with: "    distance: [5 deg, 5 deg, 5 deg]\n    latency: 10 ms")
        #expect(throws: ValidationError.self) { try ProfileLoader.decode(text, path: "edited.yaml") }
        do {
            _ = try ProfileLoader.decode(text, path: "edited.yaml")
        } catch {
            #expect(error.diagnostics.count == 1)
            #expect(error.diagnostics[0].field == "safety.encoder_potentiometer")
            #expect(error.diagnostics[0].message.contains("'base_yaw', 'shoulder_pitch', 'elbow_pitch' have no potentiometer"))
        }
    }

    @Test func monitorSelfTestNeedsPotentiometers() throws {
        let text = try shippedProfileText("bench-3dof.yaml").replacingOccurrences(
            of: "    disabled: true\n    reason: no potentiometers to self-test (the servos' readings are quantised and may rest)",
            with: "    frozen_after: 50 ms")
        do {
            _ = try ProfileLoader.decode(text, path: "edited.yaml")
            Issue.record("a self-test of absent potentiometers was accepted")
        } catch {
            #expect(error.diagnostics.map(\.field) == ["safety.monitor_inputs"])
            #expect(error.diagnostics.first?.message.contains("not every joint has one") == true)
        }
    }

    @Test func monitorSelfTestNeedsNoisyPotentiometers() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "      potentiometer: { noise: 0.05 mm }", with: "      potentiometer: { noise: 0 mm }")
        let d = edit.diagnostics()
        #expect(d.map(\.field) == ["safety.monitor_inputs"])
        #expect(d.first?.message.contains("the potentiometer noise of 'outer_insertion' is 0") == true, "\(d)")
    }

    @Test func valueWithoutAUnit() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "    max_shaft_distance: 1 mm", with: "    max_shaft_distance: 0.001")
        expectSingle(edit.diagnostics(), line: edit.line, field: "safety.remote_center.max_shaft_distance", "has no unit")
    }

    @Test func valueWithTheWrongUnit() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "limits: { min: 0 m, max: 0.24 m }", with: "limits: { min: 0 m, max: 0.24 rad }")
        expectSingle(edit.diagnostics(), line: edit.line, field: "joints[2].limits.max", "'rad' is not a unit of a length")
    }

    @Test func durationThatIsNotAWholeNumberOfTicks() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "    persistence: 10 ms", with: "    persistence: 10.5 ms")
        expectSingle(edit.diagnostics(), line: edit.line, field: "safety.brake_slip.persistence", "not a whole number of control periods")
    }

    @Test func perJointListOfTheWrongLength() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "max_step: [0.5 deg, 0.5 deg, 0.5 deg]", with: "max_step: [0.5 deg, 0.5 deg]")
        expectSingle(edit.diagnostics(), line: edit.line, field: "safety.command_step.max_step", "expected 3 values, one per joint")
    }

    @Test func unknownJointNameInTheChain() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "- { joint: elbow_pitch,    alpha: 0 deg,", with: "- { joint: elbow_pich,    alpha: 0 deg,")
        expectSingle(edit.diagnostics(), line: edit.line, field: "kinematics.chain[2].joint", "did you mean 'elbow_pitch'")
    }

    @Test func jointVariableGivenAsAConstant() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "a: 0.124 m, d: 0 m,     offset: -90 deg", with: "a: 0.124 m, d: 0 m, theta: 0 deg, offset: -90 deg")
        expectSingle(edit.diagnostics(), line: edit.line, field: "kinematics.chain[2].theta", "joint variable")
    }

    @Test func toolRotationThatIsNotARotation() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "rotation: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]", with: "rotation: [[1, 0, 0], [0, 1, 0], [0, 0, -1]]")
        expectSingle(edit.diagnostics(), line: edit.line, field: "kinematics.tool.rotation", "not a rotation")
    }

    @Test func duplicateServoId() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "- { id: 3, joint: elbow_pitch,", with: "- { id: 2, joint: elbow_pitch,")
        expectSingle(edit.diagnostics(), line: edit.line, field: "bus.servos[2].id", "servo id 2 is used twice")
    }

    /// A joint without a servo would be commanded with nothing attached.
    @Test func everyJointNeedsAServo() throws {
        let one = try EditedProfile("bench-3dof.yaml", replacing: "    - { id: 3, joint: elbow_pitch,    model_number: 1020, firmware: 52, zero_position: 2048, direction: 1 }", with: "")
        // Reported where the list starts: the line after `servos:`.
        let listLine = try #require(one.text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("  servos:") }) + 2
        expectSingle(one.diagnostics(), line: listLine, field: "bus.servos", "joint 'elbow_pitch' has no servo: every joint needs one on the bus")
        let none = try EditedProfile("bench-3dof.yaml", replacing: "  servos:", with: "  servos: []\n  unused:")
        #expect(none.diagnostics().contains { $0.field == "bus.servos" && $0.message.contains("joints 'base_yaw', 'shoulder_pitch', 'elbow_pitch' have no servo") })
    }

    @Test func aServoFirmwareVersionIsAByte() throws {
        for bad in ["256", "-1", "x"] {
            let edit = try EditedProfile("bench-3dof.yaml", replacing: "- { id: 3, joint: elbow_pitch,    model_number: 1020, firmware: 52,", with: "- { id: 3, joint: elbow_pitch,    model_number: 1020, firmware: \(bad),")
            let d = edit.diagnostics()
            #expect(d.count == 1 && d.first?.field == "bus.servos[2].firmware", "\(d)")
        }
    }

    @Test func aServoDirectionIsOneOrMinusOne() throws {
        for bad in ["0", "2", "-2", "x"] {
            let edit = try EditedProfile("bench-3dof.yaml", replacing: "- { id: 3, joint: elbow_pitch,    model_number: 1020, firmware: 52, zero_position: 2048, direction: 1 }", with: "- { id: 3, joint: elbow_pitch,    model_number: 1020, firmware: 52, zero_position: 2048, direction: \(bad) }")
            expectSingle(edit.diagnostics(), line: edit.line, field: "bus.servos[2].direction", "must be 1 or -1")
        }
    }

    /// The hint about disabling a check belongs to thresholds, not to a rate.
    @Test func aZeroRateGetsNoDisableHint() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "  rate: 1 kHz", with: "  rate: 0 kHz")
        expectSingle(edit.diagnostics(), line: edit.line, field: "control.rate", "must be greater than 0")
        #expect(!edit.diagnostics().contains { $0.message.contains("disabled: true") })
    }

    /// The interlock remembers the last 64 overruns, so a larger limit could never be reached.
    @Test(arguments: [("64", true), ("65", false)])
    func maxOverrunsIsAtMost64(_ value: String, _ valid: Bool) throws {
        let text = try shippedProfileText("dvrk-psm.yaml").replacingOccurrences(of: "    max_overruns: 3", with: "    max_overruns: \(value)")
        #expect(text.contains("max_overruns: \(value)"))
        do {
            _ = try ProfileLoader.decode(text, path: "edited.yaml")
            #expect(valid)
        } catch {
            #expect(!valid)
            #expect(error.diagnostics.map(\.message) == ["65 is out of range (1…64)"], "\(error.diagnostics)")
        }
    }

    /// H09/H15 bound the boards' own stop at 30 ms: a longer watchdog is refused.
    @Test(arguments: [("30 ms", true), ("31 ms", false), ("300 ms", false)])
    func boardWatchdogWithinTheHazardBound(_ value: String, _ valid: Bool) throws {
        let text = try shippedProfileText("dvrk-psm.yaml").replacingOccurrences(of: "    timeout: 30 ms", with: "    timeout: \(value)")
        do {
            _ = try ProfileLoader.decode(text, path: "edited.yaml")
            #expect(valid)
        } catch {
            #expect(!valid)
            #expect(error.diagnostics.map(\.message) == ["\(value) is above the 30 ms H09 and H15 allow for the boards to stop by themselves"])
        }
    }

    /// A threshold as wide as a joint's whole range (from min to max) can only trip on readings
    /// outside the joint's limits: the check is off in effect without saying so (H21), and is
    /// refused like a 0. Just below the range is accepted. PSM ranges: outer_yaw 540 deg,
    /// outer_pitch 106 deg, outer_insertion 240 mm, jaw 120 deg.
    @Test(arguments: [
        ("distance: [5 deg, 5 deg, 5 mm,", "distance: [539.999 deg, 5 deg, 5 mm,", "safety.encoder_potentiometer.distance[0]", true),
        ("distance: [5 deg, 5 deg, 5 mm,", "distance: [540.001 deg, 5 deg, 5 mm,", "safety.encoder_potentiometer.distance[0]", false),
        ("distance: [5 deg, 5 deg, 5 mm,", "distance: [1e6 deg, 5 deg, 5 mm,", "safety.encoder_potentiometer.distance[0]", false),
        ("limits: [0.5 rad, 0.5 rad, 0.05 m,", "limits: [0.5 rad, 0.5 rad, 0.2399 m,", "safety.tracking_error.limits[2]", true),
        ("limits: [0.5 rad, 0.5 rad, 0.05 m,", "limits: [0.5 rad, 0.5 rad, 0.24 m,", "safety.tracking_error.limits[2]", false),
        ("max_step: [0.5 deg, 0.5 deg, 1 mm,", "max_step: [0.5 deg, 105.999 deg, 1 mm,", "safety.command_step.max_step[1]", true),
        ("max_step: [0.5 deg, 0.5 deg, 1 mm,", "max_step: [0.5 deg, 106.001 deg, 1 mm,", "safety.command_step.max_step[1]", false),
        ("max_distance: [0.2 deg, 0.2 deg, 0.2 mm,", "max_distance: [0.2 deg, 0.2 deg, 240.001 mm,", "safety.idle_motion.max_distance[2]", false),
        ("margin: [2 deg, 2 deg, 2 mm, 5 deg, 5 deg, 5 deg, 5 deg]", "margin: [2 deg, 2 deg, 2 mm, 5 deg, 5 deg, 5 deg, 119.999 deg]", "safety.joint_limits.margin[6]", true),
        ("margin: [2 deg, 2 deg, 2 mm, 5 deg, 5 deg, 5 deg, 5 deg]", "margin: [2 deg, 2 deg, 2 mm, 5 deg, 5 deg, 5 deg, 120.001 deg]", "safety.joint_limits.margin[6]", false),
        ("distance: [0.5 deg, 0.5 deg, 0.5 mm,", "distance: [540.001 deg, 0.5 deg, 0.5 mm,", "safety.brake_slip.distance[0]", false),
        // A joint cannot cross its whole range in one tick: 540 deg in 1 ms.
        ("limits: [180 deg/s,", "limits: [539999 deg/s,", "safety.joint_velocity.limits[0]", true),
        ("limits: [180 deg/s,", "limits: [540001 deg/s,", "safety.joint_velocity.limits[0]", false),
    ])
    func thresholdAsWideAsTheJointsRangeIsRefused(_ original: String, _ replacement: String, _ field: String, _ accepted: Bool) throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: original, with: replacement)
        edit.expect(refusal: accepted ? nil : "so the check is off in effect", field: field)
        if !accepted { #expect(edit.diagnostics().first?.message.contains("'disabled: true'") == true) }
    }

    /// Two tip positions are at most twice the chain's reach apart (PSM: 2 × 0.8571 m), so a tip
    /// speed or operator step beyond that can never trip.
    @Test(arguments: [
        ("    limit: 0.1 m/s", "    limit: 1714.1 m/s", "safety.tip_speed.limit", true),
        ("    limit: 0.1 m/s", "    limit: 1714.3 m/s", "safety.tip_speed.limit", false),
        ("    limit: 0.1 m/s", "    limit: 1e308 m/s", "safety.tip_speed.limit", false),
        ("    max_step: 0.1 mm", "    max_step: 1.7141 m", "safety.operator_input.max_step", true),
        ("    max_step: 0.1 mm", "    max_step: 1.7143 m", "safety.operator_input.max_step", false),
    ])
    func cartesianThresholdBeyondTheWorkspaceIsRefused(_ original: String, _ replacement: String, _ field: String, _ accepted: Bool) throws {
        try EditedProfile("dvrk-psm.yaml", replacing: original, with: replacement)
            .expect(refusal: accepted ? nil : "is not below the arm's whole workspace", field: field)
    }

    /// A persistence longer than the bound HAZARDS.md gives its hazard cannot be detected within
    /// that bound: refused, like a board watchdog above 30 ms.
    @Test(arguments: [
        ("    max_age: 3 ticks", "    max_age: 3 ms", "safety.sensor_freshness.max_age", nil),
        ("    max_age: 3 ticks", "    max_age: 4 ticks", "safety.sensor_freshness.max_age", "4 ticks is above the 3 ms (3 ticks at 1000 Hz) H08 allows"),
        ("    max_age: 3 ticks", "    max_age: 5000 ticks", "safety.sensor_freshness.max_age", "5000 ticks is above the 3 ms (3 ticks at 1000 Hz) H08 allows"),
        ("    persistence: 2 ticks", "    persistence: 2 ms", "safety.supply_voltage.persistence", nil),
        ("    persistence: 2 ticks", "    persistence: 3 ms", "safety.supply_voltage.persistence", "3 ms is above the 2 ms (2 ticks at 1000 Hz) H16 allows"),
        ("    persistence: 10 ms", "    persistence: 10 ticks", "safety.brake_slip.persistence", nil),
        ("    persistence: 10 ms", "    persistence: 11 ms", "safety.brake_slip.persistence", "11 ms is above the 10 ms (10 ticks at 1000 Hz) H14 allows"),
        ("    max_consecutive_errors: 2", "    max_consecutive_errors: 1", "safety.communication.max_consecutive_errors", nil),
        ("    max_consecutive_errors: 2", "    max_consecutive_errors: 3", "safety.communication.max_consecutive_errors", "3 is above 2: H09 and H10 stop the arm at the 3rd failed bus cycle in a row"),
        ("    max_consecutive_errors: 2", "    max_consecutive_errors: 1000", "safety.communication.max_consecutive_errors", "1000 is above 2"),
        ("    max_consecutive_errors: 2", "    max_consecutive_errors: 0", "safety.communication.max_consecutive_errors", "0 is out of range (1 or 2; to turn the check off"),
    ] as [(String, String, String, String?)])
    func persistenceBeyondTheCatalogueBoundIsRefused(_ original: String, _ replacement: String, _ field: String, _ refusal: String?) throws {
        try EditedProfile("dvrk-psm.yaml", replacing: original, with: replacement).expect(refusal: refusal, field: field)
    }

    /// The catalogue's bounds are times (given at 1 kHz): at 2 kHz, H08's 3 ms are 6 ticks.
    @Test(arguments: [("6 ticks", true), ("7 ticks", false)])
    func catalogueBoundsAreTimesAtOtherRates(_ age: String, _ accepted: Bool) throws {
        let text = try shippedProfileText("bench-3dof.yaml")
            .replacingOccurrences(of: "  rate: 1 kHz", with: "  rate: 2 kHz")
            .replacingOccurrences(of: "    max_age: 3 ticks", with: "    max_age: \(age)")
        #expect(text.contains("rate: 2 kHz") && text.contains("max_age: \(age)"))
        var d: [Diagnostic] = []
        do { _ = try ProfileLoader.decode(text, path: "edited.yaml") } catch { d = error.diagnostics }
        if accepted {
            #expect(d.isEmpty, "\(d.map(\.description))")
        } else {
            #expect(d.map(\.message) == ["7 ticks is above the 3 ms (6 ticks at 2000 Hz) H08 allows for detecting stale sensor data"], "\(d.map(\.description))")
        }
    }

    /// Below 500 Hz a tick is longer than H16's 2 ms: one tick, the soonest any check can
    /// respond, is allowed (the bound was once floored to 0 ticks, refusing every value).
    @Test(arguments: [("1 tick", true), ("2 ticks", false)])
    func aTickLongerThanTheBoundAllowsOneTick(_ persistence: String, _ accepted: Bool) throws {
        let text = try shippedProfileText("bench-3dof.yaml")
            .replacingOccurrences(of: "  rate: 1 kHz", with: "  rate: 400 Hz")
            .replacingOccurrences(of: "    max_age: 3 ticks", with: "    max_age: 1 tick")
            .replacingOccurrences(of: "    persistence: 2 ticks", with: "    persistence: \(persistence)")
        var d: [Diagnostic] = []
        do { _ = try ProfileLoader.decode(text, path: "edited.yaml") } catch { d = error.diagnostics }
        if accepted {
            #expect(d.isEmpty, "\(d.map(\.description))")
        } else {
            #expect(d.map(\.message) == ["2 ticks is above the 2 ms (1 tick at 400 Hz) H16 allows for detecting a power loss"], "\(d.map(\.description))")
        }
    }

    @Test func unsupportedBaudRate() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "  baud: 4500000", with: "  baud: 4600000")
        expectSingle(edit.diagnostics(), line: edit.line, field: "bus.baud", "not a DYNAMIXEL X-series baud rate")
    }

    @Test func unsupportedFormat() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "format: vigil-profile/1", with: "format: vigil-profile/9")
        expectSingle(edit.diagnostics(), line: edit.line, field: "format", "unsupported format")
    }

    @Test func yamlSyntaxErrorHasALine() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "  rate: 1 kHz", with: "  rate: [1 kHz")
        let d = edit.diagnostics()
        #expect(d.count == 1)
        #expect(d.first?.message.hasPrefix("not valid YAML") == true)
        #expect((d.first?.location.line ?? 0) >= edit.line)
    }

    @Test func duplicateKey() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "  rate: 1 kHz", with: "  rate: 1 kHz\n  rate: 2 kHz")
        let d = edit.diagnostics()
        #expect(d.count == 1)
        #expect(d.first?.message.contains("duplicate key 'rate'") == true)
    }

    @Test func everyProblemIsReportedNotJustTheFirst() throws {
        var text = try shippedProfileText("bench-3dof.yaml")
        text = text.replacingOccurrences(of: "  rate: 1 kHz", with: "  rate: 1")
            .replacingOccurrences(of: "    factor: 1.2", with: "    factor: -1")
            .replacingOccurrences(of: "    category: 0", with: "    category: 3")
        do {
            _ = try ProfileLoader.decode(text, path: "edited.yaml")
            Issue.record("accepted")
        } catch {
            let fields = error.diagnostics.map(\.field)
            #expect(fields.contains("control.rate"))
            #expect(fields.contains("safety.overcurrent.factor"))
            #expect(fields.contains("safety.emergency_stop.category"))
            // Sorted by position in the file.
            let lines = error.diagnostics.map(\.location.line)
            #expect(lines == lines.sorted())
        }
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: ValidationError.self) { try ProfileLoader.load(path: "/nonexistent/profile.yaml") }
    }

    @Test func notAMappingAtTheTop() {
        do {
            _ = try ProfileLoader.decode("- just\n- a list\n", path: "edited.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.diagnostics.first?.message.contains("expected a mapping") == true)
            #expect(error.diagnostics.first?.location.line == 1)
        }
    }
}

@Suite struct QuantityTests {
    @Test(arguments: [
        ("5 deg", PhysicalDimension.angle, 5 * Double.pi / 180), ("0.5rad", .angle, 0.5), ("12 ms", .time, 0.012),
        ("2 mm", .length, 0.002), ("1 kHz", .frequency, 1000), ("50 mA", .current, 0.05), ("4.97 N.m", .torque, 4.97),
        ("90 deg/s", .angularVelocity, Double.pi / 2), ("-1.5e-3 m", .length, -0.0015), ("65 degC", .temperature, 65),
        ("900 us", .time, 0.0009), ("5 °", .angle, 5 * Double.pi / 180), ("65 °C", .temperature, 65),
        ("900 µs", .time, 0.0009), ("4.97 N·m", .torque, 4.97), ("2 mN·m/A", .torqueConstant, 0.002),
    ])
    func parsesValuesWithUnits(_ text: String, _ dimension: PhysicalDimension, _ expected: Double) throws {
        let value = try Quantity.parse(text, as: dimension).get()
        #expect(abs(value - expected) <= 1e-15 * max(1, abs(expected)))
    }

    @Test func rejectsMissingAndForeignUnits() {
        #expect(Quantity.parse("5", as: .angle) == .failure(.missingUnit))
        #expect(Quantity.parse("5 mm", as: .angle) == .failure(.wrongUnit("mm")))
        #expect(Quantity.parse("five deg", as: .angle) == .failure(.notANumber))
        #expect(Quantity.parse("inf deg", as: .angle) == .failure(.notANumber))
    }
}

/// Cross-field rules found in review: each must name the field and the reason.
@Suite struct ProfileCrossCheckTests {
    @Test func negativeOvercurrentMarginIsReported() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "    margin: 50 mA", with: "    margin: -50 mA")
        expectSingle(edit.diagnostics(), line: edit.line, field: "safety.overcurrent.margin", "must not be negative")
    }

    @Test func remoteCenterCheckNeedsARemoteCenter() throws {
        let text = try shippedProfileText("bench-3dof.yaml").replacingOccurrences(
            of: "    disabled: true\n    reason: desk arm without a remote centre of motion",
            with: "    max_shaft_distance: 1 mm\n    min_insertion_depth: 35 mm\n    stop_after: 1 s")
        let d = diagnostics(text)
        #expect(d.count == 1 && d.first?.field == "safety.remote_center")
        #expect(d.first?.message.contains("kinematics has no remote_center") == true)
    }

    @Test func brakeSlipCheckNeedsABrake() throws {
        let text = try shippedProfileText("bench-3dof.yaml").replacingOccurrences(
            of: "    disabled: true\n    reason: the servos have no brakes",
            with: "    distance: [1 deg, 1 deg, 1 deg]\n    persistence: 10 ms")
        let d = diagnostics(text)
        #expect(d.count == 1 && d.first?.field == "safety.brake_slip")
        #expect(d.first?.message.contains("no drive has a brake") == true)
    }

    @Test func reasonOnAnEnabledCheckIsRejected() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "    max_age: 3 ticks", with: "    max_age: 3 ticks\n    reason: because")
        let d = edit.diagnostics()
        #expect(d.count == 1 && d.first?.field == "safety.sensor_freshness.reason")
    }

    @Test func disabledCheckWithThresholdsIsRejected() throws {
        let edit = try EditedProfile("bench-3dof.yaml", replacing: "    reason: the servos have no brakes", with: "    reason: the servos have no brakes\n    persistence: 10 ms")
        let d = edit.diagnostics()
        #expect(d.count == 1 && d.first?.field == "safety.brake_slip.persistence")
        #expect(d.first?.message.contains("a disabled check takes only 'disabled' and 'reason'") == true)
    }

    @Test func durationWithoutAUnitMentionsTicks() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "    latency: 10 ms", with: "    latency: 10")
        expectSingle(edit.diagnostics(), line: edit.line, field: "safety.encoder_potentiometer.latency", "'10 ticks'")
    }

    @Test func brownoutMustBeBelowTheSupply() throws {
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "  brownout_voltage: 12 V", with: "  brownout_voltage: 30 V")
        expectSingle(edit.diagnostics(), line: edit.line, field: "simulation.brownout_voltage", "must be below supply_voltage")
    }

    @Test func simulatedSupplyMustBeAboveTheSafetyMinimum() throws {
        // Reported at the threshold, which is what an H21 start check names, with both values as written.
        let edit = try EditedProfile("dvrk-psm.yaml", replacing: "  supply_voltage: 24 V", with: "  supply_voltage: 19 V")
        let threshold = try #require(edit.text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("    min: 20 V") })
        expectSingle(
            edit.diagnostics(), line: threshold + 1, field: "safety.supply_voltage.min",
            "20 V is not below simulation.supply_voltage (19 V): every simulated run would trip")
    }

    func diagnostics(_ text: String) -> [Diagnostic] {
        do {
            _ = try ProfileLoader.decode(text, path: "edited.yaml")
            return []
        } catch {
            return error.diagnostics
        }
    }
}
