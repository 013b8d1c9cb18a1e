import Dispatch
import Foundation
@testable import Realtime
import Testing

@Suite struct PeriodicScheduleTests {
    let period: Int64 = 1_000_000  // 1 ms

    @Test func onTimeAndSlightlyLateKeepTheDeadline() {
        #expect(PeriodicTimer.schedule(now: 500_000, deadline: 1_000_000, period: period) == (1_000_000, 0))
        // Late, but by no more than a period: the tick runs now, nothing is skipped.
        #expect(PeriodicTimer.schedule(now: 1_999_999, deadline: 1_000_000, period: period) == (1_000_000, 0))
    }

    /// Exactly a period late: the deadline that has just come is the one to run, and the one
    /// before it is missed (running both would be two ticks back to back).
    @Test func aWholePeriodLateIsAMissedPeriod() {
        #expect(PeriodicTimer.schedule(now: 2_000_000, deadline: 1_000_000, period: period) == (2_000_000, 1))
    }

    @Test func moreThanAPeriodLateSkipsAheadWithoutBursting() {
        // 1 ns beyond a whole period late: one period missed, and the new deadline is not
        // after now, so this tick runs at once and the next is a full period later.
        #expect(PeriodicTimer.schedule(now: 2_000_001, deadline: 1_000_000, period: period) == (2_000_000, 1))
        // A 5.5-period stall: 5 missed; the loop resumes on the grid, not 5 ticks in a row.
        let (target, missed) = PeriodicTimer.schedule(now: 6_500_000, deadline: 1_000_000, period: period)
        #expect(missed == 5)
        #expect(target == 6_000_000)
        #expect(target <= 6_500_000 && 6_500_000 - target < period)
    }

    /// A thread that wakes a period late or more from its sleep (preempted by a hypervisor or a
    /// higher-priority task) has let deadlines pass: they are missed, the schedule moves on, and
    /// the latency is from the deadline it slept for. Found in a user pass: a 1.7 ms late
    /// wake-up at 1 kHz was logged with 0 missed periods and never reached H15.
    @Test(arguments: [(Int64(900_000), 0, Int64(2_000_000)), (1_000_000, 1, 3_000_000), (1_700_000, 1, 3_000_000), (5_200_000, 5, 7_000_000)])
    func anOversleepIsAMissedPeriod(_ oversleep: Int64, _ missed: Int, _ next: Int64) {
        var time: Int64 = 0
        var timer = PeriodicTimer(periodNanoseconds: 1_000_000)
        var slept: [Int64] = []
        let first = timer.wait(clock: { time }, sleepUntil: { slept.append($0); time = $0 + oversleep })
        #expect(slept == [1_000_000])
        #expect(first.latencyNanoseconds == oversleep && first.woke == 1_000_000 + oversleep)
        #expect(first.missed == missed)
        // The tick takes 10 µs; the next wait sleeps for the next deadline not yet passed.
        time += 10_000
        let second = timer.wait(clock: { time }, sleepUntil: { slept.append($0); time = $0 })
        #expect(slept.last == next)
        #expect(second.missed == 0 && second.latencyNanoseconds == 0)
    }

    /// A real wait: the timer sleeps to absolute deadlines and reports a stall as missed periods.
    @Test func aStallIsReportedAsMissedPeriods() {
        var timer = PeriodicTimer(periodNanoseconds: 1_000_000)
        _ = timer.wait()
        usleep(10_000)  // 10 ms: at least 8 periods late whatever the machine's load
        let (_, missed, _) = timer.wait()
        #expect(missed >= 8)
        #expect(missed <= 1000)
    }
}

@Suite struct PercentileTests {
    @Test func nearestRank() {
        let values: [Int64] = (1...1000).map { Int64($0) * 1000 }  // 1 … 1000 us
        let p = Percentiles(values.shuffled())
        #expect(p.p50 == 500)
        #expect(p.p99 == 990)
        #expect(p.p999 == 999)
        #expect(p.max == 1000)
        #expect(Percentiles([]) == Percentiles([0]))
        #expect(Percentiles([7000]).p50 == 7 && Percentiles([7000]).p999 == 7)
    }

    @Test func theRecorderKeepsWhatItWasGivenAndCountsMissedPeriods() {
        let recorder = TimingRecorder(capacity: 3)
        recorder.record(wakeNanoseconds: 3000, computeNanoseconds: 1000, missed: 0)
        recorder.record(wakeNanoseconds: 1000, computeNanoseconds: 2000, missed: 2)
        recorder.record(wakeNanoseconds: 2000, computeNanoseconds: 3000, missed: 0)
        recorder.record(wakeNanoseconds: 9000, computeNanoseconds: 9000, missed: 1)  // beyond capacity
        let s = recorder.summary
        #expect(s.ticks == 3)
        #expect(s.missedPeriods == 3)
        #expect(s.wake.p50 == 2 && s.wake.max == 3)
        #expect(s.compute.max == 3)
    }
}

@Suite struct SPSCRingTests {
    @Test func fullRingRefusesAndKeepsOrder() {
        let ring = SPSCRing<Int>(capacity: 4)
        #expect(ring.capacity == 4)
        for i in 0..<4 { #expect(ring.push(i)) }
        #expect(!ring.push(4), "a full ring refuses rather than overwriting or blocking")
        #expect(ring.pop() == 0)
        #expect(ring.push(5))
        #expect([ring.pop(), ring.pop(), ring.pop(), ring.pop()] == [1, 2, 3, 5])
        #expect(ring.pop() == nil)
        #expect(ring.isEmpty)
    }

    @Test func aProducerAndAConsumerOnTwoThreadsLoseNothing() {
        let ring = SPSCRing<Int>(capacity: 64)
        let count = 200_000
        let done = DispatchSemaphore(value: 0)
        final class Box: @unchecked Sendable { var received: [Int] = [] }
        let box = Box()
        Thread {
            while box.received.count < count {
                if let v = ring.pop() { box.received.append(v) }
            }
            done.signal()
        }.start()
        var next = 0
        while next < count {
            if ring.push(next) { next += 1 }
        }
        done.wait()
        #expect(box.received == Array(0..<count))
    }
}

/// Realtime.enter changes the whole process (mlockall), so it is tested through `vigil run
/// --realtime` in VigilCLITests, in a process of its own.
@Suite struct PlainCLoopTests {
    @Test func thePlainCLoopMeasuresEveryPeriod() {
        let (latencies, missed) = Realtime.plainCLoop(periodNanoseconds: 1_000_000, count: 20, options: nil)
        #expect(latencies.count == 20)
        #expect(latencies.allSatisfy { $0 >= 0 })
        #expect(missed >= 0)
    }
}

/// The campaign's one flush: it reports what failed instead of hiding it.
@Suite struct FileSystemFlushTests {
    @Test func flushingAFolderSucceedsAndAMissingOneSaysWhy() {
        #expect(Realtime.syncFileSystem(containing: FileManager.default.temporaryDirectory.path) == nil)
        #expect(Realtime.syncFileSystem(containing: "/no/such/folder/for/vigil") == ENOENT)
        #expect(Realtime.syncFileSystem(containing: "/etc/hostname") == ENOTDIR)
    }

    /// Opened before the writes (as a campaign does), flushed after them. This checks the
    /// calls and their errors; a failing write-back, the case the early open is for, needs a
    /// failing disk and is not reproduced here.
    @Test func aFlushOpenedBeforeTheWritesFlushesThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-flush-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let flush = try FileSystemFlush(folder: folder.path)
        try Data(repeating: 7, count: 1 << 16).write(to: folder.appendingPathComponent("log"))
        #expect(flush.flush() == nil)
        #expect(flush.flush() == nil, "a second flush with nothing new is fine too")
        #expect(throws: SystemCallError(errno: ENOENT)) { try FileSystemFlush(folder: folder.appendingPathComponent("none").path) }
        #expect(throws: SystemCallError(errno: ENOTDIR)) { try FileSystemFlush(folder: folder.appendingPathComponent("log").path) }
    }
}
