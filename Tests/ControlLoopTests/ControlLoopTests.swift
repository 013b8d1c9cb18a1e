import ActuatorInterface
import ControlLoop
import Kinematics
import MotionTypes
import SafetyInterlock
import Simulator
import Testing

/// A two-joint planar arm (revolute, 0.3 m and 0.2 m links) with a simulated plant.
enum Arm {
    static func configuration(tipSpeed: Double? = nil) -> LoopConfiguration {
        let links: [KinematicModel.Link] = [
            .init(kind: .revolute, alpha: 0, a: 0.3, d: 0, offset: 0, lower: -2, upper: 2),
            .init(kind: .revolute, alpha: 0, a: 0.2, d: 0, offset: 0, lower: -2, upper: 2),
        ]
        let model = try! KinematicModel(convention: .standardDH, links: links)
        var limits = SafetyLimits(lower: JointVector([-2, -2]), upper: JointVector([2, 2]), currentMax: JointVector([2, 2]))
        limits.trackingError = JointVector([0.2, 0.2])
        limits.tipSpeed = tipSpeed
        limits.tipSpeedHoldAfter = 20
        return LoopConfiguration(
            rate: 1000, kinematics: model, lower: limits.lower, upper: limits.upper, maxVelocity: JointVector([1, 2]),
            maxAcceleration: JointVector([4, 8]), inertia: JointVector([0.05, 0.02]), gravity: JointVector([0, 0]),
            viscousFriction: JointVector([0.01, 0.01]), prismatic: 0, effortPerAmp: JointVector([1, 1]),
            currentMax: JointVector([2, 2]), servoBandwidth: 10, limits: limits)
    }

    /// A loop on the arm at [0.4, -0.2] rad, given `enable` and `home` for tick 0 (not yet stepped).
    static func homedLoop(_ settings: LoopConfiguration = configuration(), faults: [Fault] = []) -> ControlLoop<Simulator> {
        var loop = ControlLoop(configuration: settings, backend: plant(JointVector([0.4, -0.2])), faults: faults, seed: 1)
        loop.command(.enable, tick: 0, index: 0)
        loop.command(.home, tick: 0, index: 1)
        return loop
    }

    static func plant(_ start: JointVector) -> Simulator {
        let joint = PlantModel.Joint(
            prismatic: false, inertia: 0.05, viscousFriction: 0.01, coulombFriction: 0, gravity: 0, brakeTorque: 0,
            reduction: 100, torqueConstant: 0.01, currentMax: 2, encoderCountsPerRevolution: 4096, potentiometerNoise: nil,
            windingResistance: 1, thermalResistance: 5, thermalTimeConstant: 30)
        var second = joint
        second.inertia = 0.02
        return Simulator(
            model: PlantModel(
                joints: [joint, second], rate: 1000, substeps: 4, supplyVoltage: 24, ambientTemperature: 25,
                currentNoise: 0, temperatureNoise: 0, watchdogTicks: 30, minimumDriveVoltage: 12),
            seed: 1, initialPosition: start)
    }
}

@Suite struct ControlLoopTests {
    @Test func enableTakesTheReferenceFromTheFirstMeasurement() {
        var loop = ControlLoop(configuration: Arm.configuration(), backend: Arm.plant(JointVector([0.5, -0.3])), faults: [], seed: 1)
        loop.command(.enable, tick: 0, index: 0)
        loop.command(.home, tick: 0, index: 1)
        for k in 0..<100 { loop.step(tick: Int64(k)) }
        #expect(loop.state == .enabled)
        #expect(abs(loop.reference[0] - 0.5) < 1e-3 && abs(loop.reference[1] + 0.3) < 1e-3)
        #expect(abs(loop.backend.position[0] - 0.5) < 1e-3, "the arm did not jump at enable")
    }

    @Test func motionIsRejectedUntilHomed() {
        var loop = ControlLoop(configuration: Arm.configuration(), backend: Arm.plant(JointVector([0, 0])), faults: [], seed: 1)
        loop.command(.enable, tick: 0, index: 0)
        loop.step(tick: 0)
        loop.command(.moveJoints(JointVector([1, 1])), tick: 1, index: 1)
        var refusals: [CommandRefusal] = []
        while let e = loop.events.pop() {
            if e.kind == .commandRejected, let r = e.refusal { refusals.append(r) }
        }
        #expect(refusals == [.notHomed])
    }

    @Test func aCommandOutOfStateIsRejectedWithTheStateItMet() {
        var loop = ControlLoop(configuration: Arm.configuration(), backend: Arm.plant(JointVector([0, 0])), faults: [], seed: 1)
        loop.command(.home, tick: 0, index: 0)
        loop.command(.pause, tick: 0, index: 1)
        loop.command(.servoJointSine(joint: 5, amplitude: 0.1, period: 1), tick: 0, index: 2)
        var rejected: [(CommandRefusal?, OperatingState, Int)] = []
        while let e = loop.events.pop() {
            if e.kind == .commandRejected { rejected.append((e.refusal, e.from, e.index)) }
        }
        #expect(rejected.map(\.0) == [.state, .state, .noSuchJoint])
        #expect(rejected.map(\.1) == [.disabled, .disabled, .disabled])
        #expect(rejected.map(\.2) == [0, 1, 2])
    }

    @Test func moveReachesItsGoalWithinVelocityAndAccelerationLimits() {
        var loop = ControlLoop(configuration: Arm.configuration(), backend: Arm.plant(JointVector([0, 0])), faults: [], seed: 1)
        loop.command(.enable, tick: 0, index: 0)
        loop.command(.home, tick: 0, index: 1)
        loop.step(tick: 0)
        loop.command(.moveJoints(JointVector([1.2, -0.8])), tick: 1, index: 2)
        var previous = loop.reference
        var previousVelocity = JointVector(count: 2)
        var peakVelocity = JointVector(count: 2), peakAcceleration = JointVector(count: 2)
        for k in 1..<4000 {
            loop.step(tick: Int64(k))
            for j in 0..<2 {
                let v = (loop.reference[j] - previous[j]) * 1000
                peakVelocity[j] = max(peakVelocity[j], abs(v))
                if k > 2 { peakAcceleration[j] = max(peakAcceleration[j], abs(v - previousVelocity[j]) * 1000) }
                previousVelocity[j] = v
            }
            previous = loop.reference
        }
        #expect(abs(loop.backend.position[0] - 1.2) < 2e-3 && abs(loop.backend.position[1] + 0.8) < 2e-3)
        #expect(peakVelocity[0] <= 1 * 1.001 && peakVelocity[1] <= 2 * 1.001, "peak velocity \(peakVelocity)")
        #expect(peakAcceleration[0] <= 4 * 1.01 && peakAcceleration[1] <= 8 * 1.01, "peak acceleration \(peakAcceleration)")
        #expect(loop.state == .enabled)
    }

    @Test func movesAreSlowedToKeepTheTipUnderItsSpeedLimit() {
        var loop = ControlLoop(configuration: Arm.configuration(tipSpeed: 0.1), backend: Arm.plant(JointVector([0, 0])), faults: [], seed: 1)
        loop.command(.enable, tick: 0, index: 0)
        loop.command(.home, tick: 0, index: 1)
        loop.step(tick: 0)
        loop.command(.moveJoints(JointVector([1, 0])), tick: 1, index: 2)
        var scratch = KinematicScratch()
        var previous = loop.configuration.kinematics.forward(loop.reference, scratch: &scratch).translation
        var peak = 0.0
        for k in 1..<12000 {
            loop.step(tick: Int64(k))
            let tip = loop.configuration.kinematics.forward(loop.reference, scratch: &scratch).translation
            peak = max(peak, (tip - previous).norm * 1000)
            previous = tip
        }
        #expect(peak <= 0.08 * 1.02, "planned for 80 % of the 0.1 m/s limit, got \(peak)")
        var trips = 0
        while let e = loop.events.pop() {
            if e.kind == .trip { trips += 1 }
        }
        #expect(trips == 0)
    }

    @Test func aTripPutsTheLoopInFaultAndMotionIsRefusedUntilReset() {
        let faults = [Fault(target: .encoder, kind: .offset(0.3), joint: 0, onset: 50, end: 60)]
        var loop = ControlLoop(configuration: Arm.configuration(), backend: Arm.plant(JointVector([0, 0])), faults: faults, seed: 1)
        loop.command(.enable, tick: 0, index: 0)
        loop.command(.home, tick: 0, index: 1)
        for k in 0..<100 { loop.step(tick: Int64(k)) }
        #expect(loop.state == .fault)
        #expect(!loop.backend.amplifiersOn)
        loop.command(.enable, tick: 100, index: 2)
        #expect(loop.state == .fault, "no automatic recovery")
        loop.command(.reset, tick: 100, index: 3)
        #expect(loop.state == .disabled)
        loop.command(.enable, tick: 100, index: 4)
        #expect(loop.state == .enabled)
    }
}

/// The servo drives the motors from enable on, so the checks on what it does run from enable
/// on, not from home: a fault between the two is caught.
@Suite struct PoweredBeforeHomeTests {
    @Test func aSensorFaultAfterEnableAndBeforeHomeTrips() {
        let faults = [Fault(target: .encoder, kind: .offset(0.3), joint: 0, onset: 50, end: 60)]
        var loop = ControlLoop(configuration: Arm.configuration(), backend: Arm.plant(JointVector([0, 0])), faults: faults, seed: 1)
        loop.command(.enable, tick: 0, index: 0)
        var trips: [(tick: Int64, check: CheckID)] = []
        for k in 0..<100 {
            loop.step(tick: Int64(k))
            while let e = loop.events.pop() {
                if e.kind == .trip { trips.append((e.tick, e.trip.check)) }
            }
        }
        #expect(loop.state == .fault, "never homed, and still stopped")
        #expect(trips.first.map { $0.tick } == 50 && trips.first?.check == .trackingError, "\(trips)")
        #expect(!loop.backend.amplifiersOn)
    }
}

/// H01 idle motion through the loop: the loop tells the interlock when the arm is standing.
@Suite struct IdleMotionLoopTests {
    static func configuration() -> LoopConfiguration {
        var c = Arm.configuration()
        c.limits.idleMotion = JointVector([0.01, 0.01])
        c.limits.idleSettle = 50
        return c
    }

    static func trips(_ loop: inout ControlLoop<Simulator>, _ ticks: Range<Int64>) -> [(tick: Int64, check: CheckID)] {
        var found: [(Int64, CheckID)] = []
        for k in ticks {
            loop.step(tick: k)
            while let e = loop.events.pop() {
                if e.kind == .trip { found.append((e.tick, e.trip.check)) }
            }
        }
        return found
    }

    @Test func aCommandOffsetOnAStandingArmStopsIt() {
        let faults = [Fault(target: .command, kind: .offset(0.02), joint: 1, onset: 200, end: nil)]
        var loop = Arm.homedLoop(Self.configuration(), faults: faults)
        let trips = Self.trips(&loop, 0..<300)
        #expect(trips.first?.tick == 200 && trips.first?.check == .idleCommand, "\(trips)")
        #expect(loop.state == .fault)
    }

    @Test func theSameOffsetDuringAMoveIsNotIdleMotion() {
        let faults = [Fault(target: .command, kind: .offset(0.02), joint: 1, onset: 200, end: nil)]
        var loop = Arm.homedLoop(Self.configuration(), faults: faults)
        var trips = Self.trips(&loop, 0..<100)
        loop.command(.moveJoints(JointVector([-0.4, 0.2])), tick: 100, index: 2)
        trips += Self.trips(&loop, 100..<400)
        #expect(trips.isEmpty, "\(trips)")
        #expect(loop.state == .enabled)
    }

    @Test func aJointThatAnotherJointsCommandDoesNotMoveIsStillWatched() {
        let faults = [Fault(target: .command, kind: .offset(0.02), joint: 1, onset: 200, end: nil)]
        var loop = Arm.homedLoop(Self.configuration(), faults: faults)
        var trips = Self.trips(&loop, 0..<100)
        loop.command(.servoJointSine(joint: 0, amplitude: 0.05, period: 1), tick: 100, index: 2)
        trips += Self.trips(&loop, 100..<300)
        #expect(trips.first?.tick == 200 && trips.first?.check == .idleCommand, "\(trips)")
    }

    @Test func aMoveWatchesTheJointsItDoesNotMove() {
        let faults = [Fault(target: .command, kind: .offset(0.02), joint: 1, onset: 200, end: nil)]
        var loop = Arm.homedLoop(Self.configuration(), faults: faults)
        var trips = Self.trips(&loop, 0..<100)
        let start = loop.reference
        // Joint 1's goal as a file would give it: its position, not the encoder-rounded start.
        loop.command(.moveJoints(JointVector([-0.4, start[1] + 0.004])), tick: 100, index: 2)
        trips += Self.trips(&loop, 100..<300)
        #expect(trips.first?.tick == 200 && trips.first?.check == .idleCommand, "joint 1 moves less than the idle limit: it stands; \(trips)")
    }

    @Test func aPausedArmThatIsPushedAwayIsStopped() {
        // An encoder offset looks, to the loop, like the arm having moved while it stands.
        let faults = [Fault(target: .encoder, kind: .offset(0.05), joint: 0, onset: 300, end: nil)]
        var loop = Arm.homedLoop(Self.configuration(), faults: faults)
        var trips = Self.trips(&loop, 0..<100)
        loop.command(.pause, tick: 100, index: 2)
        trips += Self.trips(&loop, 100..<400)
        #expect(trips.first?.tick == 300 && trips.first?.check == .idleMotion, "\(trips)")
    }
}

@Suite struct HostStallTests {
    @Test func aStalledHostDoesNothingAndItsMissedPeriodsAreOverrunsAfterwards() {
        let faults = [Fault(target: .loopTiming, kind: .stall, joint: nil, onset: 100, end: 150)]
        var loop = Arm.homedLoop(faults: faults)
        var kinds: [(Int64, LoopEvent.Kind)] = []
        var expiredAt: Int64?
        for k in Int64(0)..<160 {
            loop.step(tick: k)
            if expiredAt == nil && loop.boardWatchdogExpired == true { expiredAt = k }
            while let e = loop.events.pop() {
                if e.tick >= 100 { kinds.append((e.tick, e.kind)) }
            }
        }
        // Nothing happens on the host while it is frozen but the fault's own window.
        #expect(kinds.filter { $0.0 < 150 }.map(\.1) == [.faultInjected])
        // No command for more than the plant's 30-tick watchdog: the boards stop themselves.
        #expect(expiredAt == Int64(99 + 31), "the last write was at tick 99")
        // When it runs again, each missed period is an overrun.
        #expect(kinds.filter { $0.0 == 150 && $0.1 == .overrun }.count == 50)
    }

    @Test func aSimulatorsMissedPeriodsAreNotTimeItMovedIn() {
        // A real-time runner's missed periods: real boards moved through them, a simulator did
        // not (it advances one period per read), so its speed estimate is not divided.
        var loop = Arm.homedLoop()
        for k in Int64(0)..<100 { loop.step(tick: k) }
        loop.command(.moveJoints(JointVector([-0.4, -0.2])), tick: 100, index: 2)
        for k in Int64(100)..<400 { loop.step(tick: k) }
        let before = loop.frame.encoder[0]
        let v0 = loop.velocity[0]
        loop.reportOverruns(9)
        loop.step(tick: 400)
        let alpha = 0.001 / (0.001 + 1 / (2 * Double.pi * 100))
        let moved = loop.frame.encoder[0] - before
        let expected = v0 + alpha * (moved * 1000 - v0)
        let divided = v0 + alpha * (moved * 100 - v0)
        #expect(abs(loop.velocity[0] - expected) < 1e-9)
        #expect(abs(expected - divided) > 0.05, "the test can tell the two apart")
    }

    @Test func theSpeedAfterAStallIsTheMotionOverEveryMissedPeriod() {
        // Stalled in the middle of a move: the first estimate after the stall spreads the
        // motion since the last reading over the 51 periods it took, not over one.
        let faults = [Fault(target: .loopTiming, kind: .stall, joint: nil, onset: 150, end: 200)]
        var loop = Arm.homedLoop(faults: faults)
        for k in Int64(0)..<100 { loop.step(tick: k) }
        loop.command(.moveJoints(JointVector([-0.4, -0.2])), tick: 100, index: 2)
        for k in Int64(100)..<150 { loop.step(tick: k) }
        let before = loop.frame.encoder[0]
        let v0 = loop.velocity[0]
        for k in Int64(150)..<201 { loop.step(tick: k) }
        let moved = loop.frame.encoder[0] - before
        // The loop's 100 Hz low-pass at 1 kHz.
        let alpha = 0.001 / (0.001 + 1 / (2 * Double.pi * 100))
        let spread = v0 + alpha * (moved * 1000 / 51 - v0)
        let burst = v0 + alpha * (moved * 1000 - v0)
        #expect(abs(loop.velocity[0] - spread) < 1e-9, "\(loop.velocity[0]) vs \(spread)")
        #expect(abs(burst - spread) > 0.1, "the test can tell the two apart")
    }
}

@Suite struct PauseResumeTests {
    @Test func disableEndsAHoldAndEnableStartsFromTheMeasurement() {
        // A setpoint drifting too fast for the tip: clamped, then held after 20 ticks.
        let faults = [Fault(target: .command, kind: .ramp(perSecond: 1), joint: 0, onset: 50, end: 150)]
        var loop = Arm.homedLoop(Arm.configuration(tipSpeed: 0.05), faults: faults)
        for k in 0..<100 { loop.step(tick: Int64(k)) }
        let heldBefore = loop.isHolding
        #expect(heldBefore)
        loop.command(.disable, tick: 100, index: 2)
        let heldAfter = loop.isHolding
        #expect(!heldAfter, "power off ends a category 2 hold")
        for k in 100..<200 { loop.step(tick: Int64(k)) }
        loop.command(.enable, tick: 200, index: 3)
        loop.step(tick: 200)
        #expect(loop.reference == loop.frame.encoder, "the reference comes from the measurement, not the old hold")
    }

    /// During an interlock hold (the arm PAUSED by it) a motion command is refused as held, which
    /// tells the reader to resume; after a plain `pause` it is refused for the state.
    @Test func aMotionCommandDuringAHoldIsRefusedAsHeld() {
        let faults = [Fault(target: .command, kind: .ramp(perSecond: 1), joint: 0, onset: 50, end: 150)]
        var loop = Arm.homedLoop(Arm.configuration(tipSpeed: 0.05), faults: faults)
        for k in 0..<100 { loop.step(tick: Int64(k)) }
        #expect(loop.isHolding && loop.state == .paused)
        loop.command(.moveJoints(JointVector([0, 0])), tick: 100, index: 2)
        var plain = Arm.homedLoop()
        for k in 0..<10 { plain.step(tick: Int64(k)) }
        plain.command(.pause, tick: 10, index: 2)
        plain.command(.moveJoints(JointVector([0, 0])), tick: 10, index: 3)
        func refusals(_ loop: inout ControlLoop<Simulator>) -> [CommandRefusal] {
            var r: [CommandRefusal] = []
            while let e = loop.events.pop() {
                if e.kind == .commandRejected, let why = e.refusal { r.append(why) }
            }
            return r
        }
        #expect(refusals(&loop) == [.holding])
        #expect(refusals(&plain) == [.state])
    }

    /// A protective stop under way (category 1: the arm brought to rest, then power off) cannot
    /// be resumed: resume and motion are refused as stopping, and the arm ends in FAULT. Found in
    /// review: resume was accepted, the loop said ENABLED, and FAULT followed 12 ms later.
    @Test func aProtectiveStopUnderWayIsNotResumed() {
        // A setpoint step beyond the step limit during a move: command_step, a protective stop
        // (an arm already at rest is latched at once instead).
        var settings = Arm.configuration()
        settings.limits.commandStep = JointVector([0.1, 0.1])
        let faults = [Fault(target: .command, kind: .offset(0.12), joint: 0, onset: 300, end: nil)]
        var loop = Arm.homedLoop(settings, faults: faults)
        loop.step(tick: 0)
        loop.command(.moveJoints(JointVector([1.4, -0.2])), tick: 1, index: 2)
        var k: Int64 = 1
        while k < 320 {
            loop.step(tick: k)
            k += 1
            if case .stopping = loop.interlock.state { break }
        }
        guard case .stopping = loop.interlock.state else {
            Issue.record("no protective stop under way: \(loop.interlock.state)")
            return
        }
        #expect(loop.state == .paused)
        while loop.events.pop() != nil {}
        loop.command(.resume, tick: k, index: 3)
        loop.command(.moveJoints(JointVector([0, 0])), tick: k, index: 4)
        var refusals: [CommandRefusal] = []
        while let e = loop.events.pop() {
            if e.kind == .commandRejected, let why = e.refusal { refusals.append(why) }
        }
        #expect(refusals == [.stopping, .stopping])
        #expect(loop.state == .paused)
        for t in k..<(k + 200) { loop.step(tick: t) }
        #expect(loop.state == .fault)
    }

    /// The FAULT a protective stop ends in names the check that started the stop, not the
    /// lesser or equal trips that came while it ran (here overruns on every tick from just
    /// after the stop's start: `deadline` holds, then `deadline_stop`), including one on the
    /// very tick the stop ends.
    @Test func theFaultAfterAStopNamesTheCheckThatStartedIt() {
        var settings = Arm.configuration()
        settings.limits.commandStep = JointVector([0.1, 0.1])
        settings.limits.maxOverruns = 10
        settings.limits.overrunWindow = 100
        let faults = [
            Fault(target: .command, kind: .offset(0.12), joint: 0, onset: 300, end: nil),
            Fault(target: .loopTiming, kind: .overrun, joint: nil, onset: 303, end: nil),
        ]
        var loop = Arm.homedLoop(settings, faults: faults)
        loop.step(tick: 0)
        loop.command(.moveJoints(JointVector([1.4, -0.2])), tick: 1, index: 2)
        var trips: [(Int64, CheckID)] = []
        var fault: (tick: Int64, reason: CheckID?)?
        for k in Int64(1)..<600 {
            loop.step(tick: k)
            while let e = loop.events.pop() {
                if e.kind == .trip { trips.append((k, e.trip.check)) }
                if e.kind == .stateTransition && e.to == .fault { fault = (k, e.reasonCheck) }
            }
        }
        let stop = trips.first { $0.1 == .commandStep }
        #expect(stop != nil, "command_step started a stop: \(trips)")
        let during = trips.filter { ($0.1 == .deadline || $0.1 == .deadlineStop) && $0.0 > stop?.0 ?? .max }
        #expect(!during.isEmpty, "overrun trips came during the stop: \(trips)")
        #expect(loop.state == .fault)
        #expect(during.contains { $0.0 == fault?.tick }, "an overrun trip on the tick the stop ends: \(trips), FAULT at \(String(describing: fault))")
        #expect(fault?.reason == .commandStep, "FAULT reason: \(String(describing: fault))")
    }

    /// A FAULT after a reset names its own cause, not the stop before the reset: with the bus
    /// already failing when the reset comes, the unpowered arm latches `communication` on the
    /// very next tick (no tick of normal running in between to forget the old reason).
    @Test func aFaultAfterAResetNamesItsOwnCause() {
        var settings = Arm.configuration()
        settings.limits.commandStep = JointVector([0.1, 0.1])
        settings.limits.maxBusFaults = 2
        let faults = [
            Fault(target: .command, kind: .offset(0.12), joint: 0, onset: 300, end: 302),
            Fault(target: .bus, kind: .drop, joint: nil, onset: 590, end: nil),  // failing when the reset comes
        ]
        var loop = Arm.homedLoop(settings, faults: faults)
        loop.step(tick: 0)
        loop.command(.moveJoints(JointVector([1.4, -0.2])), tick: 1, index: 2)
        var reasons: [CheckID?] = []
        for k in Int64(1)..<800 {
            if k == 600 { loop.command(.reset, tick: k, index: 3) }
            loop.step(tick: k)
            while let e = loop.events.pop() {
                if e.kind == .stateTransition && e.to == .fault { reasons.append(e.reasonCheck) }
            }
        }
        #expect(reasons == [.commandStep, .communication], "\(reasons)")
    }

    @Test func pauseAndResumeWithoutAHoldKeepTheReference() {
        var loop = Arm.homedLoop()
        for k in 0..<50 { loop.step(tick: Int64(k)) }
        loop.command(.pause, tick: 50, index: 2)
        for k in 50..<100 { loop.step(tick: Int64(k)) }
        let held = loop.reference
        loop.command(.resume, tick: 100, index: 3)
        #expect(loop.state == .enabled)
        for k in 100..<200 { loop.step(tick: Int64(k)) }
        #expect(abs(loop.reference[0] - held[0]) < 1e-9 && abs(loop.reference[1] - held[1]) < 1e-9, "no jump on resume")
        var trips = 0
        while let e = loop.events.pop() {
            if e.kind == .trip { trips += 1 }
        }
        #expect(trips == 0)
    }
}

@Suite struct CartesianCommandTests {
    /// The events of the loop so far, by kind.
    static func kinds(_ loop: inout ControlLoop<Simulator>) -> [LoopEvent.Kind] {
        var kinds: [LoopEvent.Kind] = []
        while let e = loop.events.pop() { kinds.append(e.kind) }
        return kinds
    }

    @Test func moveCartesianTakesTheTipToAReachableTarget() {
        var loop = Arm.homedLoop()
        loop.step(tick: 0)
        var scratch = KinematicScratch()
        let model = loop.configuration.kinematics
        let target = model.forward(JointVector([0.9, -0.5]), scratch: &scratch).translation
        loop.command(.moveCartesian(target), tick: 1, index: 2)
        #expect(!Self.kinds(&loop).contains(.commandRejected))
        for k in 1..<4000 { loop.step(tick: Int64(k)) }
        let tip = model.forward(loop.backend.position, scratch: &scratch).translation
        #expect((tip - target).norm < 1e-3, "tip \(tip) for target \(target)")
        #expect(loop.state == .enabled)
    }

    @Test func moveCartesianToAnUnreachableTargetIsRejectedAndNothingMoves() {
        var loop = Arm.homedLoop()
        loop.step(tick: 0)
        let before = loop.reference
        // The arm reaches 0.5 m.
        loop.command(.moveCartesian(Vector3(0.6, 0, 0)), tick: 1, index: 2)
        var rejection: LoopEvent?
        while let e = loop.events.pop() {
            if e.kind == .commandRejected { rejection = e }
        }
        #expect(rejection?.refusal == .notFoundWithinTick)
        // Fully stretched towards it, the tip is 0.1 m short.
        #expect(abs((rejection?.distance ?? 0) - 0.1) < 1e-6, "\(rejection?.distance ?? 0)")
        for k in 1..<200 { loop.step(tick: Int64(k)) }
        #expect(loop.reference == before)
        #expect(abs(loop.backend.position[0] - 0.4) < 1e-3 && abs(loop.backend.position[1] + 0.2) < 1e-3)
    }
}

@Suite struct TeleoperationSpeedTests {
    /// servo_cp never moves a joint faster than its max_velocity: a circle the arm cannot follow
    /// at that speed (1.26 m/s of tip speed; the joints may do 1 and 2 rad/s) is followed late,
    /// and the reference changes by at most max_velocity / rate a tick. Found in a user pass:
    /// the PSM's wrist swung at up to 900 deg/s (limit 360) to keep the tip on a circle that
    /// left the workspace, until the interlock's step check stopped the arm.
    /// With the tip-speed limit and the step check on, a circle too fast for the arm trips
    /// nothing: the step is scaled, as a whole, to 80 % of the tip-speed limit. Found in review:
    /// limiting each joint alone let the PSM's reference tip reach 0.106 m/s (limit 0.1), the
    /// interlock clamped the sent setpoint, the gap grew and command_step stopped the arm.
    @Test func servoCartesianKeepsTheTipWithinItsSpeedAndTripsNothing() {
        var settings = Arm.configuration(tipSpeed: 0.1)
        settings.limits.commandStep = JointVector([0.01, 0.01])
        var loop = Arm.homedLoop(settings)
        loop.step(tick: 0)
        loop.command(.teleoperateCircle(radius: 0.2, period: 1), tick: 1, index: 2)
        var scratch = KinematicScratch()
        let model = loop.configuration.kinematics
        var previousTip = model.forward(loop.reference, scratch: &scratch).translation
        var fastestTip = 0.0
        for k in 1..<3000 {
            loop.step(tick: Int64(k))
            let tip = model.forward(loop.reference, scratch: &scratch).translation
            fastestTip = max(fastestTip, (tip - previousTip).norm * 1000)
            previousTip = tip
        }
        #expect(fastestTip <= 0.08 * 1.001, "reference tip speed \(fastestTip) m/s")
        #expect(fastestTip > 0.07, "the limit was reached: the circle asks for 1.26 m/s")
        var trips: [CheckID] = []
        while let e = loop.events.pop() {
            if e.kind == .trip { trips.append(e.trip.check) }
        }
        #expect(trips.isEmpty, "\(trips)")
        #expect(loop.state == .enabled)
    }

    @Test func servoCartesianKeepsEveryJointWithinItsMaxVelocity() {
        var loop = Arm.homedLoop()
        loop.step(tick: 0)
        loop.command(.teleoperateCircle(radius: 0.2, period: 1), tick: 1, index: 2)
        var previous = loop.reference
        var fastest = JointVector(count: 2)
        var limited = 0
        for k in 1..<1000 {
            loop.step(tick: Int64(k))
            for j in 0..<2 {
                let speed = abs(loop.reference[j] - previous[j]) * 1000
                fastest[j] = max(fastest[j], speed)
                if abs(speed - loop.configuration.maxVelocity[j]) < 1e-9 { limited += 1 }
            }
            previous = loop.reference
        }
        #expect(fastest[0] <= 1 + 1e-9 && fastest[1] <= 2 + 1e-9, "fastest \(fastest)")
        #expect(limited > 50, "the circle asks for more than the joints may do: \(limited) limited ticks")
        #expect(loop.state == .enabled)
    }
}
