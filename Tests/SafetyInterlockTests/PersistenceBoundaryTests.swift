import MotionTypes
import SafetyInterlock
import Testing

/// Every persistence: a condition lasting N−1 or N ticks does not trip; N+1 ticks trips, on
/// the (N+1)-th tick of the condition.
@Suite struct PersistenceBoundaryTests {
    static let durations = [9, 10, 11]

    /// Runs `ticks` ticks with `set` applied, then clears it; returns the tick offsets (from the
    /// first faulty tick) at which `check` tripped.
    func pulse(_ h: inout Harness, ticks: Int, check: CheckID, set: (inout Harness) -> Void, clear: (inout Harness) -> Void) -> [Int64] {
        h.step()
        let start = h.tick
        set(&h)
        var trips = h.run(ticks)
        clear(&h)
        trips += h.run(5)
        return trips.filter { $0.trip.check == check }.map { $0.tick - start }
    }

    @Test(arguments: durations)
    func encoderPotentiometerLatency(_ ticks: Int) {
        var h = Harness { $0.encoderPotentiometer = JointVector([0.0873, 0.0873]); $0.encoderPotentiometerLatency = 10 }
        let hits = pulse(&h, ticks: ticks, check: .encoderPotentiometer, set: { $0.sensors.potentiometer[0] = 0.1 }, clear: { $0.sensors.potentiometer[0] = 0 })
        #expect(hits == (ticks > 10 ? [10] : []))
    }

    @Test(arguments: [99, 100, 101])
    func overcurrentPersistence(_ ticks: Int) {
        var h = Harness { $0.overcurrentFactor = 1.2; $0.overcurrentMargin = 0.05; $0.overcurrentPersistence = 100 }
        let hits = pulse(&h, ticks: ticks, check: .overcurrent, set: { $0.sensors.current[1] = 1.3 }, clear: { $0.sensors.current[1] = 0 })
        #expect(hits == (ticks > 100 ? [100] : []))
    }

    @Test(arguments: durations)
    func encoderStallPersistence(_ ticks: Int) {
        var h = Harness { $0.encoderStallCurrent = JointVector([0.5, 0.5]); $0.encoderStallPersistence = 10 }
        h.inputs.encoderStill = 0b11
        let hits = pulse(&h, ticks: ticks, check: .encoderStall, set: { $0.proposed.current[0] = 0.6 }, clear: { $0.proposed.current[0] = 0 })
        #expect(hits == (ticks > 10 ? [10] : []))
    }

    @Test(arguments: durations)
    func brakeSlipPersistence(_ ticks: Int) {
        var h = Harness { $0.brakeSlip = JointVector([0.01, 0.01]); $0.brakeSlipPersistence = 10 }
        h.sensors.brakesEngaged = 0b01
        let hits = pulse(&h, ticks: ticks, check: .brakeSlip, set: { $0.sensors.encoder[0] = 0.02 }, clear: { $0.sensors.encoder[0] = 0 })
        #expect(hits == (ticks > 10 ? [10] : []))
    }

    @Test(arguments: [1, 2, 3])
    func supplyPersistence(_ ticks: Int) {
        var h = Harness { $0.minSupplyVoltage = 20; $0.supplyPersistence = 2 }
        let hits = pulse(&h, ticks: ticks, check: .supplyVoltage, set: { $0.sensors.supplyVoltage = 0 }, clear: { $0.sensors.supplyVoltage = 24 })
        #expect(hits == (ticks > 2 ? [2] : []))
    }

    @Test(arguments: [20, 21])
    func tipSpeedHoldsAfterPersistentClamping(_ ticks: Int) {
        var h = Harness { $0.tipSpeed = 0.1; $0.tipSpeedHoldAfter = 20 }
        let hits = pulse(&h, ticks: ticks, check: .tipSpeedPersistent, set: { $0.inputs.tipSpeed = 0.2 }, clear: { $0.inputs.tipSpeed = 0 })
        #expect(hits == (ticks > 20 ? [20] : []))
    }

    /// H04 "Hold → PStop": a shaft beyond the distance holds at once and stops after more than
    /// `stop_after` ticks; a resume in between does not restart the clock.
    @Test(arguments: durations)
    func remoteCenterStopsAfterAPersistentHold(_ ticks: Int) {
        var h = Harness { $0.maxShaftDistance = 0.001; $0.remoteCenterStopAfter = 10 }
        h.inputs.shaftDistance = 0  // (not a number, the default, counts as beyond)
        let hits = pulse(&h, ticks: ticks, check: .remoteCenterStop, set: { $0.inputs.shaftDistance = 0.0015 }, clear: { $0.inputs.shaftDistance = 0 })
        #expect(hits == (ticks > 10 ? [10] : []))
    }

    @Test func aResumeDoesNotRestartTheRemoteCenterClockAndPowerOffDoes() {
        var h = Harness { $0.maxShaftDistance = 0.001; $0.remoteCenterStopAfter = 10 }
        h.inputs.shaftDistance = 0.0015
        h.run(5)
        h.interlock.resume()
        var trips = h.run(6)
        #expect(trips.filter { $0.trip.check == .remoteCenterStop }.map(\.tick) == [10], "\(trips)")
        // Unpowered, the arm is not held against the port: the clock starts again with power.
        var g = Harness { $0.maxShaftDistance = 0.001; $0.remoteCenterStopAfter = 10 }
        g.inputs.shaftDistance = 0.0015
        g.run(8)
        g.inputs.servoing = false
        g.run(1)
        g.inputs.servoing = true
        trips = g.run(10)
        #expect(trips.filter { $0.trip.check == .remoteCenterStop }.isEmpty, "\(trips)")
    }

    /// H04 "Hold → PStop" for the insertion depth: a Cartesian motion shallower than the minimum
    /// holds at once; held for more than `stop_after` ticks without a resume, the arm stops,
    /// whatever the depth reads meanwhile (held at the minimum, it reads either side of it).
    @Test(arguments: durations)
    func insertionDepthStopsAfterAPersistentHold(_ ticks: Int) {
        var h = Harness { $0.maxShaftDistance = 0.001; $0.minInsertionDepth = 0.035; $0.remoteCenterStopAfter = 10 }
        h.inputs.shaftDistance = 0
        h.inputs.insertionDepth = 0.05
        h.inputs.cartesian = true
        h.step()
        let start = h.tick
        h.inputs.insertionDepth = 0.034
        var trips = h.run(1)
        #expect(trips.map(\.trip.check) == [.insertionDepth])
        #expect(h.interlock.state == .holding)
        h.inputs.cartesian = false  // held: the loop's motion has ended
        h.inputs.insertionDepth = 0.035  // and the held arm reads the minimum
        trips += h.run(ticks - 1)
        h.interlock.resume()
        trips += h.run(5)
        let stops = trips.filter { $0.trip.check == .insertionDepthStop }
        #expect(stops.map { $0.tick - start } == (ticks > 10 ? [10] : []), "\(trips)")
        #expect(stops.allSatisfy { $0.trip.response == .protectiveStop && $0.trip.measured == 11 && $0.trip.threshold == 10 })
        // At rest, the protective stop latches at once; resumed in time, the arm is released.
        #expect(h.isFaulted == (ticks > 10))
        #expect((h.interlock.state == .normal) == !(ticks > 10))
    }

    /// A shallow arm that insertion_depth did not hold is not judged outside Cartesian motion
    /// (a joint-space move through shallow depths is normal); a resume, a disable (which
    /// releases the hold) or power off ends the clock.
    @Test func insertionDepthStopNeedsTheHold() {
        var h = Harness { $0.maxShaftDistance = 0.001; $0.minInsertionDepth = 0.035; $0.remoteCenterStopAfter = 10 }
        h.inputs.shaftDistance = 0
        h.inputs.insertionDepth = 0.01
        #expect(h.run(30).isEmpty)
        h.inputs.cartesian = true
        #expect(h.run(1).map(\.trip.check) == [.insertionDepth])
        h.inputs.cartesian = false
        h.run(5)
        h.interlock.resume()
        var trips = h.run(30)
        #expect(trips.isEmpty, "\(trips)")
        #expect(h.interlock.state == .normal)
        // Held again, then unpowered for a tick: the clock does not carry over.
        h.inputs.cartesian = true
        #expect(h.run(1).map(\.trip.check) == [.insertionDepth])
        h.inputs.cartesian = false
        h.run(5)
        h.inputs.servoing = false
        h.run(1)
        h.inputs.servoing = true
        trips = h.run(30)
        #expect(trips.filter { $0.trip.check == .insertionDepthStop }.isEmpty, "\(trips)")
    }

    /// H08: a frozen frame sequence holds after more than `maxAge` ticks, and stops after more
    /// than twice that.
    @Test(arguments: [2, 3, 4, 6, 7])
    func staleSensorData(_ frozen: Int) {
        var h = Harness { $0.sensorMaxAge = 3 }
        h.step()
        let start = h.tick
        var trips = h.run(frozen, fresh: false)
        trips += h.run(3)
        let hold = trips.filter { $0.trip.check == .sensorFreshness }.map { $0.tick - start }
        let stop = trips.filter { $0.trip.check == .sensorFreshnessStop }.map { $0.tick - start }
        #expect(hold == (frozen > 3 ? [3] : []))
        #expect(stop == (frozen > 6 ? [6] : []))
    }

    /// H19: silence beyond `holdAfter` holds; beyond `stopAfter` stops.
    @Test(arguments: [(50, false, false), (51, true, false), (500, true, false), (501, true, true)])
    func operatorDropout(_ silent: Int64, _ holds: Bool, _ stops: Bool) {
        var h = Harness { $0.operatorHoldAfter = 50; $0.operatorStopAfter = 500 }
        h.inputs.teleoperation = true
        var trips: [CheckID] = []
        for s in 0...silent {
            h.inputs.ticksSinceOperator = s
            let v = h.step()
            for i in 0..<v.trips.count { trips.append(v.trips[i].check) }
        }
        #expect(trips.contains(.operatorDropout) == holds)
        #expect(trips.contains(.operatorDropoutStop) == stops)
    }

    /// H15: any overrun holds; `maxOverruns` within the window stop.
    @Test func overrunsHoldThenStop() {
        var h = Harness { $0.maxOverruns = 3; $0.overrunWindow = 100 }
        h.inputs.overruns = 1
        #expect(h.step().tripped(.deadline)?.response == .hold)
        h.inputs.overruns = 0
        h.run(50)
        h.inputs.overruns = 1
        #expect(h.step().tripped(.deadline) != nil, "2 within 100 ticks: still a hold")
        h.inputs.overruns = 0
        h.run(10)
        h.inputs.overruns = 1
        #expect(h.step().tripped(.deadlineStop)?.response == .protectiveStop, "3 within 100 ticks")
    }

    @Test func aLongStallCountsEveryMissedPeriod() {
        var h = Harness { $0.maxOverruns = 3; $0.overrunWindow = 100 }
        h.inputs.overruns = 100
        let trip = h.step().tripped(.deadlineStop)
        #expect(trip?.measured == 100, "all 100 periods, though the ring keeps the last 64")
    }

    @Test func overrunsOutsideTheWindowDoNotAccumulate() {
        var h = Harness { $0.maxOverruns = 2; $0.overrunWindow = 10 }
        for _ in 0..<5 {
            h.inputs.overruns = 1
            #expect(h.step().tripped(.deadlineStop) == nil)
            h.inputs.overruns = 0
            h.run(10)
            h.interlock.resume()
        }
    }

    /// Latent monitor faults: a potentiometer whose reading does not change at all for more
    /// than `frozenInputTicks` consecutive ticks stops the arm; one that changes every tick
    /// (analog noise) never does.
    @Test(arguments: [49, 50, 51])
    func frozenMonitorInput(_ unchanged: Int) {
        var h = Harness { $0.frozenInputTicks = 50 }
        var noise = 0.0
        func noisy(_ h: inout Harness) {
            noise = noise == 0 ? 1e-5 : 0
            h.sensors.potentiometer = JointVector([0.2 + noise, -0.1 - noise])
        }
        for _ in 0..<200 {
            noisy(&h)
            #expect(h.step().trips.count == 0, "a noisy input is alive")
        }
        // Joint 1 freezes: its reading repeats on `unchanged` ticks in a row; joint 0 stays noisy.
        let start = h.tick
        var hits: [(Int64, Trip)] = []
        for _ in 0..<unchanged {
            noise = noise == 0 ? 1e-5 : 0
            h.sensors.potentiometer[0] = 0.2 + noise
            hits += h.run(1).map { ($0.tick - start, $0.trip) }
        }
        for _ in 0..<5 {
            noisy(&h)
            hits += h.run(1).map { ($0.tick - start, $0.trip) }
        }
        let frozen = hits.filter { $0.1.check == .monitorInputFrozen }
        #expect(frozen.map(\.0) == (unchanged > 50 ? [50] : []))
        #expect(frozen.allSatisfy { $0.1.joint == 1 && $0.1.response == .protectiveStop })
        #expect(h.isFaulted == (unchanged > 50))
    }

    /// The self-test runs only while servoing: a disabled arm's inputs may rest.
    @Test func frozenMonitorInputIsNotTestedWhenNotServoing() {
        var h = Harness { $0.frozenInputTicks = 50 }
        h.inputs.servoing = false
        #expect(h.run(500).isEmpty)
        h.inputs.servoing = true
        let trips = h.run(60)
        #expect(trips.map(\.trip.check).contains(.monitorInputFrozen), "and it trips once servoing with a dead input")
    }
}
