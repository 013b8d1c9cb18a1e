import MotionTypes
import SafetyInterlock
import Testing

/// H01, motion while the arm is told to stand still: `idle_command` (the setpoint moved away from
/// the standing reference, at once) and `idle_motion` (the measured position did, once settled).
@Suite struct IdleMotionTests {
    static let limit = 0.01
    static let settle: Int64 = 5

    /// Standing at `at` on joint 1 (0.3 rad unless a boundary test needs differences that are
    /// exact), with the idle check on (0.01 rad, 5 ticks to settle).
    func standing(at position: Double = 0.3, _ configure: (inout SafetyLimits) -> Void = { _ in }) -> Harness {
        var h = Harness {
            $0.idleMotion = JointVector([Self.limit, Self.limit])
            $0.idleSettle = Self.settle
            configure(&$0)
        }
        h.inputs.standing = 0b11
        h.inputs.reference[1] = position
        h.proposed.position[1] = position
        h.sensors.encoder[1] = position
        return h
    }

    @Test(arguments: boundary(limit))
    func setpointAwayFromTheStandingReference(_ offset: Double, _ trips: Bool) {
        var h = standing(at: 0)
        h.step()
        h.proposed.position[1] = -offset
        let v = h.step()
        if trips {
            #expect(v.tripped(.idleCommand) == Trip(check: .idleCommand, joint: 1, measured: offset, threshold: Self.limit, response: .protectiveStop))
            #expect(v.gated.command.position[1] == 0, "the offset setpoint is not sent: the stop holds the last one")
            #expect(v.state == .faulted(.protectiveStop), "a protective stop; the arm is at rest, so power goes off at once")
        } else {
            #expect(v.trips.count == 0)
            #expect(v.gated.command.position[1] == -offset)
        }
    }

    @Test func aSetpointOffsetIsCaughtOnTheFirstStandingTickWithoutSettling() {
        var h = standing()
        h.proposed.position[0] = 0.02
        let v = h.step()
        #expect(v.tripped(.idleCommand)?.joint == 0, "no settling time for the setpoint: it is the controller's to keep")
    }

    @Test(arguments: boundary(limit))
    func measuredPositionAwayOnceSettled(_ drift: Double, _ trips: Bool) {
        var h = standing(at: 0)
        h.sensors.encoder[1] = drift
        // Within the settling time the arm may still be coming to rest.
        let settling = h.run(Int(Self.settle))
        #expect(settling.isEmpty)
        let v = h.step()
        if trips {
            let trip = v.tripped(.idleMotion)
            #expect(trip?.joint == 1 && trip?.response == .protectiveStop && trip?.threshold == Self.limit)
            #expect(trip?.measured == drift)
        } else {
            #expect(v.trips.count == 0)
        }
    }

    @Test func aDriftPresentAllAlongTripsOnTheFirstTickAfterTheSettlingTime() {
        var h = standing()
        h.sensors.encoder[0] = 0.05
        let trips = h.run(20).filter { $0.trip.check == .idleMotion }
        #expect(trips.map(\.tick) == [Self.settle], "ticks 0…4 settle; tick 5 is the sixth standing tick")
    }

    @Test func motionCommandsAreNotWatchedAndRestartTheSettlingTime() {
        var h = standing()
        h.sensors.encoder[0] = 0.05
        h.proposed.position[0] = 0.05
        h.inputs.standing = 0
        let moving = h.run(50)
        #expect(moving.isEmpty, "a moving arm is the tracking check's (H02), not this one's")
        h.proposed.position[0] = 0
        h.inputs.standing = 0b11
        let trips = h.run(10).filter { $0.trip.check == .idleMotion }
        #expect(trips.map(\.tick) == [50 + Self.settle])
    }

    @Test func anUnpoweredArmIsNotWatched() {
        var h = standing()
        h.proposed.powerOn = false
        h.proposed.releaseBrakes = false
        h.proposed.position[1] = 0.5
        h.sensors.encoder[1] = 0.5
        let trips = h.run(20)
        #expect(trips.filter { $0.trip.check == .idleCommand || $0.trip.check == .idleMotion }.isEmpty)
    }

    @Test func aHoldingArmIsWatchedAndTheStopItselfIsNot() {
        var h = standing { $0.maxShaftDistance = 0.001 }
        h.inputs.shaftDistance = 0.0015
        h.step()
        #expect(h.interlock.state == .holding)
        h.inputs.shaftDistance = 0.0015
        h.sensors.encoder[1] = 0.32
        let trips = h.run(20)
        let idle = trips.filter { $0.trip.check == .idleMotion }
        #expect(idle.count == 1, "one trip: once the stop is under way the check stands aside")
        #expect(idle.first?.tick == Self.settle, "the settling time runs on through the hold")
    }

    @Test(arguments: [0, 1])
    func notANumberFailsSafe(_ which: Int) {
        var h = standing()
        if which == 0 { h.inputs.reference[1] = .nan } else { h.sensors.encoder[1] = .nan }
        let trips = h.run(Int(Self.settle) + 1)
        #expect(trips.contains { $0.trip.check == (which == 0 ? .idleCommand : .idleMotion) && $0.trip.joint == 1 })
    }

    @Test func resetStartsTheSettlingTimeAfresh() {
        var h = standing { $0.trackingError = JointVector([0.5, 0.5]) }
        h.run(10)
        h.inputs.reference[1] = 2  // tracking error: power off
        h.step()
        #expect(h.isFaulted)
        h.inputs.reference[1] = 0.3
        let cleared = h.interlock.reset(sensors: h.sensors)
        #expect(cleared)
        h.sensors.encoder[1] = 0.35
        let trips = h.run(10).filter { $0.trip.check == .idleMotion }
        #expect(trips.map(\.tick) == [11 + Self.settle], "after a reset the arm settles again before it is judged")
    }

    @Test func onlyTheJointsToldToStandAreWatched() {
        var h = standing()
        h.inputs.standing = 0b10  // joint 0 is the one a command moves
        h.proposed.position[0] = 0.5
        h.sensors.encoder[0] = 0.5
        let moving = h.run(20)
        #expect(moving.isEmpty, "joint 0 moves on command; joint 1 stands where it was told")
        h.proposed.position[1] = 0.32
        let v = h.step()
        #expect(v.tripped(.idleCommand)?.joint == 1)
    }

    @Test func aReferenceBeyondAJointLimitIsJudgedAtTheLimit() {
        // The controller's reference is 1.05 rad, beyond the 1 rad limit: the interlock clamps
        // the setpoint to 1 rad and the arm stands there. That is a clamp, not motion.
        var h = standing()
        h.inputs.reference[1] = 1.05
        h.proposed.position[1] = 1.05
        h.sensors.encoder[1] = 1.0
        let trips = h.run(20)
        #expect(!trips.contains { $0.trip.check == .idleCommand || $0.trip.check == .idleMotion }, "\(trips)")
    }

    @Test func theProposalIsJudgedNotTheStepChecksReplacement() {
        var h = standing(at: 0) { $0.commandStep = JointVector([0.05, 0.05]) }
        h.step()
        h.proposed.position[1] = 0.08
        let v = h.step()
        #expect(v.tripped(.commandStep)?.measured == 0.08)
        #expect(v.tripped(.idleCommand)?.measured == 0.08, "the offset that was proposed, not the refused step's stand-in")
        #expect(v.trips[0].check == .commandStep, "the step check's trip comes first, as before")
    }

    @Test func offWhenTheProfileDisablesIt() {
        var h = Harness()
        h.inputs.standing = 0b11
        h.proposed.position[0] = 0.5
        h.sensors.encoder[1] = 0.5
        let trips = h.run(20)
        #expect(trips.isEmpty)
    }
}
