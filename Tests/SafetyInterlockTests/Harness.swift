import MotionTypes
import SafetyInterlock
import Testing

/// A two-joint arm (revolute, limits ±1 rad, 1 A amplifiers) with every check disabled unless a
/// test turns it on, and a nominal frame: at rest at 0, fresh, cool, powered.
struct Harness {
    var limits = SafetyLimits(
        lower: JointVector([-1, -1]), upper: JointVector([1, 1]), currentMax: JointVector([1, 1]), braked: 0b11)
    var interlock: SafetyInterlock!
    var tick: Int64 = 0
    var sensors = SensorFrame(jointCount: 2)
    var inputs = MonitorInputs(jointCount: 2)
    var proposed = ActuatorCommand(jointCount: 2)

    init(_ configure: (inout SafetyLimits) -> Void = { _ in }) {
        configure(&limits)
        interlock = SafetyInterlock(limits: limits)
        sensors.supplyVoltage = 24
        sensors.temperature = JointVector([30, 30])
        sensors.amplifiersEnabled = true
        inputs.servoing = true
        proposed.powerOn = true
        proposed.releaseBrakes = true
    }

    /// One tick with the current frame (the sequence advances unless `fresh` is false). Each
    /// proposal follows on from the last, as the control loop's do.
    @discardableResult
    mutating func step(fresh: Bool = true) -> InterlockVerdict {
        if fresh { sensors.sequence += 1 }
        proposed.sequence = UInt64(tick)
        let v = interlock.step(tick: Tick(tick), sensors: sensors, inputs: inputs, proposed: proposed)
        tick += 1
        return v
    }

    /// Steps `n` ticks and returns every trip of `check`, with the tick it happened on.
    @discardableResult
    mutating func run(_ n: Int, fresh: Bool = true) -> [(tick: Int64, trip: Trip)] {
        var found: [(Int64, Trip)] = []
        for _ in 0..<n {
            let t = tick
            let v = step(fresh: fresh)
            for i in 0..<v.trips.count { found.append((t, v.trips[i])) }
        }
        return found
    }

    var isFaulted: Bool { if case .faulted = interlock.state { return true } else { return false } }
}

extension InterlockVerdict {
    func tripped(_ check: CheckID) -> Trip? {
        for i in 0..<trips.count where trips[i].check == check { return trips[i] }
        return nil
    }
}

/// The three values a boundary test steps through: just below, at, and just above `limit`.
func boundary(_ limit: Double) -> [(value: Double, trips: Bool)] {
    let epsilon = max(abs(limit), 1) * 1e-9
    return [(limit - epsilon, false), (limit, false), (limit + epsilon, true)]
}
