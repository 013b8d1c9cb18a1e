public import ActuatorInterface
import Kinematics
public import MotionTypes
public import SafetyInterlock

/// The fixed-step executive: read → inject sensor faults → estimate → control → inject command
/// faults → interlock → write → record events. Time is an input (`step(tick:)`); nothing here
/// reads a clock. All state is allocated at start-up; a tick allocates nothing.
public struct ControlLoop<Backend: ActuatorBackend> {
    public let configuration: LoopConfiguration
    public var backend: Backend
    public private(set) var interlock: SafetyInterlock
    public private(set) var injector: FaultInjector
    public var events = EventRing()

    public private(set) var state: OperatingState = .disabled
    public private(set) var homed = false
    /// The frame after sensor-side fault injection: what the loop and interlock saw.
    public private(set) var frame: SensorFrame
    /// Filtered encoder velocity.
    public private(set) var velocity: JointVector
    /// The controller's reference (what the arm should be at), after any hold.
    public private(set) var reference: JointVector
    public private(set) var lastVerdict: InterlockVerdict?
    /// The operator's Cartesian target during teleoperation.
    public private(set) var operatorTarget = Vector3.zero

    enum Mode: BitwiseCopyable {
        case idle
        case move(JointMove, cartesian: Bool)
        case sine(joint: Int, amplitude: Double, period: Double, center: Double, startTick: Int64)
        case teleoperation(radius: Double, period: Double, center: Vector3, startTick: Int64)
    }

    var mode: Mode = .idle {
        // Worked out when the mode changes, not on every tick (it reads the move's vectors).
        didSet { standingJoints = standing(in: mode) }
    }
    /// Bit j set: no motion command moves joint j (see `standing(in:)`).
    var standingJoints: UInt8
    var referenceVelocity: JointVector
    var referenceAcceleration: JointVector
    /// The frame as the backend read it, before sensor-side fault injection: on hardware, the
    /// nearest thing to the truth there is.
    public private(set) var rawFrame: SensorFrame
    /// The last tick's encoder positions (valid once `hasPreviousEncoder`). Not an Optional: an
    /// element read from a vector bound out of an Optional copies the whole vector each time.
    var previousEncoder: JointVector
    var hasPreviousEncoder = false
    var scratch = KinematicScratch()
    var lastGatedTip: Vector3?
    /// H04 fault: where the port has moved to, fixed when the fault starts (perpendicular to the
    /// shaft as it was then), or nil.
    var portOffset: Vector3?
    var ticksSinceOperator: Int64 = 0
    var operatorStep: Double = 0
    var lastOperatorStep = Vector3.zero
    var faultActive: [Bool]
    let kp: JointVector
    let ki: JointVector
    let kd: JointVector
    /// The integral of the position error, per joint (joint units × s), bounded for anti-windup.
    var integral: JointVector
    /// The integral's bound: the integral term then contributes at most 20 % of the drive's
    /// current limit (that effort divided by Ki, worked out once).
    let integralBound: JointVector
    let velocityFilter: Double
    /// The joint limits, kept here so the tick clamps without going through (and copying) the
    /// interlock.
    let lowerLimits: JointVector
    let upperLimits: JointVector
    /// The idle-motion limit per joint (0 where the check is off: only an exact goal stands).
    let idleTolerance: JointVector

    func withinLimits(_ q: JointVector) -> JointVector { q.withinLimits(lower: lowerLimits, upper: upperLimits) }

    public init(configuration: LoopConfiguration, backend: Backend, faults: [Fault], seed: UInt64) {
        let n = configuration.jointCount
        self.configuration = configuration
        self.backend = backend
        interlock = SafetyInterlock(limits: configuration.limits)
        lowerLimits = configuration.limits.lower
        upperLimits = configuration.limits.upper
        idleTolerance = configuration.limits.idleMotion ?? JointVector(count: n)
        standingJoints = UInt8(truncatingIfNeeded: (1 << n) - 1)
        injector = FaultInjector(faults: faults, rate: configuration.rate, seed: seed, jointCount: n)
        frame = SensorFrame(jointCount: n)
        rawFrame = SensorFrame(jointCount: n)
        previousEncoder = JointVector(count: n)
        velocity = JointVector(count: n)
        reference = JointVector(count: n)
        referenceVelocity = JointVector(count: n)
        referenceAcceleration = JointVector(count: n)
        faultActive = Array(repeating: false, count: faults.count)
        lastServoCurrent = JointVector(count: n)
        // PID by pole placement: a triple pole at the servo bandwidth, (s + ω)³ = s³ + 3ωs² +
        // 3ω²s + ω³, on each joint's inertia: Kp = 3Jω², Ki = Jω³, Kd = 3Jω.
        let omega = 2 * Double.pi * configuration.servoBandwidth
        var kp = JointVector(count: n), ki = JointVector(count: n), kd = JointVector(count: n)
        var integralLimit = JointVector(count: n)
        for j in 0..<n {
            let inertia = configuration.inertia[j]
            kp[j] = 3 * inertia * omega * omega
            ki[j] = inertia * omega * omega * omega
            kd[j] = 3 * inertia * omega
            integralLimit[j] = 0.2 * configuration.currentMax[j] * configuration.effortPerAmp[j]
        }
        self.kp = kp
        self.ki = ki
        self.kd = kd
        integral = JointVector(count: n)
        var integralBound = JointVector(count: n)
        for j in 0..<n { integralBound[j] = integralLimit[j] / ki[j] }
        self.integralBound = integralBound
        // First-order low-pass at 100 Hz on the encoder velocity.
        let dt = 1 / configuration.rate
        velocityFilter = dt / (dt + 1 / (2 * Double.pi * 100))
    }

    public var isHolding: Bool {
        switch interlock.state {
        case .holding, .stopping: return true
        default: return false
        }
    }

    // MARK: Commands

    /// Applies a timeline or console command at `tick`. Commands that do not fit the state are
    /// rejected and recorded, never silently dropped.
    public mutating func command(_ command: LoopCommand, tick: Int64, index: Int) {
        var event = LoopEvent.make(.command, tick)
        event.index = index
        // Why the command was rejected; nil when accepted.
        var refusal: CommandRefusal?
        event.from = state
        var next: OperatingState?
        switch command {
        case .enable:
            if case .stopping = interlock.state {
                // Power back on in the middle of a protective stop would undo its power-off.
                refusal = .stopping
            } else if state == .disabled {
                // The reference starts from the next measurement, not from whatever frame was
                // last seen (at tick 0 there is none yet).
                resynchronize = true
                integral = JointVector(count: configuration.jointCount)
                mode = .idle
                next = .enabled
            } else if state != .enabled {
                refusal = .state
            }
        case .disable:
            if state != .fault {
                next = .disabled
                // Power off ends a hold (a category 2 stop holds a powered arm): the next enable
                // starts from the measurement, not from a hold position the arm may have left.
                // A protective stop under way is not released (resume acts on holds only).
                if case .holding = interlock.state { interlock.resume() }
                homed = false
                teleoperationSession = false
            } else {
                refusal = .state
            }
        case .home:
            if state == .enabled { homed = true } else { refusal = .state }
        case .pause:
            if state == .enabled {
                mode = .idle
                next = .paused
            } else {
                refusal = .state
            }
        case .resume:
            if case .stopping = interlock.state {
                // A protective stop cannot be resumed: it ends in FAULT.
                refusal = .stopping
            } else if state == .paused {
                // Continue from where the arm is held: the interlock's hold position if it
                // holds, else the reference the pause kept.
                if isHolding, let hold = lastVerdict?.holdPosition { reference = hold }
                interlock.resume()
                teleoperationSession = false
                mode = .idle
                next = .enabled
            } else {
                refusal = .state
            }
        case .reset:
            if state != .fault {
                refusal = .state
            } else if interlock.reset(sensors: frame) {
                homed = false
                mode = .idle
                next = .disabled
            } else {
                refusal = .emergencyStopAsserted
            }
        case let .moveJoints(goal):
            refusal = moveRefusal
            if refusal == nil {
                teleoperationSession = false
                startMove(to: goal, tick: tick, cartesian: false)
            }
        case let .moveCartesian(position):
            refusal = moveRefusal
            if refusal == nil {
                let solution = configuration.kinematics.inverse(
                    position: position, seed: reference, scratch: &scratch, options: .withinTick(rate: configuration.rate))
                if solution.converged {
                    startMove(to: solution.joints, tick: tick, cartesian: true)
                } else {
                    refusal = .notFoundWithinTick
                    event.distance = solution.positionError
                }
            }
        case let .servoJointSine(joint, amplitude, period):
            refusal = joint < configuration.jointCount ? moveRefusal : .noSuchJoint
            if refusal == nil {
                mode = .sine(joint: joint, amplitude: amplitude, period: period, center: reference[joint], startTick: tick)
            }
        case let .teleoperateCircle(radius, period):
            refusal = moveRefusal
            if refusal == nil {
                let tip = configuration.kinematics.forward(reference, scratch: &scratch).translation
                operatorTarget = tip
                ticksSinceOperator = 0
                mode = .teleoperation(radius: radius, period: period, center: tip, startTick: tick)
                teleoperationSession = true
                teleoperationPattern = (radius, period, tip, tick)
            }
        }
        if let refusal {
            event.kind = .commandRejected
            event.refusal = refusal
        }
        events.append(event)
        if let next { transition(to: next, tick: tick, reason: nil) }
    }

    /// Why a motion command cannot start now, or nil when it can.
    var moveRefusal: CommandRefusal? {
        // A hold or a stop under way pauses the arm: say which, rather than only PAUSED.
        switch interlock.state {
        case .holding where state == .paused: return .holding  // resume releases it
        case .stopping: return .stopping
        default: break
        }
        if state != .enabled { return .state }
        if !homed { return .notHomed }
        return nil
    }

    mutating func startMove(to goal: JointVector, tick: Int64, cartesian: Bool) {
        var target = reference
        for j in 0..<min(goal.count, target.count) { target[j] = goal[j] }
        var move = JointMove(
            start: reference, goal: target, startTick: tick, maxVelocity: configuration.maxVelocity,
            maxAcceleration: configuration.maxAcceleration, rate: configuration.rate)
        // Also keep the tip below 80 % of the tip-speed limit: sample the path's Cartesian length
        // per unit of path parameter and stretch the move if needed (peak speed 1.875 · |dp/ds| / T).
        if let limit = configuration.limits.tipSpeed {
            var steepest = 0.0
            let samples = 32
            var previous = configuration.kinematics.forward(reference, scratch: &scratch).translation
            for i in 1...samples {
                var q = reference
                let s = Double(i) / Double(samples)
                for j in 0..<q.count { q[j] = reference[j] + s * (target[j] - reference[j]) }
                let p = configuration.kinematics.forward(q, scratch: &scratch).translation
                steepest = max(steepest, (p - previous).norm * Double(samples))
                previous = p
            }
            let seconds = 1.875 * steepest / (0.8 * limit)
            move.ticks = max(move.ticks, Int64((seconds * configuration.rate).rounded(.up)))
        }
        mode = .move(move, cartesian: cartesian)
    }

    mutating func transition(to next: OperatingState, tick: Int64, reason: CheckID?) {
        guard next != state else { return }
        var event = LoopEvent.make(.stateTransition, tick)
        event.from = state
        event.to = next
        event.reasonCheck = reason
        events.append(event)
        state = next
    }

    // MARK: The tick

    public mutating func step(tick k: Int64) {
        let n = configuration.jointCount
        let rate = configuration.rate

        // Plant-side faults, then the measurement, then sensor-side faults.
        injector.beginTick(k)
        if injector.hostStalled {
            // The host is frozen (H15): nothing is read, judged or written this period. The
            // boards run on by themselves, and their own watchdog acts (H09).
            backend.disturb(injector.disturbance)
            backend.idle(tick: Tick(k))
            recordFaultWindows(k)
            stalledPeriods += 1
            return
        }
        // The periods since the last reading: one, plus those a stall froze the host for (the
        // boards ran on through them), plus the real-time runner's missed periods where the
        // actuators move in wall-clock time. Every missed period reaches the interlock as an
        // overrun (H15), as a real-time runner measures a late wake-up.
        let elapsedPeriods = 1 + stalledPeriods + (backend.runsOnWallClock ? measuredOverruns : 0)
        measuredOverruns += stalledPeriods
        stalledPeriods = 0
        backend.disturb(injector.disturbance)
        backend.read(into: &rawFrame, tick: Tick(k))
        frame = rawFrame
        injector.applySensors(&frame, tick: k)
        recordFaultWindows(k)

        // Estimate. After missed periods the arm moved for all of them since the last reading.
        var still: UInt8 = 0
        if hasPreviousEncoder {
            let elapsed = rate / Double(elapsedPeriods)
            for j in 0..<n {
                let now = frame.encoder[j], before = previousEncoder[j]
                let raw = (now - before) * elapsed
                velocity[j] += velocityFilter * (raw - velocity[j])
                if !velocity[j].isFinite { velocity[j] = raw }
                if now == before { still |= 1 << UInt8(j) }
            }
        }
        previousEncoder = frame.encoder
        hasPreviousEncoder = true
        if resynchronize {
            reference = withinLimits(frame.encoder)
            resynchronize = false
        }

        // Control: the setpoint (with command-path faults), the interlock's first stage, then
        // the servo on the position the interlock returned, then the second stage.
        var inputs = MonitorInputs(jointCount: n)
        let powered = state == .enabled || state == .paused
        updateReference(k, &inputs)
        var proposed = ActuatorCommand(jointCount: n)
        if powered {
            proposed.powerOn = true
            proposed.releaseBrakes = true
            proposed.position = reference
        } else {
            proposed.position = withinLimits(frame.encoder)
            reference = proposed.position
            integral = JointVector(count: n)
        }
        // Stamped with the tick it is for (H22).
        proposed.sequence = UInt64(truncatingIfNeeded: k)
        injector.applyCommand(position: &proposed.position, tick: k)
        // A replayed command carries the sequence number it was sent with.
        proposed.sequence &-= injector.commandReplayAge

        // What the interlock needs and cannot compute.
        inputs.reference = reference
        inputs.velocity = velocity
        inputs.encoderStill = still
        // The servo drives the motors whenever the arm is powered, homed or not, so the checks
        // on what it does run whenever it is powered (a fault between enable and home is caught).
        inputs.servoing = powered
        if powered { inputs.standing = standingJoints }
        inputs.overruns = injector.injectedOverruns + measuredOverruns
        measuredOverruns = 0
        if configuration.limits.tipSpeed != nil, let lastTip = lastGatedTip, proposed.position.isFinite {
            // The tip speed of what can be sent: the setpoint within the joint limits (H05
            // clamps the rest), so a clamped setpoint does not look like a tip jump.
            let limited = withinLimits(proposed.position)
            let tip = tipPosition(limited)
            inputs.tipSpeed = (tip - lastTip).norm * rate
        }
        if configuration.limits.maxShaftDistance != nil {
            // H04 fault: the port is displaced from the model's RCM. Its direction is fixed on
            // the first tick (perpendicular to the shaft as it lies then); a change in size
            // (another fault starting or ending) keeps that direction.
            let displacement = injector.portDisplacement
            if displacement == 0 {
                portOffset = nil
            } else if let offset = portOffset, offset.norm != abs(displacement) {
                portOffset = (displacement / offset.norm) * offset
            }
            let kinematics = configuration.kinematics
            if var g = kinematics.shaftGeometry(frame.encoder, portOffset: portOffset ?? .zero, scratch: &scratch) {
                if displacement != 0 && portOffset == nil {
                    // The onset tick: the shaft direction is known only now.
                    let d = g.shaftDirection
                    var side = Vector3(1, 0, 0) - d.x * d
                    if side.norm < 1e-6 { side = Vector3(0, 1, 0) - d.y * d }
                    let offset = (displacement / side.norm) * side
                    portOffset = offset
                    if let moved = kinematics.shaftGeometry(frame.encoder, portOffset: offset, scratch: &scratch) { g = moved }
                }
                inputs.shaftDistance = g.shaftDistance
                inputs.insertionDepth = g.insertionDepth
            }
        }
        // The servo's current for the last tick's target, for the stall check (H06).
        proposed.current = lastServoCurrent

        // The interlock reads its own copy of the frame, where latent monitor faults act.
        var monitorFrame = frame
        injector.applyMonitor(&monitorFrame, tick: k)
        let target = interlock.gateSetpoint(tick: Tick(k), sensors: monitorFrame, inputs: inputs, proposed: proposed)
        var current = JointVector(count: n)
        if powered {
            let following = interlock.state == .normal
            for j in 0..<n {
                let error = target[j] - frame.encoder[j]
                // Integrate, bounded so the integral term stays within its effort share.
                let bound = integralBound[j]
                integral[j] = min(max(integral[j] + error / rate, -bound), bound)
                if !integral[j].isFinite { integral[j] = 0 }
                let g = configuration.gravity[j]
                let gravity = configuration.prismatic & (1 << UInt8(j)) != 0 ? -g : g == 0 ? 0 : g * sin(target[j])
                // Trajectory feedforward only while the interlock lets the trajectory through.
                let v = following ? referenceVelocity[j] : 0
                let a = following ? referenceAcceleration[j] : 0
                let effort =
                    configuration.inertia[j] * a + kp[j] * error + ki[j] * integral[j] + kd[j] * (v - velocity[j]) + gravity
                    + configuration.viscousFriction[j] * v
                let amps = effort / configuration.effortPerAmp[j]
                current[j] = min(max(amps, -configuration.currentMax[j]), configuration.currentMax[j])
                if !current[j].isFinite { current[j] = 0 }
            }
        }
        lastServoCurrent = current
        injector.applyCommand(current: &current, tick: k)
        let verdict = interlock.gateCurrent(current)
        backend.write(verdict.gated)
        if verdict.gated.command.powerOn { everPowered = true }
        lastVerdict = verdict
        for _ in 0..<inputs.overruns {
            events.append(LoopEvent.make(.overrun, k))
        }

        // Follow up: the tip of what was sent, rejected operator samples, state changes.
        if configuration.limits.tipSpeed != nil {
            let position = verdict.gated.command.position
            if !verdict.gated.command.powerOn {
                lastGatedTip = nil
            } else {
                lastGatedTip = tipPosition(position)  // usually the proposal's, from tipMemo
            }
        }
        if verdict.operatorSampleRejected, lastOperatorStep.isFinite {
            operatorTarget = operatorTarget - lastOperatorStep
        }
        var reason: CheckID?
        var worst = Response.none
        for i in 0..<verdict.trips.count {
            let trip = verdict.trips[i]
            var event = LoopEvent.make(.trip, k)
            event.trip = trip
            events.append(event)
            if trip.response > worst {
                worst = trip.response
                reason = trip.check
            }
        }
        if verdict.trips.dropped > 0 {
            // The responses took effect (the interlock counts every trip); the log must say that
            // some records are missing, and how severe the worst of the tick's trips was.
            var event = LoopEvent.make(.tripsDropped, k)
            event.index = verdict.trips.dropped
            event.trip.response = verdict.trips.worst
            events.append(event)
            eventsLost += verdict.trips.dropped
        }
        switch verdict.state {
        case .faulted:
            if state != .fault {
                // The check that started the stop, unless this tick's trip is more severe (a
                // power-off ending a protective stop, or a latch straight from normal).
                let cause = lastReason != nil && worst <= lastReasonResponse ? lastReason : reason
                transition(to: .fault, tick: k, reason: cause)
                mode = .idle
                homed = false
                teleoperationSession = false
            }
            // The stop has ended; what comes after a reset is a new one.
            lastReason = nil
            lastReasonResponse = .none
        case .holding, .stopping:
            if state == .enabled {
                transition(to: .paused, tick: k, reason: reason)
                mode = .idle
            }
            // The check that started the hold or stop, or escalated it: a later trip of the
            // same or a lesser severity (one more symptom of the same failure) does not take
            // its place, so the FAULT the stop ends in names the check that started it.
            if let reason, lastReason == nil || worst > lastReasonResponse {
                lastReason = reason
                lastReasonResponse = worst
            }
        case .normal:
            lastReason = nil
            lastReasonResponse = .none
        }
        let dropped = events.takeDropped()
        eventsLost += dropped
        if dropped > 0 {
            var event = LoopEvent.make(.eventsDropped, k)
            event.index = dropped
            events.append(event)
        }
    }

    /// The check that started (or escalated) the hold or stop under way, and its response.
    var lastReason: CheckID?
    var lastReasonResponse = Response.none
    /// Take the reference from the next measurement (after enable).
    var resynchronize = false
    /// The servo's current of the previous tick.
    var lastServoCurrent: JointVector
    /// Teleoperation was started and has not been ended by another command: the operator stream
    /// is watched (H19) even while the arm holds.
    var teleoperationSession = false
    /// The last tip position worked out, and for which joint values. The same values often come
    /// again within a tick or the next (teleoperation's new reference is the proposal the
    /// tip-speed check judges, and the next tick's starting point): one forward kinematics, not
    /// three; the runner's excursion asks for the reference's tip, usually the one sent).
    var tipMemo: (joints: JointVector, tip: Vector3)?

    /// The tool tip at `q` (the arm's kinematics), from `tipMemo` when `q` is the same.
    public mutating func tipPosition(_ q: JointVector) -> Vector3 {
        if let memo = tipMemo, memo.joints == q { return memo.tip }
        let tip = configuration.kinematics.tipPosition(q)
        tipMemo = (q, tip)
        return tip
    }
    /// The teleoperation pattern, kept for watching the stream during a hold.
    var teleoperationPattern: (radius: Double, period: Double, center: Vector3, startTick: Int64)?
    /// Events the ring could not hold, in total (the evidence of this run is incomplete).
    public private(set) var eventsLost = 0
    /// Deadline overruns measured by a real-time runner, handed to the interlock next tick (H15).
    var measuredOverruns = 0
    /// Periods a `stall` fault has frozen the host for, so far.
    var stalledPeriods = 0
    /// The boards' own watchdog has removed power (a simulator's backend knows; nil otherwise).
    public var boardWatchdogExpired: Bool? { backend.boardWatchdogExpired }

    /// A `loop_timing` `stall` freezes the host at tick `k`: commands wait until it runs again.
    public func hostStalled(at k: Int64) -> Bool {
        injector.faults.contains { $0.target == .loopTiming && $0.kind == .stall && $0.isActive(at: k) }
    }

    /// Records overruns measured outside the loop (missed periods of a real-time run).
    public mutating func reportOverruns(_ count: Int) { measuredOverruns += count }

    // Small views of big state, so a caller holding the loop in a class reads a few bytes, not
    // a copy of the whole verdict or backend.

    /// The interlock's state after the last tick (nil before the first).
    public var lastInterlockState: InterlockState? { lastVerdict?.state }
    /// The position setpoint the last tick sent (nil before the first).
    public var lastSentPosition: JointVector? { lastVerdict?.gated.command.position }
    /// The backend's true joint positions, where it knows them (a simulator).
    public var truePosition: JointVector? { backend.truePosition }

    /// The loop has sent the arm power at least once (what the interlock let through, not what
    /// the loop asked for).
    public private(set) var everPowered = false

    /// Bit j set: no motion command in `mode` moves joint j (H01 watches it for motion). A move moves the
    /// joints whose goal is further from their start than the idle limit (a goal written as the
    /// joint's position differs from the measured start by encoder quantisation, and a move
    /// within the limit is within what the check tolerates anyway); a sine its one joint;
    /// teleoperation the joints of the kinematic chain (IK never moves the others).
    func standing(in mode: Mode) -> UInt8 {
        let n = configuration.jointCount
        let all = UInt8(truncatingIfNeeded: (1 << n) - 1)
        switch mode {
        case .idle:
            return all
        case let .move(move, _):
            var mask: UInt8 = 0
            for j in 0..<n where abs(move.goal[j] - move.start[j]) <= idleTolerance[j] { mask |= 1 << UInt8(j) }
            return mask
        case let .sine(joint, _, _, _, _):
            return all & ~(1 << UInt8(joint))
        case .teleoperation:
            let chain = configuration.kinematics.jointCount
            return chain >= n ? 0 : all & ~UInt8(truncatingIfNeeded: (1 << chain) - 1)
        }
    }

    /// The reference for this tick, from the active mode or the interlock's hold.
    mutating func updateReference(_ k: Int64, _ inputs: inout MonitorInputs) {
        let n = configuration.jointCount
        let rate = configuration.rate
        referenceVelocity = JointVector(count: n)
        referenceAcceleration = JointVector(count: n)
        operatorStep = 0
        if isHolding, let hold = lastVerdict?.holdPosition {
            if case .idle = mode {} else { integral = JointVector(count: n) }
            reference = hold
            mode = .idle
            // Keep watching the operator stream (H19) without using it: silence beyond the
            // stop time must still stop the arm.
            if teleoperationSession, let pattern = teleoperationPattern {
                inputs.teleoperation = true
                if injector.applyOperator(operatorSample(k, pattern) - operatorSample(k - 1, pattern), tick: k) != nil {
                    ticksSinceOperator = 0
                } else {
                    ticksSinceOperator += 1
                }
                inputs.ticksSinceOperator = ticksSinceOperator
            }
            return
        }
        switch mode {
        case .idle:
            break
        case let .move(move, cartesian):
            let s = move.sample(k, rate: rate)
            reference = s.position
            referenceVelocity = s.velocity
            referenceAcceleration = s.acceleration
            inputs.cartesian = cartesian
            if move.isDone(at: k) { mode = .idle }
        case let .sine(joint, amplitude, period, center, startTick):
            let w = 2 * Double.pi / period
            let t = Double(k - startTick) / rate
            let (s, c) = sinCos(w * t)
            reference[joint] = center + amplitude * s
            referenceVelocity[joint] = amplitude * w * c
            referenceAcceleration[joint] = -amplitude * w * w * s
        case let .teleoperation(radius, period, center, startTick):
            inputs.cartesian = true
            inputs.teleoperation = true
            let pattern = (radius: radius, period: period, center: center, startTick: startTick)
            let ideal = operatorSample(k, pattern) - operatorSample(k - 1, pattern)
            if let step = injector.applyOperator(ideal, tick: k) {
                ticksSinceOperator = 0
                lastOperatorStep = step
                operatorStep = step.isFinite ? step.norm : .nan
                if step.isFinite {
                    operatorTarget = operatorTarget + step
                    // Seeded with the current reference. Not with the last change carried on: on
                    // a redundant arm that seed carries motion the tip does not see, which no
                    // iteration corrects, and the wrist drifts further every circle.
                    let solution = configuration.kinematics.inverse(
                        position: operatorTarget, seed: reference, scratch: &scratch, options: .tracking)
                    let next = limitedTeleoperationStep(to: solution.joints)
                    // Velocity feedforward from the change of the reference.
                    for j in 0..<n { referenceVelocity[j] = (next[j] - reference[j]) * rate }
                    reference = next
                }
            } else {
                ticksSinceOperator += 1
                lastOperatorStep = .zero
            }
            inputs.operatorStep = operatorStep
            inputs.ticksSinceOperator = ticksSinceOperator
        }
    }

    /// The next teleoperation reference on the way from the current one to the IK `solution`:
    /// the whole step scaled down, in proportion, so that no joint moves faster than its
    /// `max_velocity` and the tip no faster than 80 % of `tip_speed.limit` (as a move is
    /// planned). Near the edge of the workspace the position-only IK keeps the tip on the
    /// target by swinging the joints that still can (the PSM's wrist) as fast as it takes; the
    /// tip then lags the operator instead, and the interlock's checks stay the independent
    /// limit. A non-finite solution passes unchanged: the interlock stops it.
    mutating func limitedTeleoperationStep(to solution: JointVector) -> JointVector {
        let n = configuration.jointCount
        let rate = configuration.rate
        var change = JointVector(count: n)
        var ratio = 1.0
        for j in 0..<n {
            change[j] = solution[j] - reference[j]
            ratio = Swift.max(ratio, abs(change[j]) * rate / configuration.maxVelocity[j])
        }
        guard change.isFinite, ratio.isFinite else { return solution }
        var next = reference
        for j in 0..<n { next[j] += change[j] / ratio }
        if let limit = configuration.limits.tipSpeed {
            let from = tipPosition(reference)
            let moved = (tipPosition(next) - from).norm
            let allowed = 0.8 * limit / rate
            if moved > allowed {
                let scale = allowed / moved
                for j in 0..<n { next[j] = reference[j] + scale * (next[j] - reference[j]) }
            }
        }
        return next
    }

    /// Where the operator's circle puts the tip at `tick`.
    func operatorSample(_ tick: Int64, _ p: (radius: Double, period: Double, center: Vector3, startTick: Int64)) -> Vector3 {
        let w = 2 * Double.pi / p.period
        let t = Double(tick - p.startTick) / configuration.rate
        let (s, c) = sinCos(w * t)
        return p.center + Vector3(p.radius * (c - 1), p.radius * s, 0)
    }

    mutating func recordFaultWindows(_ k: Int64) {
        for i in injector.faults.indices {
            let active = injector.faults[i].isActive(at: k)
            if active != faultActive[i] {
                var event = LoopEvent.make(active ? .faultInjected : .faultCleared, k)
                event.index = i
                events.append(event)
                faultActive[i] = active
            }
        }
    }
}
