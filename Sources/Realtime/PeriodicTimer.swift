import CRealtime

/// Absolute deadlines on CLOCK_MONOTONIC: tick k is due at `origin + k × period`, and the loop
/// sleeps with clock_nanosleep(TIMER_ABSTIME) until then, so lateness never accumulates.
/// Missed periods are never made up: a tick that starts a whole period late or more (the loop
/// ran long, or the thread woke late from its sleep) moves the schedule on to the latest
/// deadline already passed and reports the periods skipped (HAZARDS.md H15).
/// (A tick that runs past the next deadline is still followed at once by the next tick; that
/// is at most one tick per deadline, never a burst to catch up.) The wake latency of a tick
/// after a skip before the sleep is measured from the deadline it was moved to, after a late
/// wake-up from the deadline slept for; either way the stall shows in the missed periods.
public struct PeriodicTimer: Sendable {
    public let periodNanoseconds: Int64
    /// The next deadline, CLOCK_MONOTONIC ns; nil until the first wait.
    private var deadline: Int64?

    public init(periodNanoseconds: Int64) {
        precondition(periodNanoseconds > 0)
        self.periodNanoseconds = periodNanoseconds
    }

    /// Sleeps until the next deadline (the first wait starts the schedule one period from now).
    /// Returns how late the wake-up was (from the deadline slept for), the periods skipped
    /// before the wait and during an oversleep, and the monotonic time of the wake-up (where the
    /// tick's compute time starts).
    public mutating func wait() -> (latencyNanoseconds: Int64, missed: Int, woke: Int64) {
        wait(clock: { vigil_monotonic_ns() }, sleepUntil: { vigil_sleep_until($0) })
    }

    /// ``wait()`` on a given clock and sleep (tests give a clock that oversleeps).
    mutating func wait(
        clock: () -> Int64, sleepUntil: (Int64) -> Void
    ) -> (latencyNanoseconds: Int64, missed: Int, woke: Int64) {
        let now = clock()
        let (target, missed) = Self.schedule(now: now, deadline: deadline ?? now + periodNanoseconds, period: periodNanoseconds)
        sleepUntil(target)
        let woke = clock()
        // A wake-up a period late or more (the thread preempted in or after its sleep) has let
        // deadlines pass without their tick: they are missed too, and the schedule moves on.
        let (due, overslept) = Self.schedule(now: woke, deadline: target, period: periodNanoseconds)
        deadline = due + periodNanoseconds
        return (woke - target, missed + overslept, woke)
    }

    /// The deadline to sleep until at `now`, and the periods skipped to reach it. Late by less
    /// than a period: the deadline stands (the tick runs at once, late). A period or more: the
    /// schedule moves on by whole periods to the latest deadline not after `now`, and those
    /// periods are reported missed rather than run.
    public static func schedule(now: Int64, deadline: Int64, period: Int64) -> (target: Int64, missed: Int) {
        guard now >= deadline + period else { return (deadline, 0) }
        let skip = (now - deadline) / period
        return (deadline + skip * period, Int(skip))
    }
}
