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

    // The optional per-joint thresholds, unwrapped once (NaN where the check is off, and then
    // never read). An element read from a vector bound out of an Optional (`guard let limit =
    // limits.trackingError`) copies the whole vector, and every other vector of the loop, on
    // every read; read from a stored property, an element is one load.
    let trackingLimit: JointVector
    let velocityLimit: JointVector
    let potentiometerDistance: JointVector
    let stallCurrent: JointVector
    let stepLimit: JointVector
    let idleLimit: JointVector
    let limitMargin: JointVector

    /// The last gated position setpoint (nil until the first servo tick).
    var lastPosition: JointVector?
    /// Where this tick's setpoint steps from (H01): the last setpoint, or the arm's position.
    /// Stored, not a local taken from `lastPosition`, so that its elements are read in place.
    var stepOrigin: JointVector
    /// Per joint, consecutive ticks it has been told to stand still (H01 idle motion).
    var standingTicks = PersistenceCounters()
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
    /// Slot 0: the shaft beyond `max_shaft_distance`; slot 1: held by `insertion_depth`.
    var remoteCenterCount = PersistenceCounters()
    /// `insertion_depth` holds the arm, until `resume` (H04 hold → stop: the clock runs).
    var insertionHeld = false
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
    /// This tick's trips: the checks append here (kept in place, not copied from check to check).
    var trips = TripList()
    /// Stage 1's results, waiting for stage 2 of the same tick (valid while `stageOnePending`).
    var stageOnePending = false
    var pending: Pending

    struct Pending: Sendable {
        var tick = Tick(0)
        /// The measured encoder positions (a stop or a hold starts from them).
        var encoder: JointVector
        var command: ActuatorCommand
        /// The arm is at rest (a controlled stop may end early).
        var atRest = false
        /// This tick carried an operator sample.
        var operatorSample = false
        var operatorRejected = false
    }

    public init(limits: SafetyLimits) {
        self.limits = limits
        let off = JointVector(count: limits.jointCount, repeating: .nan)
        trackingLimit = limits.trackingError ?? off
        velocityLimit = limits.jointVelocity ?? off
        potentiometerDistance = limits.encoderPotentiometer ?? off
        stallCurrent = limits.encoderStallCurrent ?? off
        stepLimit = limits.commandStep ?? off
        idleLimit = limits.idleMotion ?? off
        limitMargin = limits.jointLimitMargin ?? off
        holdPosition = JointVector(count: limits.jointCount)
        stepOrigin = JointVector(count: limits.jointCount)
        brakeReference = JointVector(count: limits.jointCount)
        lastPotentiometer = JointVector(count: limits.jointCount)
        pending = Pending(encoder: JointVector(count: limits.jointCount), command: ActuatorCommand(jointCount: limits.jointCount))
    }

    /// Releases a hold (category 2 stop). No effect in other states. A hold condition that is
    /// logged once per episode and still holds trips (and holds) again on the next tick; clamps
    /// and warnings keep their episodes.
    public mutating func resume() {
        if case .holding = state {
            state = .normal
            episodes.end(Slot.remoteCenter)
            episodes.end(Slot.insertion)
            insertionHeld = false
            episodes.end(Slot.roundTrip)
            // Over-speed that lasted through the hold is clamped, warned and counted afresh:
            // a counter left past its trip point would clamp forever without holding again.
            episodes.end(Slot.tipSpeed)
            tipSpeedCount.reset()
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
        // After a reset the arm is unpowered until a proposal in sequence asks for power: a
        // dropped one must not bring back what was asked before the fault (H22).
        lastAcceptedPower = false
        lastAcceptedBrakes = false
        zeroCurrent = false
        encoderPotentiometerCount.reset()
        stallCount.reset()
        overcurrentCount.reset()
        supplyCount.reset()
        frozenInputCount.reset()
        lastPotentiometerValid = false
        tipSpeedCount.reset()
        remoteCenterCount.reset()
        insertionHeld = false
        // A brake that still slips after the reset must trip again: its reference is taken
        // afresh and its count starts over (a count left past its trip point never trips).
        brakeSlipCount.reset()
        brakeReferenceValid = 0
        episodes = EpisodeFlags()
        staleTicks = 0
        lateCycles = 0  // a run of slow cycles left past its stop count would never stop again
        lastSequence = nil
        standingTicks.reset()
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
        precondition(!stageOnePending, "gateSetpoint twice without gateCurrent: the last tick's trips would be lost")
        trips.removeAll()
        var command = proposed
        defer {
            pending.tick = tick
            pending.encoder = sensors.encoder
            pending.command = command
            pending.atRest = isAtRest(inputs)
            pending.operatorSample = inputs.operatorStep != 0
            stageOnePending = true
            resumed = false
        }
        if case .faulted = state {
            checkBrakes(sensors)
            pending.operatorRejected = false
            return safeCommand(sensors.encoder).position
        }
        // Checks on what was measured.
        checkEmergencyStop(sensors)
        checkSupply(sensors)
        checkTemperature(sensors)
        checkFreshness(sensors)
        checkBrakes(sensors)
        checkTiming(tick, inputs)
        checkCommunication(sensors)
        if inputs.servoing {
            checkEncoderPotentiometer(sensors)
            checkMonitorInputs(sensors)
            checkStall(proposed, inputs)
            checkOvercurrent(sensors)
            checkTracking(sensors, inputs)
            checkMeasuredLimits(sensors)
            checkRemoteCenter(inputs)
        } else {
            // An unpowered arm is not held against the port: the clock starts again with power.
            remoteCenterCount.reset()
            insertionHeld = false
        }
        pending.operatorRejected = checkOperator(inputs)

        // Checks on, and shaping of, the proposed setpoint.
        checkCommandSequence(&command, tick: tick, sensors)
        if !command.position.isFinite {
            trips.append(Trip(check: .commandNonFinite, joint: -1, measured: .nan, threshold: 0, response: .protectiveStop))
            command.position = lastPosition ?? withinLimits(sensors.encoder)
        }
        clampToLimits(&command)
        // The idle check judges the setpoint as proposed (within limits), not one the step check
        // has already refused and replaced.
        let proposedPosition = command.position
        if command.powerOn {
            checkCommandStep(&command, sensors.encoder)
        }
        checkIdle(proposedPosition, powered: command.powerOn, sensors, inputs)
        if command.powerOn {
            limitTipSpeed(&command, inputs)
        }
        respond(to: trips.worst, encoder: sensors.encoder, tick: tick, powered: command.powerOn)
        switch state {
        case .normal: return command.position
        case .holding, .stopping: return holdPosition
        case .faulted: return safeCommand(sensors.encoder).position
        }
    }

    /// Stage 2 of a tick: gates the current the servo computed for the stage-1 target (hard cap;
    /// zero and stop on a current trip), settles the state and makes the ``GatedCommand``.
    public mutating func gateCurrent(_ current: JointVector) -> InterlockVerdict {
        precondition(stageOnePending, "gateCurrent without gateSetpoint in the same tick")
        stageOnePending = false
        let tick = pending.tick
        if case .faulted = state {
            return verdict(tick, safeCommand(pending.encoder), operatorRejected: pending.operatorSample)
        }
        var command = pending.command
        command.current = current
        trips.mark()
        if !command.current.isFinite {
            trips.append(Trip(check: .commandNonFinite, joint: -1, measured: .nan, threshold: 0, response: .protectiveStop))
            zeroCurrent = true
        }
        gateCurrent(&command)
        respond(to: trips.worstSinceMark, encoder: pending.encoder, tick: tick, powered: command.powerOn)
        if case let .stopping(powerOffTick) = state, tick >= powerOffTick || pending.atRest {
            state = .faulted(.protectiveStop)
        }

        let output: ActuatorCommand
        let n = limits.jointCount
        switch state {
        case .faulted:
            output = safeCommand(pending.encoder)
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
        return verdict(tick, output, operatorRejected: pending.operatorRejected)
    }

    /// Moves the state machine for the most severe response of some trips.
    mutating func respond(to worst: Response, encoder: JointVector, tick: Tick, powered: Bool) {
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
                enterHold(encoder)
                state = .stopping(powerOffTick: tick + limits.stopTicks)
            }
        case .hold:
            if case .normal = state {
                enterHold(encoder)
                state = .holding
            }
        case .clamp, .none:
            break
        }
    }

    func verdict(_ tick: Tick, _ command: ActuatorCommand, operatorRejected: Bool) -> InterlockVerdict {
        InterlockVerdict(
            gated: GatedCommand(command, tick: tick), state: state, trips: trips, holdPosition: holdPosition,
            operatorSampleRejected: operatorRejected)
    }

    /// Power off, brakes on, no current; the setpoint follows the measurement.
    func safeCommand(_ encoder: JointVector) -> ActuatorCommand {
        var c = ActuatorCommand(jointCount: limits.jointCount)
        c.position = withinLimits(encoder)
        return c
    }

    mutating func enterHold(_ encoder: JointVector) {
        holdPosition = withinLimits(lastPosition ?? encoder)
    }

    /// `q` clamped into the joint limits, with non-finite values replaced by the nearest limit
    /// to 0, so a gated command is finite and within limits whatever the sensors said.
    public func withinLimits(_ q: JointVector) -> JointVector {
        q.withinLimits(lower: limits.lower, upper: limits.upper)
    }

    func isAtRest(_ inputs: MonitorInputs) -> Bool {
        inputs.velocity.maxMagnitude < 1e-3
    }
}
