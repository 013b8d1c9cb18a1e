import CRealtime

/// Absolute deadlines on CLOCK_MONOTONIC: tick k is due at `origin + k × period`, and the loop
/// sleeps with clock_nanosleep(TIMER_ABSTIME) until then, so lateness never accumulates. A
/// wake-up more than a whole period late does not burst to catch up: the schedule skips ahead
/// to the next deadline and reports the periods it missed (HAZARDS.md H15).
public struct PeriodicTimer: Sendable {
    public let periodNanoseconds: Int64
    /// The next deadline, CLOCK_MONOTONIC ns; nil until the first wait.
    private var deadline: Int64?

    public init(periodNanoseconds: Int64) {
        precondition(periodNanoseconds > 0)
        self.periodNanoseconds = periodNanoseconds
    }

    /// Sleeps until the next deadline (the first wait starts the schedule one period from now).
    /// Returns how late the wake-up was, and the periods skipped before this one.
    public mutating func wait() -> (latencyNanoseconds: Int64, missed: Int) {
        let now = vigil_monotonic_ns()
        let (target, missed) = Self.schedule(now: now, deadline: deadline ?? now + periodNanoseconds, period: periodNanoseconds)
        vigil_sleep_until(target)
        let woke = vigil_monotonic_ns()
        deadline = target + periodNanoseconds
        return (woke - target, missed)
    }

    /// The deadline to sleep until at `now`, and the periods skipped to reach it. Late by less
    /// than a period: the deadline stands (the tick runs at once, late). Later than that: the
    /// schedule moves on by whole periods to the latest deadline not after `now`, so that the
    /// loop never runs two ticks back to back to catch up.
    public static func schedule(now: Int64, deadline: Int64, period: Int64) -> (target: Int64, missed: Int) {
        guard now > deadline + period else { return (deadline, 0) }
        let skip = (now - deadline) / period
        return (deadline + skip * period, Int(skip))
    }
}
