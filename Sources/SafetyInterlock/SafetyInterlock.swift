public import MotionTypes

/// The segregated safety interlock: a pure state machine that sees only value types.
///
/// Each tick: `(state, limits, sensor frame, monitor inputs, proposed command, tick) ->
/// (state, verdict with the gated command)`. It never reads a clock, never allocates, never
/// throws. Trips carry the check, the joint, the measured value and the threshold. Holds are
/// released by ``resume()``; protective stops and power-offs latch until ``reset()``.
public struct SafetyInterlock: Sendable {
    public let limits: SafetyLimits
    public private(set) var state: InterlockState = .normal

    /// The last gated position setpoint (nil until the first servo tick).
    var lastPosition: JointVector?
    var holdPosition: JointVector
    /// Zero the current command during this stop (H12: "zero + protective stop").
    var zeroCurrent = false

    // Persistence and episode bookkeeping.
    var encoderPotentiometerCount = PersistenceCounters()
    var stallCount = PersistenceCounters()
    var overcurrentCount = PersistenceCounters()
    var brakeSlipCount = PersistenceCounters()
    var supplyCount = PersistenceCounters()
    var tipSpeedCount = PersistenceCounters()
    var episodes = EpisodeFlags()
    var lastSequence: UInt64?
    var staleTicks: Int64 = 0
    var brakeReference: JointVector
    var brakeReferenceValid: UInt8 = 0
    var overrunTicks: InlineArray<64, Int64> = InlineArray(repeating: Int64.min)
    var overrunCursor = 0

    public init(limits: SafetyLimits) {
        self.limits = limits
        holdPosition = JointVector(count: limits.jointCount)
        brakeReference = JointVector(count: limits.jointCount)
    }

    /// Releases a hold (category 2 stop). No effect in other states.
    public mutating func resume() {
        if case .holding = state { state = .normal }
    }

    /// Clears a latched fault. Refused (false) while the e-stop input is asserted in `sensors`.
    /// The caller must re-home before motion, as after any power-up.
    public mutating func reset(sensors: SensorFrame) -> Bool {
        guard case .faulted = state else { return true }
        if limits.emergencyStopCategory != nil && sensors.emergencyStop { return false }
        state = .normal
        lastPosition = nil
        zeroCurrent = false
        encoderPotentiometerCount.reset()
        stallCount.reset()
        overcurrentCount.reset()
        supplyCount.reset()
        tipSpeedCount.reset()
        episodes = EpisodeFlags()
        staleTicks = 0
        lastSequence = nil
        return true
    }

    /// One tick. `proposed` is the controller's command after any command-path fault injection.
    public mutating func step(
        tick: Tick, sensors: SensorFrame, inputs: MonitorInputs, proposed: ActuatorCommand
    ) -> InterlockVerdict {
        var trips = TripList()
        var command = proposed
        let n = limits.jointCount

        if case .faulted = state {
            checkBrakes(sensors, &trips)
            return verdict(tick, safeCommand(sensors), trips, operatorRejected: inputs.operatorStep != 0)
        }

        // Checks on what was measured.
        checkEmergencyStop(sensors, &trips)
        checkSupply(sensors, &trips)
        checkTemperature(sensors, &trips)
        checkFreshness(sensors, &trips)
        checkBrakes(sensors, &trips)
        checkTiming(tick, inputs, &trips)
        if inputs.servoing {
            checkEncoderPotentiometer(sensors, &trips)
            checkStall(proposed, inputs, &trips)
            checkOvercurrent(sensors, &trips)
            checkTracking(sensors, inputs, &trips)
            checkMeasuredLimits(sensors, &trips)
            checkRemoteCenter(inputs, &trips)
        }
        let operatorRejected = checkOperator(inputs, &trips)

        // Checks on, and shaping of, what is proposed.
        if !command.isFinite {
            trips.append(Trip(check: .commandNonFinite, joint: -1, measured: .nan, threshold: 0, response: .protectiveStop))
            command.position = lastPosition ?? sensors.encoder
            command.current = JointVector(count: n)
        }
        gateCurrent(&command, &trips)
        clampToLimits(&command, &trips)
        if command.powerOn {
            checkCommandStep(&command, &trips)
            limitTipSpeed(&command, inputs, &trips)
        }

        // Respond.
        let worst = trips.worst
        switch worst {
        case .powerOff:
            state = .faulted(.powerOff)
        case .protectiveStop:
            if zeroCurrent {
                // With the current zeroed a controlled stop is impossible: brakes on now.
                state = .faulted(.protectiveStop)
            } else if case .stopping = state {
            } else {
                enterHold(sensors)
                state = .stopping(powerOffTick: tick + limits.stopTicks)
            }
        case .hold:
            if case .normal = state {
                enterHold(sensors)
                state = .holding
            }
        case .clamp, .none:
            break
        }
        if case let .stopping(powerOffTick) = state, tick >= powerOffTick || isAtRest(inputs) {
            state = .faulted(.protectiveStop)
        }

        let output: ActuatorCommand
        switch state {
        case .faulted:
            output = safeCommand(sensors)
        case .holding, .stopping:
            var held = command
            held.position = holdPosition
            held.powerOn = true
            held.releaseBrakes = true
            if zeroCurrent { held.current = JointVector(count: n) }
            output = held
        case .normal:
            output = command
        }
        if output.powerOn { lastPosition = output.position } else { lastPosition = nil }
        return verdict(tick, output, trips, operatorRejected: operatorRejected)
    }

    func verdict(_ tick: Tick, _ command: ActuatorCommand, _ trips: TripList, operatorRejected: Bool) -> InterlockVerdict {
        InterlockVerdict(
            gated: GatedCommand(command, tick: tick), state: state, trips: trips, holdPosition: holdPosition,
            operatorSampleRejected: operatorRejected)
    }

    /// Power off, brakes on, no current; the setpoint follows the measurement.
    func safeCommand(_ sensors: SensorFrame) -> ActuatorCommand {
        var c = ActuatorCommand(jointCount: limits.jointCount)
        c.position = withinLimits(sensors.encoder)
        return c
    }

    mutating func enterHold(_ sensors: SensorFrame) {
        holdPosition = withinLimits(lastPosition ?? sensors.encoder)
    }

    /// `q` clamped into the joint limits, with non-finite values replaced by the nearest limit
    /// to 0, so a gated command is finite and within limits whatever the sensors said.
    func withinLimits(_ q: JointVector) -> JointVector {
        var r = q
        for j in 0..<limits.jointCount {
            let v = r[j].isFinite ? r[j] : 0
            r[j] = min(max(v, limits.lower[j]), limits.upper[j])
        }
        return r
    }

    func isAtRest(_ inputs: MonitorInputs) -> Bool {
        inputs.velocity.maxMagnitude < 1e-3
    }
}
