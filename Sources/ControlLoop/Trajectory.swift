public import MotionTypes

/// A minimum-jerk joint move from `start` to `goal`, timed so that no joint exceeds its
/// velocity or acceleration limit: s(τ) = 10τ³ − 15τ⁴ + 6τ⁵, peak velocity 1.875 Δ/T, peak
/// acceleration 5.7735 Δ/T².
public struct JointMove: Sendable, BitwiseCopyable {
    public var start: JointVector
    public var goal: JointVector
    public var startTick: Int64
    /// Duration in ticks (≥ 1).
    public var ticks: Int64

    public init(start: JointVector, goal: JointVector, startTick: Int64, maxVelocity: JointVector, maxAcceleration: JointVector, rate: Double) {
        self.start = start
        self.goal = goal
        self.startTick = startTick
        var seconds = 0.0
        for j in 0..<start.count {
            let d = abs(goal[j] - start[j])
            seconds = max(seconds, 1.875 * d / maxVelocity[j], (5.7735 * d / maxAcceleration[j]).squareRoot())
        }
        ticks = max(1, Int64((seconds * rate).rounded(.up)))
    }

    /// Position, velocity and acceleration at `tick`.
    public func sample(_ tick: Int64, rate: Double) -> (position: JointVector, velocity: JointVector, acceleration: JointVector) {
        let t = Double(tick - startTick) / Double(ticks)
        let tau = min(max(t, 0), 1)
        let s = tau * tau * tau * (10 - 15 * tau + 6 * tau * tau)
        let ds = 30 * tau * tau * (1 - tau) * (1 - tau)
        let dds = 60 * tau * (1 - tau) * (1 - 2 * tau)
        let duration = Double(ticks) / rate
        var p = start, v = start, a = start
        for j in 0..<start.count {
            let from = start[j]  // each element read once: a read copies the whole vector here
            let d = goal[j] - from
            p[j] = from + s * d
            v[j] = t >= 1 ? 0 : ds * d / duration
            a[j] = t >= 1 ? 0 : dds * d / (duration * duration)
        }
        return (p, v, a)
    }

    public func isDone(at tick: Int64) -> Bool { tick >= startTick + ticks }
}
