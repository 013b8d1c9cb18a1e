import Foundation
import Kinematics
import MotionTypes

extension ProfileDecoding {
    /// Every check must be present: with its thresholds, or `disabled: true` with a `reason`.
    ///
    /// `jointsValid`: every joint's limits were read (else the joints carry placeholders, and
    /// thresholds are not compared with their ranges). `reach`: the kinematic chain's
    /// ``KinematicModel/reach``, when the chain was read.
    func safety(
        _ field: Field, joints: [HardwareProfile.Joint], jointsValid: Bool, rate: Double?,
        actuators: [HardwareProfile.Actuator]?, hasRemoteCenter: Bool, reach: Double?
    ) -> SafetyThresholds? {
        guard let m = MappingReader(reader, field) else { return nil }
        typealias T = SafetyThresholds
        // A threshold no pair of positions inside a joint's limits can exceed switches its check
        // off without saying so (H21): refused like a 0.
        var range: Ceilings?
        var rangePerTick: Ceilings?
        if jointsValid {
            range = { i in
                let span = joints[i].upper - joints[i].lower
                return Ceiling(span, "the whole range of '\(joints[i].name)' (\(describe(span, joints[i].kind, .position)))")
            }
            if let rate {
                rangePerTick = { i in
                    let speed = (joints[i].upper - joints[i].lower) * rate
                    return Ceiling(
                        speed, "the whole range of '\(joints[i].name)' in one tick (\(describe(speed, joints[i].kind, .velocity)) at \(hertz(rate)))")
                }
            }
        }
        // Likewise for the tip: two tip positions are at most twice the chain's reach apart.
        var workspace: Ceiling?
        var workspacePerTick: Ceiling?
        if let reach {
            let across = String(format: "%.4g", 2 * reach)
            workspace = Ceiling(2 * reach, "the arm's whole workspace (at most \(across) m across)")
            if let rate {
                let fastest = 2 * reach * rate
                workspacePerTick = Ceiling(
                    fastest, "the arm's whole workspace in one tick (at most \(across) m across: \(String(format: "%.6g", fastest)) m/s at \(hertz(rate)))")
            }
        }

        let commandStep = check(m, "command_step", "H01") { c in
            c.required("max_step", "per joint, largest command change in one tick").flatMap { perJoint($0, joints, .position, below: range) }
                .map(T.PerJoint.init)
        }
        let idleMotion = check(m, "idle_motion", "H01") { c -> T.Persistent<T.PerJoint>? in
            let distance = c.required("max_distance", "per joint, how far a standing joint may be from where it was told to stand")
                .flatMap { perJoint($0, joints, .position, below: range) }
            let settle = c.required("settle", "how long a standing arm may take to come to rest before its position is watched")
                .flatMap { ticks($0, rate: rate) }
            guard let distance, let settle else { return nil }
            return T.Persistent(value: T.PerJoint(values: distance), ticks: settle)
        }
        let trackingError = check(m, "tracking_error", "H02") { c in
            c.required("limits", "per joint").flatMap { perJoint($0, joints, .position, below: range) }.map(T.PerJoint.init)
        }
        let jointVelocity = check(m, "joint_velocity", "H02") { c in
            c.required("limits", "per joint").flatMap { perJoint($0, joints, .velocity, below: rangePerTick) }.map(T.PerJoint.init)
        }
        let tipSpeed = check(m, "tip_speed", "H03") { c -> T.TipSpeed? in
            let limit = c.required("limit").flatMap { f in positive(f, .linearVelocity).flatMap { below(f, $0, workspacePerTick) } }
            let hold = c.required("hold_after", "how long clamping may last before a hold").flatMap { ticks($0, rate: rate) }
            guard let limit, let hold else { return nil }
            return T.TipSpeed(limit: limit, holdAfter: hold)
        }
        let remoteCenter = check(m, "remote_center", "H04") { c -> T.RemoteCenterLimits? in
            let distance = c.required("max_shaft_distance").flatMap { positive($0, .length) }
            let depth = c.required("min_insertion_depth").flatMap { positive($0, .length) }
            let stopAfter = c.required("stop_after", "how long the shaft may stay beyond max_shaft_distance, or the arm held for a shallow insertion, before a protective stop")
                .flatMap { ticks($0, rate: rate) }
            guard let distance, let depth, let stopAfter else { return nil }
            return T.RemoteCenterLimits(maxShaftDistance: distance, minInsertionDepth: depth, stopAfter: stopAfter)
        }
        let jointLimitMargin = check(m, "joint_limits", "H05") { c in
            c.required("margin", "per joint, how far beyond a limit a measured position may be").flatMap {
                perJoint($0, joints, .position, below: range)
            }.map(T.PerJoint.init)
        }
        let encoderPotentiometer = check(m, "encoder_potentiometer", "H06/H07") { c -> T.Persistent<T.PerJoint>? in
            let distance = c.required("distance", "per joint").flatMap { perJoint($0, joints, .position, below: range) }
            let latency = c.required("latency").flatMap { ticks($0, rate: rate) }
            guard let distance, let latency else { return nil }
            return T.Persistent(value: T.PerJoint(values: distance), ticks: latency)
        }
        let encoderStall = check(m, "encoder_stall", "H06") { c -> T.Persistent<T.PerJoint>? in
            let current = c.required("current", "per joint").flatMap { currents($0, joints) }
            let persistence = c.required("persistence").flatMap { ticks($0, rate: rate) }
            guard let current, let persistence else { return nil }
            return T.Persistent(value: T.PerJoint(values: current), ticks: persistence)
        }
        let sensorFreshness = check(m, "sensor_freshness", "H08") { c in
            c.required("max_age").flatMap { f in
                ticks(f, rate: rate).flatMap { withinCatalogue(f, $0, bound: 0.003, "H08 allows for detecting stale sensor data", rate: rate) }
            }
        }
        let overcurrent = check(m, "overcurrent", "H12") { c -> T.Overcurrent? in
            let factor = c.required("factor", "of the drive's current_max").flatMap { positiveNumber($0) }
            let margin = c.required("margin").flatMap { nonNegative($0, .current) }
            let persistence = c.required("persistence").flatMap { ticks($0, rate: rate) }
            guard let factor, let margin, let persistence else { return nil }
            return T.Overcurrent(factor: factor, margin: margin, ticks: persistence)
        }
        let temperature = check(m, "temperature", "H13") { c -> T.Temperature? in
            let warningField = c.required("warning")
            let errorField = c.required("error")
            let warning = warningField.flatMap { positive($0, .temperature) }
            let error = errorField.flatMap { positive($0, .temperature) }
            guard let warning, let error, let errorField else { return nil }
            guard warning < error else {
                reader.report(errorField, "error (\(errorField.text)) must be above warning (\(warningField?.text ?? ""))")
                return nil
            }
            return T.Temperature(warning: warning, error: error)
        }
        let brakeSlip = check(m, "brake_slip", "H14") { c -> T.Persistent<T.PerJoint>? in
            let distance = c.required("distance", "per joint").flatMap { perJoint($0, joints, .position, below: range) }
            let persistence = c.required("persistence").flatMap { f in
                ticks(f, rate: rate).flatMap { withinCatalogue(f, $0, bound: 0.010, "H14 allows for detecting a slipping brake", rate: rate) }
            }
            guard let distance, let persistence else { return nil }
            return T.Persistent(value: T.PerJoint(values: distance), ticks: persistence)
        }
        let deadline = check(m, "deadline", "H15") { c -> T.Deadline? in
            let count = c.required("max_overruns").flatMap { reader.integer($0, in: 1...64) }  // the interlock keeps the last 64 overruns
            let window = c.required("window").flatMap { ticks($0, rate: rate) }
            guard let count, let window else { return nil }
            return T.Deadline(maxOverruns: count, window: window)
        }
        let supplyVoltage = check(m, "supply_voltage", "H16") { c -> T.Persistent<Double>? in
            let minimum = c.required("min").flatMap { positive($0, .voltage) }
            let persistence = c.required("persistence").flatMap { f in
                ticks(f, rate: rate).flatMap { withinCatalogue(f, $0, bound: 0.002, "H16 allows for detecting a power loss", rate: rate) }
            }
            guard let minimum, let persistence else { return nil }
            return T.Persistent(value: minimum, ticks: persistence)
        }
        let emergencyStop = check(m, "emergency_stop", "H17") { c in
            c.required("category", "0: power off at once; 1: controlled stop, then power off").flatMap {
                reader.integer($0, in: 0...1)
            }
        }
        let operatorStep = check(m, "operator_input", "H18") { c in
            c.required("max_step", "largest Cartesian operator step in one tick").flatMap { f in
                positive(f, .length).flatMap { below(f, $0, workspace) }
            }
        }
        let operatorDropout = check(m, "operator_dropout", "H19") { c -> T.Dropout? in
            let holdField = c.required("hold_after")
            let stopField = c.required("stop_after")
            let hold = holdField.flatMap { ticks($0, rate: rate) }
            let stop = stopField.flatMap { ticks($0, rate: rate) }
            guard let hold, let stop, let stopField else { return nil }
            guard hold < stop else {
                reader.report(stopField, "stop_after (\(stopField.text)) must be later than hold_after (\(holdField?.text ?? ""))")
                return nil
            }
            return T.Dropout(holdAfter: hold, stopAfter: stop)
        }
        let boardWatchdog = check(m, "board_watchdog", "H09/H15") { c -> Int? in
            guard let f = c.required("timeout") else { return nil }
            guard let t = ticks(f, rate: rate) else { return nil }
            // The boards accept up to 0.3 s, but H09 and H15 bound a board's own stop at 30 ms.
            if let rate, Double(t) / rate > 0.030 + 1e-12 {
                reader.report(f, "\(f.text) is above the 30 ms H09 and H15 allow for the boards to stop by themselves")
                return nil
            }
            return t
        }
        let communication = check(m, "communication", "H09-H11") { c -> T.Communication? in
            var errors = c.required("max_consecutive_errors").flatMap { reader.integer($0, in: Int.min...Int.max) }
            // H09 bounds the host's stop at 3 cycles and H10 stops after 3 corrupt frames in a row.
            if let n = errors, let f = c.optional("max_consecutive_errors") {
                if n < 1 {
                    reader.report(f, "\(n) is out of range (1 or 2; to turn the check off write 'disabled: true' with a 'reason')")
                    errors = nil
                } else if n > 2 {
                    reader.report(f, "\(n) is above 2: H09 and H10 stop the arm at the 3rd failed bus cycle in a row")
                    errors = nil
                }
            }
            let roundTripField = c.required("max_round_trip")
            var roundTrip = roundTripField.flatMap { positive($0, .time) }
            // A read waits at most 5 ms for its replies (a later one is lost, a failed cycle), so
            // a budget of seconds is a typo of a unit, not a budget.
            if let field = roundTripField, let value = roundTrip, value > 1 {
                reader.report(field, "\(field.text) is above 1 s: a reply that late is a lost one (a bus cycle's read waits at most 5 ms)")
                roundTrip = nil
            }
            guard let errors, let roundTrip else { return nil }
            return T.Communication(maxConsecutiveErrors: errors, maxRoundTrip: roundTrip)
        }
        let monitorInputs = check(m, "monitor_inputs", "latent monitor faults") { c -> Int? in
            c.required("frozen_after", "how long a potentiometer reading may stay bit-identical").flatMap { ticks($0, rate: rate) }
        }
        m.rejectUnknownKeys()

        // A standing joint's encoder reading moves by whole counts: a limit finer than two counts
        // would stop a healthy arm at rest.
        if case let .enabled(idle) = idleMotion, let actuators, let f = m.optional("idle_motion") {
            var coarse: [String] = []
            for a in actuators where a.joint < joints.count {
                let count = 2 * Double.pi / (Double(a.encoderCountsPerRevolution) * a.reduction)
                if idle.value.values[a.joint] < 2 * count {
                    let unit =
                        joints[a.joint].kind == .prismatic
                        ? String(format: "%.4g mm", 2 * count * 1e3) : String(format: "%.4g deg", 2 * count * 180 / .pi)
                    coarse.append("'\(joints[a.joint].name)' (two encoder counts are \(unit))")
                }
            }
            if !coarse.isEmpty {
                let at = MappingReader(reader, f)?.optional("max_distance") ?? f
                reader.report(
                    at, "is finer than two encoder counts of \(coarse.joined(separator: ", ")): a joint at rest would trip it")
                return nil
            }
        }

        // A check that compares with the potentiometer needs one on every joint.
        if case .enabled = encoderPotentiometer, let actuators, let f = m.optional("encoder_potentiometer") {
            let missing = actuators.filter { $0.potentiometer == nil }.map { joints[$0.joint].name }
            if !missing.isEmpty {
                let list = missing.map { "'\($0)'" }.joined(separator: ", ")
                reader.report(
                    f,
                    "is enabled, but \(missing.count == 1 ? "joint \(list) has" : "joints \(list) have") no potentiometer; write 'disabled: true' with a 'reason'"
                )
                return nil
            }
        }

        if case .enabled = monitorInputs, let actuators, actuators.contains(where: { $0.potentiometer == nil }),
            let f = m.optional("monitor_inputs")
        {
            reader.report(f, "watches the potentiometers, but not every joint has one; write 'disabled: true' with a 'reason'")
            return nil
        }
        // The self-test counts on analog noise: a noiseless simulated reading rests bit-for-bit.
        if case .enabled = monitorInputs, let actuators, let f = m.optional("monitor_inputs") {
            let silent = actuators.filter { ($0.potentiometer?.noise ?? 1) == 0 }.map { "'\(joints[$0.joint].name)'" }
            if !silent.isEmpty {
                reader.report(
                    f,
                    "watches for potentiometer readings that stop changing, but the potentiometer noise of \(silent.joined(separator: ", ")) is 0, so a healthy joint at rest would trip it; give the noise, or write 'disabled: true' with a 'reason'"
                )
                return nil
            }
        }
        if case .enabled = remoteCenter, !hasRemoteCenter, let f = m.optional("remote_center") {
            reader.report(f, "is enabled, but kinematics has no remote_center; write 'disabled: true' with a 'reason'")
            return nil
        }
        if case .enabled = brakeSlip, let actuators, !actuators.contains(where: \.hasBrake), let f = m.optional("brake_slip") {
            reader.report(f, "is enabled, but no drive has a brake; write 'disabled: true' with a 'reason'")
            return nil
        }

        guard let commandStep, let idleMotion, let trackingError, let jointVelocity, let tipSpeed, let remoteCenter, let jointLimitMargin,
            let encoderPotentiometer, let encoderStall, let sensorFreshness, let overcurrent, let temperature,
            let brakeSlip, let deadline, let supplyVoltage, let emergencyStop, let operatorStep, let operatorDropout,
            let boardWatchdog, let communication, let monitorInputs
        else { return nil }
        return SafetyThresholds(
            commandStep: commandStep, idleMotion: idleMotion, trackingError: trackingError, jointVelocity: jointVelocity, tipSpeed: tipSpeed,
            remoteCenter: remoteCenter, jointLimitMargin: jointLimitMargin, encoderPotentiometer: encoderPotentiometer,
            encoderStall: encoderStall, sensorFreshness: sensorFreshness, overcurrent: overcurrent,
            temperature: temperature, brakeSlip: brakeSlip, deadline: deadline, supplyVoltage: supplyVoltage,
            emergencyStop: emergencyStop, operatorStep: operatorStep, operatorDropout: operatorDropout,
            boardWatchdog: boardWatchdog, communication: communication, monitorInputs: monitorInputs)
    }

    /// One check: required; either `disabled: true` + `reason`, or the thresholds `body` reads.
    func check<Threshold>(
        _ safety: MappingReader, _ key: String, _ hazard: String, _ body: (MappingReader) -> Threshold?
    ) -> CheckSetting<Threshold>? {
        guard
            let field = safety.required(
                key, "hazard \(hazard); give its thresholds, or 'disabled: true' with a 'reason' to turn it off")
        else { return nil }
        guard let c = MappingReader(reader, field) else { return nil }
        if let disabledField = c.optional("disabled") {
            guard let disabled = reader.bool(disabledField) else { return nil }
            if disabled {
                let reason = c.required("reason", "why this check is off; it is logged at start").flatMap { reader.string($0) }
                for key in c.keys where key != "disabled" && key != "reason" {
                    reader.report(c.optional(key)!, "a disabled check takes only 'disabled' and 'reason'")
                }
                return reason.map { .disabled(reason: $0) }
            }
        }
        if let reason = c.optional("reason") {
            reader.report(reason, "'reason' belongs to a disabled check (disabled: true)")
        }
        let threshold = body(c)
        c.rejectUnknownKeys()
        return threshold.map { .enabled($0) }
    }

    func currents(_ field: Field, _ joints: [HardwareProfile.Joint]) -> JointVector? {
        guard let elements = reader.sequence(field, count: joints.count, what: "values, one per joint (\(joints.map(\.name).joined(separator: ", ")))")
        else { return nil }
        var values = JointVector(count: joints.count)
        var ok = true
        for (i, element) in elements.enumerated() {
            if let v = positive(element, .current) { values[i] = v } else { ok = false }
        }
        return ok ? values : nil
    }
    /// The value from which a threshold is off in effect, and what that value is, for the message.
    struct Ceiling {
        var value: Double
        var what: String
        init(_ value: Double, _ what: String) {
            self.value = value
            self.what = what
        }
    }
    typealias Ceilings = (Int) -> Ceiling

    /// `value`, unless it is not below `ceiling` (reported at `field`); without a ceiling (the
    /// joints or the chain were not read), `value`.
    func below(_ field: Field, _ value: Double, _ ceiling: Ceiling?) -> Double? {
        guard let ceiling else { return value }
        guard value < ceiling.value else {
            reader.report(
                field,
                "\(field.text) is not below \(ceiling.what), so the check is off in effect; give a smaller value, or write 'disabled: true' with a 'reason' to turn it off"
            )
            return nil
        }
        return value
    }

    /// A persistence HAZARDS.md bounds: a condition allowed to last longer than the bound before
    /// the check trips cannot be detected within it. The bounds are given at 1 kHz (1 tick =
    /// 1 ms); at other rates they are the same time, and at least one tick (at a rate whose
    /// tick is longer than the bound, one tick is the soonest any check can respond).
    func withinCatalogue(_ field: Field, _ ticks: Int, bound: Double, _ what: String, rate: Double?) -> Int? {
        guard let rate else { return ticks }
        let most = max(1, Int((bound * rate + 1e-9).rounded(.down)))
        guard ticks <= most else {
            reader.report(
                field,
                "\(field.text) is above the \(String(format: "%g", bound * 1e3)) ms (\(most) \(most == 1 ? "tick" : "ticks") at \(hertz(rate))) \(what)")
            return nil
        }
        return ticks
    }

    /// A joint position or velocity in the unit a profile would write it in.
    func describe(_ value: Double, _ kind: KinematicModel.JointKind, _ quantity: JointQuantity) -> String {
        switch (kind, quantity) {
        case (.revolute, .velocity): String(format: "%.6g deg/s", value * 180 / .pi)
        case (.prismatic, .velocity): String(format: "%.6g m/s", value)
        case (.revolute, _): String(format: "%.6g deg", value * 180 / .pi)
        case (.prismatic, _): String(format: "%.6g mm", value * 1e3)
        }
    }

    func hertz(_ rate: Double) -> String { String(format: "%g Hz", rate) }
}
