import MotionTypes
import SafetyInterlock
import Testing

/// A check must trip again after a reset or a resume when its fault is still there, and a
/// reading that is not a number must never pass a check silently.
@Suite struct ReArmingAndNaNTests {
    /// H14: a brake that keeps slipping after an operator reset trips again, after the same
    /// persistence, from a reference taken afresh.
    @Test func aBrakeThatStillSlipsAfterAResetTripsAgain() {
        var h = Harness { $0.brakeSlip = JointVector([0.01, 0.01]); $0.brakeSlipPersistence = 3 }
        h.proposed.powerOn = false
        h.sensors.brakesEngaged = 0b01
        h.step()  // the brake's reference: 0
        var first: [Int64] = []
        for k in 1...10 {
            h.sensors.encoder[0] = 0.005 * Double(k)  // slipping 5 mrad a tick
            if h.step().tripped(.brakeSlip) != nil { first.append(h.tick - 1) }
        }
        #expect(first.count == 1)
        #expect(h.isFaulted)
        let released = h.interlock.reset(sensors: h.sensors)
        #expect(released)
        let resetTick = h.tick
        var again: [Int64] = []
        for k in 11...30 {
            h.sensors.encoder[0] = 0.005 * Double(k)
            if h.step().tripped(.brakeSlip) != nil { again.append(h.tick - 1) }
        }
        // After the reset the reference is the first reading (0.055): the slip reaches 0.01 two
        // ticks later (over it, or not, by rounding) and must last more than 3 ticks.
        #expect(again.count == 1, "\(again)")
        #expect(again.allSatisfy { (5...6).contains($0 - resetTick) }, "\(again), reset at \(resetTick)")
    }

    /// H03: over-speed that lasts through a hold is counted afresh after the resume: it holds
    /// again after the same persistence rather than clamping for ever.
    @Test func overSpeedAfterAResumeHoldsAgain() {
        var h = Harness { $0.tipSpeed = 0.1; $0.tipSpeedHoldAfter = 5 }
        h.inputs.tipSpeed = 0.2
        let before = h.run(8).filter { $0.trip.check == .tipSpeedPersistent }
        #expect(before.map(\.tick) == [6], "tick 0 sets the last position; ticks 1…6 are over")
        #expect(h.interlock.state == .holding)
        h.interlock.resume()
        let after = h.run(8)
        #expect(after.filter { $0.trip.check == .tipSpeedPersistent }.map(\.tick) == [13], "the 6th over-speed tick after the resume")
        #expect(after.contains { $0.trip.check == .tipSpeed }, "the clamp is warned again in the new episode")
    }

    /// H03: a tip speed that is not a number is over the limit, and the setpoint does not move.
    @Test func aTipSpeedThatIsNotANumberClampsToStandingStill() {
        var h = Harness { $0.tipSpeed = 0.1; $0.tipSpeedHoldAfter = 20 }
        h.proposed.position = JointVector([0.1, 0.1])
        h.step()
        h.inputs.tipSpeed = .nan
        h.proposed.position = JointVector([0.5, 0.5])
        let v = h.step()
        #expect(v.tripped(.tipSpeed) != nil)
        #expect(v.gated.command.position == JointVector([0.1, 0.1]))
    }

    /// H04: a shaft distance or insertion depth that is not a number is beyond every limit.
    @Test func anRCMGeometryThatIsNotANumberStopsTheArm() {
        var h = Harness { $0.maxShaftDistance = 0.001; $0.minInsertionDepth = 0.035 }
        h.inputs.shaftDistance = 0.0005
        h.inputs.insertionDepth = 0.1
        h.inputs.cartesian = true
        #expect(h.step().trips.count == 0)
        h.inputs.shaftDistance = .nan
        let v = h.step()
        #expect(v.tripped(.remoteCenterDistance)?.response == .protectiveStop)
        var d = Harness { $0.maxShaftDistance = 0.001; $0.minInsertionDepth = 0.035 }
        d.inputs.shaftDistance = 0.0005
        d.inputs.cartesian = true
        d.inputs.insertionDepth = .nan
        #expect(d.step().tripped(.insertionDepth)?.response == .hold)
    }

    /// H08: a frame whose sequence goes back (a replayed or looping frame) has not advanced.
    @Test(arguments: [2, 3, 4])
    func aSequenceThatGoesBackIsStale(_ replayed: Int) {
        var h = Harness { $0.sensorMaxAge = 3 }
        h.run(5)
        let newest = h.sensors.sequence
        var holds: [Int64] = []
        let start = h.tick
        for i in 0..<replayed {
            h.sensors.sequence = newest - 2 + UInt64(i % 2)  // two old frames, alternating
            if h.step(fresh: false).tripped(.sensorFreshness) != nil { holds.append(h.tick - 1 - start) }
        }
        #expect(holds == (replayed > 3 ? [3] : []))
        // A new frame (newer than any seen) is fresh again.
        h.sensors.sequence = newest + 1
        h.step(fresh: false)
        #expect(h.run(5).allSatisfy { $0.trip.check != .sensorFreshness && $0.trip.check != .sensorFreshnessStop })
    }
}
