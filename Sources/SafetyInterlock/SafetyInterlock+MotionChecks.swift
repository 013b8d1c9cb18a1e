import MotionTypes

// H01 command step, H02 tracking error and joint velocity, H03 tool-tip speed.
extension SafetyInterlock {
    /// H01: a setpoint that jumps more than `commandStep` in one tick is refused: the previous
    /// setpoint is kept and a protective stop follows.
    mutating func checkCommandStep(_ command: inout ActuatorCommand, _ encoder: JointVector) {
        // On the first powered tick there is no last setpoint: the step is from where the arm is.
        guard limits.commandStep != nil else { return }
        stepOrigin = lastPosition ?? withinLimits(encoder)
        var refused = false
        for j in 0..<limits.jointCount {
            let maxStep = stepLimit[j]
            let step = abs(command.position[j] - stepOrigin[j])
            let tooFar = !(step <= maxStep)
            // Refused on every tick; recorded once per episode (the stop it causes is latched).
            if episodes.starts(Slot.commandStep + j, tooFar) {
                trips.append(Trip(check: .commandStep, joint: j, measured: step, threshold: maxStep, response: .protectiveStop))
            }
            if tooFar { refused = true }
        }
        if refused { command.position = stepOrigin }
    }

    /// H01, motion of a joint told to stand still (powered, no motion command moves it, the
    /// interlock normal or holding). A setpoint (within the joint limits) further than
    /// `idleMotion` from the standing reference (within the limits too: a reference beyond a
    /// limit is clamped, not moved) was moved by nobody who was asked to (`idle_command`, at
    /// once); a measured position further than that once the joint has stood more than
    /// `idleSettle` ticks is motion nobody commanded (`idle_motion`). Both stop the arm
    /// (protective stop); the stop itself is not watched.
    mutating func checkIdle(_ proposed: JointVector, powered: Bool, _ sensors: SensorFrame, _ inputs: MonitorInputs) {
        guard limits.idleMotion != nil else { return }
        var watched = powered ? inputs.standing : 0
        switch state {
        case .normal, .holding: break
        case .stopping, .faulted: watched = 0
        }
        for j in 0..<limits.jointCount {
            guard watched & (1 << UInt8(j)) != 0 else {
                standingTicks.counts[j] = 0
                continue
            }
            standingTicks.counts[j] += 1
            let settled = standingTicks.counts[j] > limits.idleSettle
            let limit = idleLimit[j]
            // Not a number fails safe: beyond the limit (a NaN reference is not clamped to a bound).
            let raw = inputs.reference[j]
            let reference = raw.isNaN ? raw : min(max(raw, limits.lower[j]), limits.upper[j])
            let offset = abs(proposed[j] - reference)
            if !(offset <= limit) {
                trips.append(Trip(check: .idleCommand, joint: j, measured: offset, threshold: limit, response: .protectiveStop))
            }
            if settled {
                let drift = abs(sensors.encoder[j] - reference)
                if !(drift <= limit) {
                    trips.append(Trip(check: .idleMotion, joint: j, measured: drift, threshold: limit, response: .protectiveStop))
                }
            }
        }
    }

    /// H02: |reference − measured| above the limit means the joint is not following: power off.
    mutating func checkTracking(_ sensors: SensorFrame, _ inputs: MonitorInputs) {
        if limits.trackingError != nil {
            for j in 0..<limits.jointCount {
                let limit = trackingLimit[j]
                let error = abs(inputs.reference[j] - sensors.encoder[j])
                if !(error <= limit) {
                    trips.append(Trip(check: .trackingError, joint: j, measured: error, threshold: limit, response: .powerOff))
                }
            }
        }
        if limits.jointVelocity != nil {
            for j in 0..<limits.jointCount {
                let limit = velocityLimit[j]
                let speed = abs(inputs.velocity[j])
                if !(speed <= limit) {
                    trips.append(Trip(check: .jointVelocity, joint: j, measured: speed, threshold: limit, response: .powerOff))
                }
            }
        }
    }

    /// H03: a setpoint step implying a tip speed above the limit is scaled down to it (clamp,
    /// warned once per episode); clamping for more than `tipSpeedHoldAfter` ticks holds.
    mutating func limitTipSpeed(_ command: inout ActuatorCommand, _ inputs: MonitorInputs) {
        guard let limit = limits.tipSpeed, let last = lastPosition else { return }
        // Not a number fails safe: over the limit, and the setpoint does not move.
        let over = !(inputs.tipSpeed <= limit)
        if episodes.starts(Slot.tipSpeed, over) {
            trips.append(Trip(check: .tipSpeed, joint: -1, measured: inputs.tipSpeed, threshold: limit, response: .clamp))
        }
        if over {
            let scale = inputs.tipSpeed.isNaN ? 0 : limit / inputs.tipSpeed
            for j in 0..<limits.jointCount {
                command.position[j] = last[j] + scale * (command.position[j] - last[j])
            }
        }
        if tipSpeedCount.update(0, over, persistence: limits.tipSpeedHoldAfter) {
            trips.append(
                Trip(check: .tipSpeedPersistent, joint: -1, measured: Double(limits.tipSpeedHoldAfter + 1),
                    threshold: Double(limits.tipSpeedHoldAfter), response: .hold))
        }
    }
}

/// Episode slots (bit positions) for warnings logged once per episode.
enum Slot {
    static let tipSpeed = 0
    static let temperature = 1
    static let insertion = 2
    static let roundTrip = 3
    static let busFaults = 4
    static let remoteCenter = 5
    /// Joint-limit clamping, one slot per joint: 8…15.
    static let jointLimit = 8
    /// Refused command steps, one slot per joint: 16…23.
    static let commandStep = 16
}
