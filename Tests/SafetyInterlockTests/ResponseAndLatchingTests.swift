import MotionTypes
import SafetyInterlock
import Testing

@Suite struct ResponseAndLatchingTests {
    @Test func powerOffLatchesUntilAnExplicitReset() {
        var h = Harness { $0.trackingError = JointVector([0.5, 0.5]) }
        h.inputs.reference[0] = 0.6
        let trip = h.step()
        #expect(trip.state == .faulted(.powerOff))
        #expect(!trip.gated.command.powerOn && !trip.gated.command.releaseBrakes)
        #expect(trip.gated.command.current == JointVector(count: 2))
        // The cause goes away; the fault stays.
        h.inputs.reference[0] = 0
        for _ in 0..<100 {
            let v = h.step()
            #expect(v.state == .faulted(.powerOff))
            #expect(!v.gated.command.powerOn)
        }
        let accepted = h.interlock.reset(sensors: h.sensors)
        #expect(accepted)
        let after = h.step()
        #expect(after.state == .normal)
        #expect(after.gated.command.powerOn)
    }

    @Test func resetIsRefusedWhileTheEmergencyStopIsAsserted() {
        var h = Harness { $0.emergencyStopCategory = 0 }
        h.sensors.emergencyStop = true
        #expect(h.step().tripped(.emergencyStop)?.response == .powerOff)
        let refused = h.interlock.reset(sensors: h.sensors)
        #expect(!refused)
        #expect(h.isFaulted)
        h.sensors.emergencyStop = false
        let accepted = h.interlock.reset(sensors: h.sensors)
        #expect(accepted)
        #expect(!h.isFaulted)
    }

    @Test func emergencyStopCategoryOneStopsThenRemovesPower() {
        var h = Harness { $0.emergencyStopCategory = 1; $0.stopTicks = 20 }
        h.proposed.position[0] = 0.2
        h.step()
        h.inputs.velocity[0] = 0.5  // still moving: the stop takes its full time
        h.sensors.emergencyStop = true
        let first = h.step()
        #expect(first.tripped(.emergencyStop)?.response == .protectiveStop)
        guard case .stopping = first.state else {
            Issue.record("expected a controlled stop, got \(first.state)")
            return
        }
        #expect(first.gated.command.powerOn, "category 1: power kept while stopping")
        #expect(first.gated.command.position[0] == 0.2, "holds the last gated setpoint")
        var ticks = 1
        while !h.isFaulted && ticks < 100 {
            h.step()
            ticks += 1
        }
        #expect(ticks == 21, "power off once the stop time has run out")
        #expect(h.interlock.state == .faulted(.protectiveStop))
    }

    @Test func protectiveStopEndsEarlyWhenTheArmIsAtRest() {
        var h = Harness { $0.jointLimitMargin = JointVector([0.05, 0.05]); $0.stopTicks = 20 }
        h.sensors.encoder[0] = 1.2
        let v = h.step()
        #expect(v.tripped(.jointLimitMeasured) != nil)
        #expect(v.state == .faulted(.protectiveStop), "already at rest: power off at once")
    }

    @Test func holdKeepsPowerAndIsReleasedByResume() {
        var h = Harness { $0.maxShaftDistance = 0.001 }
        h.inputs.shaftDistance = 0  // the loop supplies a distance whenever the check is on
        h.proposed.position = JointVector([0.1, 0.2])
        h.step()
        h.inputs.shaftDistance = 0.0015
        h.proposed.position = JointVector([0.3, 0.3])
        let v = h.step()
        #expect(v.state == .holding)
        #expect(v.gated.command.powerOn)
        #expect(v.gated.command.position == JointVector([0.1, 0.2]))
        #expect(v.holdPosition == JointVector([0.1, 0.2]))
        h.inputs.shaftDistance = 0
        #expect(h.step().state == .holding, "a hold does not release itself")
        h.interlock.resume()
        let released = h.step()
        #expect(released.state == .normal)
        #expect(released.gated.command.position == JointVector([0.3, 0.3]))
    }

    /// A hold condition is logged once per episode, but a resume while it still holds is
    /// refused: the condition trips (and holds) again at once.
    @Test func resumingWhileAHoldConditionPersistsHoldsAgain() {
        var h = Harness { $0.maxShaftDistance = 0.001; $0.maxRoundTripMicroseconds = 900 }
        h.inputs.shaftDistance = 0.0015
        let trips = h.run(10)
        #expect(trips.map(\.trip.check) == [.remoteCenterDistance], "one record for the episode")
        #expect(h.interlock.state == .holding)
        h.interlock.resume()
        let again = h.step()
        #expect(again.tripped(.remoteCenterDistance)?.response == .hold)
        #expect(again.state == .holding)
        // The same for a late bus: resumed while cycles are still late, it holds again.
        h.inputs.shaftDistance = 0
        h.interlock.resume()
        h.step()
        h.sensors.roundTripMicroseconds = 950
        #expect(h.step().tripped(.roundTrip)?.response == .hold)
        h.interlock.resume()
        #expect(h.step().tripped(.roundTrip)?.response == .hold)
    }

    /// Resumed while the sensor data is still stale (past `max_age`, before the stop), the arm
    /// holds again at once; the stop still comes at twice `max_age`.
    @Test func resumingOnStaleDataHoldsAgain() {
        var h = Harness { $0.sensorMaxAge = 3 }
        h.step()
        let trips = h.run(5, fresh: false).map(\.trip.check)
        #expect(trips == [.sensorFreshness])
        h.interlock.resume()
        #expect(h.step(fresh: false).tripped(.sensorFreshness)?.response == .hold, "stale tick 6")
        #expect(h.interlock.state == .holding)
        #expect(h.step(fresh: false).tripped(.sensorFreshnessStop)?.response == .protectiveStop, "stale tick 7")
    }

    /// A resume does not re-log a warning whose episode goes on.
    @Test func resumingDoesNotRelogWarningsStillUnderWay() {
        var h = Harness { $0.temperatureWarning = 60; $0.temperatureError = 65; $0.maxShaftDistance = 0.001 }
        h.sensors.temperature[0] = 61
        h.inputs.shaftDistance = 0.0015
        let first = h.run(3).map(\.trip.check)
        #expect(first.filter { $0 == .temperatureWarning }.count == 1)
        h.inputs.shaftDistance = 0
        h.interlock.resume()
        let after = h.run(3).map(\.trip.check)
        #expect(!after.contains(.temperatureWarning))
        #expect(h.interlock.state == .normal)
    }

    /// H22: each proposal is stamped with the tick it is for. One stamped for another tick
    /// (replayed: older; forged: ahead) is dropped, the last setpoint kept, and the arm stopped;
    /// a reset does not make an old stamp acceptable.
    @Test(arguments: [(-1, true), (-5, true), (0, false), (1, true), (7, true)])
    func commandsForAnotherTickAreDroppedAndStopTheArm(_ shift: Int, _ trips: Bool) {
        var h = Harness()
        h.proposed.position = JointVector([0.1, 0.2])
        h.run(5)
        h.proposed.position = JointVector([0.15, 0.2])
        h.proposed.sequence = UInt64(Int(h.tick) + shift)
        let v = h.interlock.step(tick: Tick(h.tick), sensors: h.sensors, inputs: h.inputs, proposed: h.proposed)
        h.tick += 1
        let trip = v.tripped(.commandSequence)
        #expect((trip != nil) == trips)
        if trips {
            #expect(trip?.response == .protectiveStop)
            #expect(trip?.measured == Double(5 + shift) && trip?.threshold == 5)
            #expect(v.gated.command.position != JointVector([0.15, 0.2]), "the out-of-sequence setpoint is never sent")
            #expect(v.state == .faulted(.protectiveStop))
            let accepted = h.interlock.reset(sensors: h.sensors)
            #expect(accepted)
            // After the reset, a command stamped for its own tick passes; an old stamp still trips.
            #expect(h.step().tripped(.commandSequence) == nil)
            h.proposed.sequence = UInt64(h.tick - 3)
            let replayed = h.interlock.step(tick: Tick(h.tick), sensors: h.sensors, inputs: h.inputs, proposed: h.proposed)
            #expect(replayed.tripped(.commandSequence) != nil)
        } else {
            #expect(v.gated.command.position == JointVector([0.15, 0.2]))
        }
    }

    /// A dropped proposal asks for nothing new: a forged "power on, release the brakes" for a
    /// disabled arm leaves it unpowered and braked.
    @Test func aDroppedProposalCannotPowerUpTheArm() {
        var h = Harness()
        h.proposed.powerOn = false
        h.proposed.releaseBrakes = false
        h.run(3)
        h.sensors.amplifiersEnabled = false
        h.inputs.velocity[0] = 0.5  // coasting: a protective stop would otherwise take time
        h.proposed.powerOn = true
        h.proposed.releaseBrakes = true
        h.proposed.current = JointVector([0.8, 0.8])
        h.proposed.sequence = UInt64(h.tick + 1)
        let v = h.interlock.step(tick: Tick(h.tick), sensors: h.sensors, inputs: h.inputs, proposed: h.proposed)
        #expect(v.tripped(.commandSequence) != nil)
        #expect(!v.gated.command.powerOn && !v.gated.command.releaseBrakes)
        #expect(v.gated.command.current == JointVector([0, 0]))
    }

    /// The same after a reset: what the proposals asked before the fault (power on, brakes
    /// released) is not what a dropped proposal gets afterwards.
    @Test func aDroppedProposalAfterAResetCannotPowerUpTheArm() {
        var h = Harness { $0.trackingError = JointVector([0.5, 0.5]) }
        h.run(3)  // powered, brakes released
        h.inputs.reference[0] = 0.7
        #expect(h.step().state == .faulted(.powerOff))
        h.inputs.reference[0] = 0
        let accepted = h.interlock.reset(sensors: h.sensors)
        #expect(accepted)
        h.sensors.amplifiersEnabled = false
        h.inputs.velocity[0] = 0.5  // coasting: a protective stop would otherwise take time
        h.proposed.sequence = UInt64(h.tick + 1)  // a forged "power on, release the brakes"
        let v = h.interlock.step(tick: Tick(h.tick), sensors: h.sensors, inputs: h.inputs, proposed: h.proposed)
        #expect(v.tripped(.commandSequence) != nil)
        #expect(!v.gated.command.powerOn && !v.gated.command.releaseBrakes)
        #expect(v.state == .faulted(.protectiveStop))
    }

    /// A dropped proposal that asks for less (power off) gets less: never more than either.
    @Test func aDroppedProposalNeverGetsMoreThanItAsks() {
        var h = Harness()
        h.run(3)
        h.proposed.powerOn = false
        h.proposed.releaseBrakes = false
        h.proposed.sequence = UInt64(h.tick + 1)
        let v = h.interlock.step(tick: Tick(h.tick), sensors: h.sensors, inputs: h.inputs, proposed: h.proposed)
        #expect(v.tripped(.commandSequence) != nil)
        #expect(!v.gated.command.powerOn && !v.gated.command.releaseBrakes)
    }

    @Test func aSevereTripDuringAHoldEscalates() {
        var h = Harness { $0.maxShaftDistance = 0.001; $0.trackingError = JointVector([0.5, 0.5]) }
        h.inputs.shaftDistance = 0.0015
        #expect(h.step().state == .holding)
        h.inputs.reference[1] = 0.7
        #expect(h.step().state == .faulted(.powerOff))
    }

    @Test func warningsAreLoggedOncePerEpisode() {
        var h = Harness { $0.temperatureWarning = 60; $0.temperatureError = 65 }
        h.sensors.temperature[0] = 61
        let trips = h.run(10).filter { $0.trip.check == .temperatureWarning }
        #expect(trips.count == 1)
        h.sensors.temperature[0] = 30
        h.run(1)
        h.sensors.temperature[0] = 61
        let again = h.run(3).filter { $0.trip.check == .temperatureWarning }
        #expect(again.count == 1, "a new episode warns again")
    }

    @Test func nanSensorValuesTrip() {
        var h = Harness {
            $0.trackingError = JointVector([0.5, 0.5])
            $0.encoderPotentiometer = JointVector([0.1, 0.1])
        }
        h.sensors.encoder[1] = .nan
        let v = h.step()
        #expect(v.tripped(.trackingError) != nil)
        #expect(v.tripped(.encoderPotentiometer) != nil)
        #expect(v.gated.command.position.isFinite)
    }

    @Test func nonFiniteCommandIsReplacedAndStops() {
        var h = Harness()
        h.proposed.position = JointVector([0.1, 0.1])
        h.step()
        h.proposed.position[0] = .infinity
        h.inputs.velocity[0] = 0.5  // moving, so the controlled stop holds the last good setpoint
        let v = h.step()
        #expect(v.tripped(.commandNonFinite)?.response == .protectiveStop)
        #expect(v.gated.command.isFinite)
        #expect(v.gated.command.position == JointVector([0.1, 0.1]))
    }

    @Test func disabledChecksNeverTrip() {
        var h = Harness()
        h.inputs.reference[0] = 100
        h.inputs.velocity[0] = 100
        h.sensors.potentiometer[0] = 1
        h.sensors.temperature[0] = 500
        h.sensors.supplyVoltage = 0
        h.sensors.emergencyStop = true
        let trips = h.run(200)
        #expect(trips.isEmpty)
    }

    @Test func operatorChecksOnlyApplyDuringTeleoperation() {
        var h = Harness { $0.operatorMaxStep = 0.0001; $0.operatorHoldAfter = 50; $0.operatorStopAfter = 500 }
        h.inputs.operatorStep = .nan
        h.inputs.ticksSinceOperator = 1000
        #expect(h.run(5).isEmpty)
        h.inputs.teleoperation = true
        #expect(h.step().tripped(.operatorNonFinite)?.response == .hold)
    }
}

/// Found in review of the serial path.
@Suite struct ReviewFixTests {
    @Test func aHoldNeverPowersUpAnArmThatIsNotPowered() {
        var h = Harness { $0.maxShaftDistance = 0.001 }
        h.proposed.powerOn = false
        h.inputs.shaftDistance = 0.002
        let v = h.step()
        #expect(v.state == .holding)
        #expect(!v.gated.command.powerOn && !v.gated.command.releaseBrakes)
    }

    @Test func communicationTripsOnTheThirdFailedCycleAndRearms() {
        var h = Harness { $0.maxBusFaults = 2; $0.stopTicks = 20 }
        h.inputs.velocity[0] = 0.5  // moving: the stop takes time, so we can watch the trips
        var trips: [Int32] = []
        for faults: Int32 in [1, 2, 3, 4, 5] {
            h.sensors.busFaults = faults
            if h.step().tripped(.communication) != nil { trips.append(faults) }
        }
        #expect(trips == [3], "more than 2 failed cycles: on the 3rd, once")
        // After a reset with the bus healthy for a cycle, a new run of failures trips again.
        h.sensors.busFaults = 0
        h.run(25)
        _ = h.interlock.reset(sensors: h.sensors)
        for faults: Int32 in [1, 2, 3] {
            h.sensors.busFaults = faults
            if h.step().tripped(.communication) != nil { trips.append(faults) }
        }
        #expect(trips == [3, 3])
    }

    @Test func slowCyclesHoldThenStop() {
        var h = Harness { $0.maxBusFaults = 2; $0.maxRoundTripMicroseconds = 900 }
        h.sensors.roundTripMicroseconds = 1000
        #expect(h.step().tripped(.roundTrip)?.response == .hold)
        #expect(h.step().tripped(.roundTrip) == nil)
        #expect(h.step().tripped(.roundTrip)?.response == .protectiveStop, "the 3rd slow cycle in a row")
    }

    /// Slow and lost replies taking turns: a failed cycle measured no round trip, so it does
    /// not break the run of slow cycles, and the 3rd slow one stops the arm. An on-time
    /// complete cycle does break it.
    @Test func failedCyclesBetweenSlowOnesDoNotResetTheEscalation() {
        var h = Harness { $0.maxBusFaults = 2; $0.maxRoundTripMicroseconds = 900 }
        var responses: [Response?] = []
        for (roundTrip, failed) in [(1000, false), (0, true), (1000, false), (0, true), (1000, false)] as [(Int32, Bool)] {
            h.sensors.roundTripMicroseconds = roundTrip
            h.sensors.busFaults = failed ? 1 : 0
            responses.append(h.step().tripped(.roundTrip)?.response)
        }
        #expect(responses == [.hold, nil, nil, nil, .protectiveStop], "\(responses)")

        var k = Harness { $0.maxBusFaults = 2; $0.maxRoundTripMicroseconds = 900 }
        var stops = 0
        for roundTrip: Int32 in [1000, 1000, 100, 1000, 1000] {
            k.sensors.roundTripMicroseconds = roundTrip
            if k.step().tripped(.roundTrip)?.response == .protectiveStop { stops += 1 }
        }
        #expect(stops == 0, "an on-time cycle between them starts the count again")
    }

    /// A reset starts the count of slow cycles again: slow cycles that went on through the
    /// stop do not leave it past its trip point (where it would never stop the arm again).
    @Test func aResetStartsTheRunOfSlowCyclesAgain() {
        var h = Harness { $0.maxBusFaults = 2; $0.maxRoundTripMicroseconds = 900 }
        h.sensors.roundTripMicroseconds = 1000
        var ticks = 0
        while !h.isFaulted && ticks < 200 {
            h.step()
            ticks += 1
        }
        #expect(h.isFaulted, "the slow cycles stopped the arm")
        for _ in 0..<5 { h.step() }  // still slow while faulted
        let released = h.interlock.reset(sensors: h.sensors)
        #expect(released)
        var stops: [Int] = []
        for i in 1...4 where h.step().tripped(.roundTrip)?.response == .protectiveStop { stops.append(i) }
        #expect(stops == [3], "the 3rd slow cycle after the reset stops the arm: \(stops)")
    }

    @Test func theFirstPoweredTickChecksTheStepFromTheMeasuredPosition() {
        var h = Harness { $0.commandStep = JointVector([0.01, 0.01]) }
        h.sensors.encoder = JointVector([0.2, 0])
        h.proposed.position = JointVector([0.5, 0])
        let v = h.step()
        #expect(v.tripped(.commandStep) != nil, "a 0.3 rad jump on the first powered tick is refused")
    }

    @Test func skippingGateCurrentIsABugAndTraps() async {
        await #expect(processExitsWith: .failure) {
            var h = Harness()
            _ = h.interlock.gateSetpoint(tick: Tick(0), sensors: h.sensors, inputs: h.inputs, proposed: h.proposed)
            _ = h.interlock.gateSetpoint(tick: Tick(1), sensors: h.sensors, inputs: h.inputs, proposed: h.proposed)
        }
    }

    @Test func aProtectiveStopOfAnUnpoweredArmLatchesAtOnce() {
        var h = Harness { $0.brakeSlip = JointVector([0.01, 0.01]); $0.brakeSlipPersistence = 0; $0.stopTicks = 20 }
        h.proposed.powerOn = false
        h.sensors.brakesEngaged = 0b01
        h.step()
        h.sensors.encoder[0] = 0.05
        h.inputs.velocity[0] = 1  // still moving: a powered stop would take its 20 ticks
        let v = h.step()
        #expect(v.tripped(.brakeSlip) != nil)
        #expect(v.state == .faulted(.protectiveStop))
    }
}
