import ActuatorInterface
import ControlLoop
import MotionTypes
import Testing

/// Each fault type's effect on the signal it targets, at 1 kHz, for ticks inside and outside
/// its window.
@Suite struct FaultInjectorTests {
    func injector(_ kind: FaultKind, target: FaultTarget = .encoder, joint: Int? = 1, onset: Int64 = 10, end: Int64? = 20) -> FaultInjector {
        FaultInjector(faults: [Fault(target: target, kind: kind, joint: joint, onset: onset, end: end)], rate: 1000, seed: 3, jointCount: 2)
    }

    func encoder(_ injector: inout FaultInjector, _ values: [Double], tick: Int64) -> JointVector {
        var frame = SensorFrame(jointCount: 2)
        frame.encoder = JointVector(values)
        injector.beginTick(tick)
        injector.applySensors(&frame, tick: tick)
        return frame.encoder
    }

    @Test func offsetAppliesOnlyInsideItsWindowAndOnlyToItsJoint() {
        var i = injector(.offset(0.5))
        #expect(encoder(&i, [1, 1], tick: 9) == JointVector([1, 1]))
        #expect(encoder(&i, [1, 1], tick: 10) == JointVector([1, 1.5]))
        #expect(encoder(&i, [1, 1], tick: 19) == JointVector([1, 1.5]))
        #expect(encoder(&i, [1, 1], tick: 20) == JointVector([1, 1]))
    }

    @Test func rampGrowsWithTimeSinceOnset() {
        var i = injector(.ramp(perSecond: 2), end: nil)
        #expect(encoder(&i, [0, 0], tick: 10)[1] == 0)
        #expect(abs(encoder(&i, [0, 0], tick: 15)[1] - 0.01) < 1e-15)
        #expect(abs(encoder(&i, [0, 0], tick: 510)[1] - 1.0) < 1e-12)
    }

    @Test func stuckHoldsTheValueSeenAtOnset() {
        var i = injector(.stuck)
        #expect(encoder(&i, [0, 0.3], tick: 10)[1] == 0.3)
        #expect(encoder(&i, [0, 0.7], tick: 15)[1] == 0.3)
        #expect(encoder(&i, [0, 0.7], tick: 20)[1] == 0.7, "released after the window")
    }

    @Test func gainSignFlipSetAndNonFinite() {
        var g = injector(.gain(1.5))
        #expect(encoder(&g, [0, 2], tick: 12)[1] == 3)
        var f = injector(.signFlip)
        #expect(encoder(&f, [0, 0.25], tick: 12)[1] == -0.25)
        var s = injector(.set(0))
        #expect(encoder(&s, [0, 0.25], tick: 12)[1] == 0)
        var n = injector(.nonFinite)
        #expect(encoder(&n, [0, 0.25], tick: 12)[1].isNaN)
    }

    @Test func spikeLastsOneTick() {
        var i = injector(.spike(1))
        #expect(encoder(&i, [0, 0], tick: 10)[1] == 1)
        #expect(encoder(&i, [0, 0], tick: 11)[1] == 0)
    }

    @Test func noiseIsSeededAndZeroMeanWithTheGivenSpread() {
        func samples() -> [Double] {
            var i = injector(.noise(0.1), end: nil)
            return (10..<10_010).map { encoder(&i, [0, 0], tick: Int64($0))[1] }
        }
        let a = samples()
        #expect(a == samples(), "same seed, same noise")
        let mean = a.reduce(0, +) / Double(a.count)
        let sd = (a.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(a.count)).squareRoot()
        #expect(abs(mean) < 0.005)
        #expect(abs(sd - 0.1) < 0.005)
    }

    @Test func frozenSensorFrameRepeatsTheLastFrame() {
        var i = injector(.stuck, target: .sensorFrame, joint: nil)
        var frame = SensorFrame(jointCount: 2)
        frame.sequence = 9
        i.beginTick(9)
        i.applySensors(&frame, tick: 9)
        frame.sequence = 10
        frame.encoder[0] = 5
        i.beginTick(10)
        i.applySensors(&frame, tick: 10)
        #expect(frame.sequence == 9 && frame.encoder[0] == 0)
    }

    /// A lost or corrupt reply: the host keeps the previous frame (same sequence, so the data
    /// ages) and counts consecutive failed cycles; the count resets when a cycle succeeds.
    @Test(arguments: [FaultKind.drop, .corrupt])
    func failedBusCyclesKeepTheLastFrameAndCountInARow(_ kind: FaultKind) {
        var i = injector(kind, target: .bus, joint: nil, onset: 10, end: 13)
        var seen: [(sequence: UInt64, encoder: Double, faults: Int32)] = []
        for tick in Int64(8)..<15 {
            var frame = SensorFrame(jointCount: 2)
            frame.sequence = UInt64(tick)
            frame.encoder[0] = Double(tick)
            i.beginTick(tick)
            i.applySensors(&frame, tick: tick)
            seen.append((frame.sequence, frame.encoder[0], frame.busFaults))
        }
        #expect(seen.map(\.sequence) == [8, 9, 9, 9, 9, 13, 14])
        #expect(seen.map(\.encoder) == [8, 9, 9, 9, 9, 13, 14])
        #expect(seen.map(\.faults) == [0, 0, 1, 2, 3, 0, 0])
    }

    /// An intermittent drop (probability) fails about that share of cycles, the same ones for
    /// the same seed.
    @Test func intermittentDropsFollowTheSeed() {
        func failed(seed: UInt64) -> [Bool] {
            var i = FaultInjector(
                faults: [Fault(target: .bus, kind: .drop, joint: nil, onset: 0, end: nil, probability: 0.25)], rate: 1000, seed: seed, jointCount: 2)
            return (Int64(0)..<4000).map { tick in
                var frame = SensorFrame(jointCount: 2)
                frame.sequence = UInt64(tick + 1)
                i.beginTick(tick)
                i.applySensors(&frame, tick: tick)
                return frame.busFaults > 0
            }
        }
        let a = failed(seed: 5)
        #expect(a == failed(seed: 5))
        #expect(a != failed(seed: 6))
        let share = Double(a.filter { $0 }.count) / Double(a.count)
        #expect(abs(share - 0.25) < 0.03, "\(share)")
    }

    /// A late bus cycle reports its round-trip time; the frame itself is fresh.
    @Test func lateBusCyclesReportTheirRoundTrip() {
        var i = injector(.late(microseconds: 950), target: .bus, joint: nil, onset: 10, end: 11)
        var rounds: [Int32] = []
        for tick in Int64(9)..<12 {
            var frame = SensorFrame(jointCount: 2)
            frame.sequence = UInt64(tick)
            frame.roundTripMicroseconds = 120
            i.beginTick(tick)
            i.applySensors(&frame, tick: tick)
            #expect(frame.sequence == UInt64(tick) && frame.busFaults == 0)
            rounds.append(frame.roundTripMicroseconds)
        }
        #expect(rounds == [120, 950, 120])
    }

    /// H22: a replay sends the setpoint of `by` ticks earlier and reports how old it is, so the
    /// loop can give it the old sequence number.
    @Test func replaySendsTheOldCommandAndSaysHowOld() {
        var i = injector(.replay(ticks: 3), target: .command, joint: nil, onset: 10, end: 20)
        var sent: [Double] = []
        var ages: [UInt64] = []
        for tick in Int64(8)..<22 {
            var position = JointVector([Double(tick), 0])
            i.beginTick(tick)
            i.applyCommand(position: &position, tick: tick)
            sent.append(position[0])
            ages.append(i.commandReplayAge)
        }
        // Inside the window, the value from 3 ticks earlier (the onset's until 3 ticks have passed).
        #expect(sent == [8, 9, 10, 10, 10, 10, 11, 12, 13, 14, 15, 16, 20, 21])
        #expect(ages == [0, 0] + Array(repeating: 3, count: 10) + [0, 0])
    }

    @Test func emergencyStopInputIsAsserted() {
        var i = injector(.asserted, target: .emergencyStop, joint: nil)
        var frame = SensorFrame(jointCount: 2)
        i.beginTick(12)
        i.applySensors(&frame, tick: 12)
        #expect(frame.emergencyStop)
    }

    @Test func commandPathFaultsEditTheProposal() {
        var i = injector(.offset(0.1), target: .command)
        var c = ActuatorCommand(jointCount: 2)
        i.beginTick(12)
        i.applyCommand(&c, tick: 12)
        #expect(c.position == JointVector([0, 0.1]))
        var k = injector(.set(2), target: .commandCurrent)
        k.beginTick(12)
        k.applyCommand(&c, tick: 12)
        #expect(c.current == JointVector([0, 2]))
    }

    @Test func operatorFaults() {
        var drop = injector(.dropout, target: .operator, joint: nil)
        drop.beginTick(12)
        #expect(drop.applyOperator(Vector3(1e-5, 0, 0), tick: 12) == nil)
        var spike = injector(.spike(2e-4), target: .operator, joint: nil)
        spike.beginTick(10)
        let s = spike.applyOperator(Vector3(1e-5, 0, 0), tick: 10)!
        #expect(abs(s.norm - 2.1e-4) < 1e-15)
        var nan = injector(.nonFinite, target: .operator, joint: nil)
        nan.beginTick(12)
        #expect(!(nan.applyOperator(Vector3(1e-5, 0, 0), tick: 12)!.isFinite))
    }

    @Test func plantFaultsAndOverruns() {
        var i = FaultInjector(
            faults: [
                Fault(target: .power, kind: .set(0), joint: nil, onset: 5, end: nil),
                Fault(target: .brake, kind: .slip(0.2), joint: 0, onset: 5, end: nil),
                Fault(target: .loopTiming, kind: .overrun, joint: nil, onset: 7, end: 8),
                Fault(target: .amplifier, kind: .gain(0.5), joint: 1, onset: 5, end: nil),
                Fault(target: .amplifier, kind: .set(0.7), joint: 0, onset: 6, end: nil),
            ], rate: 1000, seed: 1, jointCount: 2)
        i.beginTick(4)
        let four = i.disturbance
        #expect(four.supplyVoltage == nil && four.amplifierGain == JointVector([1, 1]) && four.amplifierCurrent[0].isNaN)
        i.beginTick(6)
        let d = i.disturbance
        #expect(d.supplyVoltage == 0)
        #expect(d.brakeHolding == JointVector([0.2, 1]))
        #expect(d.amplifierGain == JointVector([1, 0.5]))
        #expect(d.amplifierCurrent[0] == 0.7 && d.amplifierCurrent[1].isNaN)
        i.beginTick(7)
        let seven = i.injectedOverruns
        i.beginTick(8)
        #expect(seven == 1 && i.injectedOverruns == 0)
    }

    @Test func offReadsZero() {
        var i = injector(.off)
        #expect(encoder(&i, [0.3, 0.3], tick: 12) == JointVector([0.3, 0]))
    }

    @Test func delayReturnsTheValueFromTicksEarlier() {
        var i = injector(.delay(ticks: 3), onset: 10, end: nil)
        var out: [Double] = []
        for k in 10..<20 { out.append(encoder(&i, [0, Double(k)], tick: Int64(k))[1]) }
        // Until three ticks have passed, the value at onset; then the value from three ticks before.
        #expect(out == [10, 10, 10, 10, 11, 12, 13, 14, 15, 16])
    }

    @Test func slowSamplesAndHolds() {
        var i = injector(.slow(every: 4), onset: 10, end: nil)
        let out = (10..<20).map { encoder(&i, [0, Double($0)], tick: Int64($0))[1] }
        #expect(out == [10, 10, 10, 10, 14, 14, 14, 14, 18, 18])
    }

    @Test func intermittentFaultsActOnAboutTheirProbabilityOfTicks() {
        var i = FaultInjector(
            faults: [Fault(target: .encoder, kind: .offset(1), joint: 0, onset: 0, end: nil, probability: 0.3)], rate: 1000, seed: 5,
            jointCount: 1)
        var hits = 0
        for k in 0..<10_000 {
            var frame = SensorFrame(jointCount: 1)
            i.beginTick(Int64(k))
            i.applySensors(&frame, tick: Int64(k))
            if frame.encoder[0] == 1 { hits += 1 }
        }
        #expect(abs(Double(hits) / 10_000 - 0.3) < 0.02)
    }

    @Test func distributedParametersAreDrawnPerSeedWithinTheirRange() {
        let fault = Fault(target: .potentiometer, kind: .offset(0), joint: 0, onset: 0, end: nil, distribution: .uniform(0.08, 0.1))
        func drawn(_ seed: UInt64) -> Double { FaultInjector(faults: [fault], rate: 1000, seed: seed, jointCount: 1).faults[0].kind.parameter! }
        let values = (1...50).map { drawn(UInt64($0)) }
        #expect(values.allSatisfy { $0 >= 0.08 && $0 <= 0.1 })
        #expect(Set(values).count == 50, "other seeds, other draws")
        #expect(drawn(7) == drawn(7), "same seed, same draw")
        let normal = Fault(target: .potentiometer, kind: .offset(0), joint: 0, onset: 0, end: nil, distribution: .normal(mean: 0.09, sd: 0.01, min: 0.085, max: 0.095))
        let clamped = (1...200).map { FaultInjector(faults: [normal], rate: 1000, seed: UInt64($0), jointCount: 1).faults[0].kind.parameter! }
        #expect(clamped.allSatisfy { $0 >= 0.085 && $0 <= 0.095 })
        #expect(clamped.contains(0.085) && clamped.contains(0.095), "clamped at both ends")
    }
}
