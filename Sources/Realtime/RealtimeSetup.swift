import CRealtime
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a real-time run asks of the operating system.
public struct RealtimeOptions: Sendable, Equatable {
    /// SCHED_FIFO priority (1…99).
    public var priority: Int
    /// Pin the loop's thread to this CPU.
    public var cpu: Int?

    public init(priority: Int = 80, cpu: Int? = nil) {
        self.priority = priority
        self.cpu = cpu
    }
}

/// What the operating system granted. Everything that was refused is also a one-line warning.
public struct RealtimeReport: Sendable, Equatable {
    public var timerSlackNanoseconds: Int?
    public var memoryLocked: Bool
    /// The SCHED_FIFO priority in effect, or nil when the thread runs under the normal scheduler.
    public var fifoPriority: Int?
    public var cpu: Int?
    public var warnings: [String]
}

public enum Realtime {
    /// Sets up the calling thread for a periodic loop: timer slack 1 ns, all memory locked and
    /// prefaulted, SCHED_FIFO at `options.priority`, pinned to `options.cpu`. Each refusal
    /// (no CAP_SYS_NICE, a low memlock limit) leaves the run going and becomes a warning.
    public static func enter(_ options: RealtimeOptions) -> RealtimeReport {
        var report = RealtimeReport(timerSlackNanoseconds: nil, memoryLocked: false, fifoPriority: nil, cpu: nil, warnings: [])
        let slack = vigil_set_timer_slack(1)
        if slack == 0 {
            report.timerSlackNanoseconds = 1
        } else {
            report.warnings.append("warning: cannot set the timer slack to 1 ns (\(describe(slack))): wake-ups may come up to 50 us late")
        }
        // MCL_FUTURE under a small memlock limit would make a later allocation fail mid-run;
        // lock future pages only when the limit leaves room (unlimited, or at least 1 GiB).
        let limit = vigil_memlock_limit()
        let future = limit < 0 || limit >= 1 << 30
        let lock = vigil_lock_memory(future ? 1 : 0)
        if lock == 0 {
            report.memoryLocked = true
            if !future {
                report.warnings.append(
                    "warning: the memlock limit is \(limit / 1024) KiB: only the memory in use now is locked; raise it to unlimited (docs/performance.md)")
            }
        } else {
            report.warnings.append(
                "warning: cannot lock memory (\(describe(lock)), memlock limit \(limit < 0 ? "unlimited" : "\(limit / 1024) KiB")): page faults may delay ticks; raise the limit (docs/performance.md)")
        }
        vigil_prefault_stack(256 * 1024)
        let fifo = vigil_set_fifo(Int32(options.priority))
        if fifo == 0 {
            report.fifoPriority = options.priority
        } else {
            report.warnings.append(
                "warning: SCHED_FIFO priority \(options.priority) not permitted (\(describe(fifo))): the loop runs under the normal scheduler; grant rtprio (docs/performance.md)")
        }
        if let cpu = options.cpu {
            let pin = vigil_pin_cpu(Int32(cpu))
            if pin == 0 {
                report.cpu = cpu
            } else {
                report.warnings.append("warning: cannot pin the loop to CPU \(cpu) (\(describe(pin))): it may migrate between CPUs")
            }
        }
        return report
    }

    static func describe(_ error: Int32) -> String {
        let name: String
        switch error {
        case EPERM: name = "EPERM"
        case EINVAL: name = "EINVAL"
        case ENOMEM: name = "ENOMEM"
        case EAGAIN: name = "EAGAIN"
        default: name = "errno \(error)"
        }
        return "\(name): \(String(cString: strerror(error)))"
    }

    /// The reference for the Swift loop: a plain C clock_nanosleep(TIMER_ABSTIME) loop of `count`
    /// periods on a thread of its own, set up with `options` like the loop (nil: as it is).
    /// Returns each wake-up's lateness (ns) and the periods it missed.
    public static func plainCLoop(periodNanoseconds: Int64, count: Int, options: RealtimeOptions?) -> (latencies: [Int64], missed: Int) {
        final class Box: @unchecked Sendable {
            var latencies: [Int64]
            var missed = 0
            init(_ count: Int) { latencies = [Int64](repeating: 0, count: count) }
        }
        let box = Box(count)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            if let options { _ = enter(options) }
            box.missed = box.latencies.withUnsafeMutableBufferPointer {
                Int(vigil_c_periodic_loop(periodNanoseconds, Int64(count), $0.baseAddress!))
            }
            done.signal()
        }
        thread.start()
        done.wait()
        return (box.latencies, box.missed)
    }

    /// CLOCK_MONOTONIC, nanoseconds.
    @inline(__always)
    public static func now() -> Int64 { vigil_monotonic_ns() }
}
