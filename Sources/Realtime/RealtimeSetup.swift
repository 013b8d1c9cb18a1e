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
    /// Pages mapped later are locked too (MCL_FUTURE).
    public var lockedFuturePages = false
    /// The SCHED_FIFO priority in effect, or nil when the thread runs under the normal scheduler.
    public var fifoPriority: Int?
    public var cpu: Int?
    /// The CPUs are kept out of idle states slower than this to leave (µs; PM QoS through
    /// /dev/cpu_dma_latency), or nil when the request was refused.
    public var cpuLatencyMicroseconds: Int?
    public var warnings: [String]
}

public enum Realtime {
    /// Sets up the calling thread for a periodic loop: timer slack 1 ns, all memory locked and
    /// prefaulted, SCHED_FIFO at `options.priority`, pinned to `options.cpu`, and the CPUs kept
    /// out of deep idle states for the rest of the process (as cyclictest does). Each refusal
    /// (no CAP_SYS_NICE, a low memlock limit, no write access to /dev/cpu_dma_latency) leaves
    /// the run going and becomes a warning.
    public static func enter(_ options: RealtimeOptions) -> RealtimeReport {
        var report = RealtimeReport(timerSlackNanoseconds: nil, memoryLocked: false, fifoPriority: nil, cpu: nil, warnings: [])
        guard (1...99).contains(options.priority), (options.cpu ?? 0) >= 0 else {
            report.warnings.append("warning: priority \(options.priority) or CPU \(options.cpu ?? 0) out of range: nothing set up")
            return report
        }
        let slack = vigil_set_timer_slack(1)
        if slack == 0 {
            report.timerSlackNanoseconds = 1
        } else {
            report.warnings.append("warning: cannot set the timer slack to 1 ns (\(describe(slack))): wake-ups may come up to 50 us late")
        }
        // With MCL_FUTURE every later mapping counts against the memlock limit, so a later
        // allocation could fail mid-run; lock future pages only when nothing limits locking
        // (an unlimited limit, or CAP_IPC_LOCK). Otherwise lock what is mapped now, and the run
        // locks again once its buffers exist (`lockAgain`).
        let limit = vigil_memlock_limit()
        let future = limit < 0 || vigil_has_ipc_lock() != 0
        let lock = vigil_lock_memory(future ? 1 : 0)
        report.lockedFuturePages = lock == 0 && future
        if lock == 0 {
            report.memoryLocked = true
            if !future {
                report.warnings.append(
                    "warning: the memlock limit is \(limit / 1024) KiB: only memory mapped at start-up is locked, not what the run maps later; make it unlimited (docs/performance.md)")
            }
        } else {
            report.warnings.append(
                "warning: cannot lock memory (\(describe(lock)), memlock limit \(limit < 0 ? "unlimited" : "\(limit / 1024) KiB")): page faults may delay ticks; make the limit unlimited (docs/performance.md)")
        }
        vigil_prefault_stack(256 * 1024)
        let fifo = vigil_set_fifo(Int32(options.priority))
        if fifo == 0 {
            report.fifoPriority = options.priority
        } else {
            report.warnings.append(
                "warning: SCHED_FIFO priority \(options.priority) not permitted (\(describe(fifo))): the loop runs under the normal scheduler; grant rtprio (docs/performance.md)")
        }
        // A CPU woken from a deep idle state (C6 on a PC, a halted vCPU) takes tens to hundreds
        // of microseconds to run again, and starts with cold caches.
        let latency = vigil_request_cpu_latency(0)
        if latency == 0 {
            report.cpuLatencyMicroseconds = 0
        } else {
            report.warnings.append(
                "warning: cannot keep the CPUs out of deep idle states (/dev/cpu_dma_latency: \(describe(latency))): a wake-up after idle may come tens of microseconds late (docs/performance.md)")
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

    /// After a run has allocated its buffers: lock them too, when only the memory mapped at
    /// start-up was locked.
    public static func lockAgain(_ report: RealtimeReport) {
        if report.memoryLocked && !report.lockedFuturePages { _ = vigil_lock_memory(0) }
    }

    /// For a helper thread of a real-time loop (the log writer): the normal scheduler, any CPU
    /// but `avoiding` (the CPU the loop is pinned to, when there is another).
    public static func leave(avoiding cpu: Int? = nil) { vigil_leave_realtime(Int32(cpu ?? -1)) }

    static func describe(_ error: Int32) -> String {
        let name: String
        switch error {
        case EPERM: name = "EPERM"
        case EINVAL: name = "EINVAL"
        case ENOMEM: name = "ENOMEM"
        case EAGAIN: name = "EAGAIN"
        case EACCES: name = "EACCES"
        case ENOENT: name = "ENOENT"
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

    /// Flushes the file system holding `folder` to its disk (syncfs(2)) and waits for it; the
    /// errno of what failed, or nil. Opened now, the folder reports only the write-back errors
    /// from now on: to miss none, open a ``FileSystemFlush`` before writing.
    public static func syncFileSystem(containing folder: String) -> Int32? {
        do {
            return try FileSystemFlush(folder: folder).flush()
        } catch {
            return error.errno
        }
    }
}

/// A failed system call's errno.
public struct SystemCallError: Error, Equatable, Sendable {
    public var errno: Int32
    public init(errno: Int32) { self.errno = errno }
}

/// The flush of the file system holding a folder, reporting every write-back error since it
/// was opened. syncfs(2) reports the errors since the file it is called on was opened, and the
/// kernel writes dirty pages back on its own while a campaign runs: a folder opened only at the
/// end would not hear of a write-back that had already failed. So: open it before writing,
/// flush after.
public final class FileSystemFlush: Sendable {
    private let descriptor: Int32

    /// Opens `folder` (it must exist).
    public init(folder: String) throws(SystemCallError) {
        let fd = vigil_open_folder(folder)
        guard fd >= 0 else { throw SystemCallError(errno: -fd) }
        descriptor = fd
    }

    deinit { vigil_close(descriptor) }

    /// Writes everything on the file system to its disk and waits: nil, or the errno of what
    /// failed since this was opened (EIO, ENOSPC …).
    public func flush() -> Int32? {
        let rc = vigil_syncfs(descriptor)
        return rc == 0 ? nil : rc
    }
}
