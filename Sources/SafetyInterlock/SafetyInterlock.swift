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
    /// Set by `resume()` for the next tick: hold conditions still present hold again.
    var resumed = false
    /// What the last accepted proposal asked of power and brakes (H22: a dropped proposal asks
    /// nothing new).
    var lastAcceptedPower = false
    var lastAcceptedBrakes = false
    var brakeReference: JointVector
    var brakeReferenceValid: UInt8 = 0
    var overrunTicks: InlineArray<64, Int64> = InlineArray(repeating: Int64.min)
    var overrunCursor = 0
    /// Consecutive bus cycles over the round-trip budget.
    var lateCycles = 0
    /// The monitor's previous potentiometer reading and how long each has stayed unchanged.
    var lastPotentiometer: JointVector
    var lastPotentiometerValid = false
    var frozenInputCount = PersistenceCounters()
    /// Stage-1 results waiting for stage 2 of the same tick.
    var pending: Pending?

    struct Pending: Sendable {
        var tick: Tick
        var sensors: SensorFrame
        var inputs: MonitorInputs
        var command: ActuatorCommand
        var trips = TripList()
        var operatorRejected = false
    }

    public init(limits: SafetyLimits) {
        self.limits = limits
        holdPosition = JointVector(count: limits.jointCount)
        brakeReference = JointVector(count: limits.jointCount)
        lastPotentiometer = JointVector(count: limits.jointCount)
    }

    /// Releases a hold (category 2 stop). No effect in other states. A hold condition that is
    /// logged once per episode and still holds trips (and holds) again on the next tick; clamps
    /// and warnings keep their episodes.
    public mutating func resume() {
        if case .holding = state {
            state = .normal
            episodes.end(Slot.remoteCenter)
            episodes.end(Slot.insertion)
            episodes.end(Slot.roundTrip)
            resumed = true
        }
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
        frozenInputCount.reset()
        lastPotentiometerValid = false
        tipSpeedCount.reset()
        episodes = EpisodeFlags()
        staleTicks = 0
        lastSequence = nil
        return true
    }

    /// One tick in a single call: `proposed` is the controller's command after any command-path
    /// fault injection. Equivalent to ``gateSetpoint(tick:sensors:inputs:proposed:)`` followed
    /// by ``gateCurrent(_:)`` with `proposed.current`.
    public mutating func step(
        tick: Tick, sensors: SensorFrame, inputs: MonitorInputs, proposed: ActuatorCommand
    ) -> InterlockVerdict {
        _ = gateSetpoint(tick: tick, sensors: sensors, inputs: inputs, proposed: proposed)
        return gateCurrent(proposed.current)
    }

    /// Stage 1 of a tick: every check on what was measured, then the shaping of the proposed
    /// position setpoint (joint-limit clamp, step refusal, tip-speed limit). Returns the position
    /// the servo must track this tick — the gated setpoint, or the hold position once a hold or
    /// stop is under way — so that what the interlock decided is what the arm does.
    /// ``gateCurrent(_:)`` must follow in the same tick.
    public mutating func gateSetpoint(
        tick: Tick, sensors: SensorFrame, inputs: MonitorInputs, proposed: ActuatorCommand
    ) -> JointVector {
        precondition(self.pending == nil, "gateSetpoint twice without gateCurrent: the last tick's trips would be lost")
        var pending = Pending(tick: tick, sensors: sensors, inputs: inputs, command: proposed)
        defer {
            self.pending = pending
            resumed = false
        }
        if case .faulted = state {
            checkBrakes(sensors, &pending.trips)
            return safeCommand(sensors).position
        }
        // Checks on what was measured.
        checkEmergencyStop(sensors, &pending.trips)
        checkSupply(sensors, &pending.trips)
        checkTemperature(sensors, &pending.trips)
        checkFreshness(sensors, &pending.trips)
        checkBrakes(sensors, &pending.trips)
        checkTiming(tick, inputs, &pending.trips)
        checkCommunication(sensors, &pending.trips)
        if inputs.servoing {
            checkEncoderPotentiometer(sensors, &pending.trips)
            checkMonitorInputs(sensors, &pending.trips)
            checkStall(proposed, inputs, &pending.trips)
            checkOvercurrent(sensors, &pending.trips)
            checkTracking(sensors, inputs, &pending.trips)
            checkMeasuredLimits(sensors, &pending.trips)
            checkRemoteCenter(inputs, &pending.trips)
        }
        pending.operatorRejected = checkOperator(inputs, &pending.trips)

        // Checks on, and shaping of, the proposed setpoint.
        checkCommandSequence(&pending.command, tick: tick, sensors, &pending.trips)
        if !pending.command.position.isFinite {
            pending.trips.append(Trip(check: .commandNonFinite, joint: -1, measured: .nan, threshold: 0, response: .protectiveStop))
            pending.command.position = lastPosition ?? withinLimits(sensors.encoder)
        }
        clampToLimits(&pending.command, &pending.trips)
        if pending.command.powerOn {
            checkCommandStep(&pending.command, sensors.encoder, &pending.trips)
            limitTipSpeed(&pending.command, inputs, &pending.trips)
        }
        respond(to: pending.trips.worst, sensors: sensors, tick: tick, powered: pending.command.powerOn)
        switch state {
        case .normal: return pending.command.position
        case .holding, .stopping: return holdPosition
        case .faulted: return safeCommand(sensors).position
        }
    }

    /// Stage 2 of a tick: gates the current the servo computed for the stage-1 target (hard cap;
    /// zero and stop on a current trip), settles the state and makes the ``GatedCommand``.
    public mutating func gateCurrent(_ current: JointVector) -> InterlockVerdict {
        guard var pending else { preconditionFailure("gateCurrent without gateSetpoint in the same tick") }
        self.pending = nil
        let sensors = pending.sensors
        let tick = pending.tick
        if case .faulted = state {
            return verdict(tick, safeCommand(sensors), pending.trips, operatorRejected: pending.inputs.operatorStep != 0)
        }
        var command = pending.command
        command.current = current
        let before = pending.trips.count
        if !command.current.isFinite {
            pending.trips.append(Trip(check: .commandNonFinite, joint: -1, measured: .nan, threshold: 0, response: .protectiveStop))
            zeroCurrent = true
        }
        gateCurrent(&command, &pending.trips)
        var worst = Response.none
        for i in before..<pending.trips.count where pending.trips[i].response > worst { worst = pending.trips[i].response }
        respond(to: worst, sensors: sensors, tick: tick, powered: command.powerOn)
        if case let .stopping(powerOffTick) = state, tick >= powerOffTick || isAtRest(pending.inputs) {
            state = .faulted(.protectiveStop)
        }

        let output: ActuatorCommand
        let n = limits.jointCount
        switch state {
        case .faulted:
            output = safeCommand(sensors)
        case .holding, .stopping:
            // Hold where the arm is, with the power it has: a hold never powers up an arm that
            // was not powered.
            var held = command
            held.position = holdPosition
            held.releaseBrakes = command.powerOn
            if zeroCurrent { held.current = JointVector(count: n) }
            output = held
        case .normal:
            output = command
        }
        if output.powerOn { lastPosition = output.position } else { lastPosition = nil }
        return verdict(tick, output, pending.trips, operatorRejected: pending.operatorRejected)
    }

    /// Moves the state machine for the most severe response of some trips.
    mutating func respond(to worst: Response, sensors: SensorFrame, tick: Tick, powered: Bool) {
        switch worst {
        case .powerOff:
            state = .faulted(.powerOff)
        case .protectiveStop:
            if zeroCurrent || !powered {
                // With the current zeroed, or no power at all, a controlled stop is impossible:
                // brakes on and latched now.
                state = .faulted(.protectiveStop)
            } else if case .stopping = state {
            } else if case .faulted = state {
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
    public func withinLimits(_ q: JointVector) -> JointVector {
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
