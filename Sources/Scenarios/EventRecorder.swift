import ControlLoop
import Dispatch
import FaultLog
import Foundation
import MotionTypes
import Realtime
import SafetyInterlock
import Synchronization

/// Turns the loop's events into log records and keeps the figures the verdicts need. Called
/// from one thread at a time: the run's own between ticks, or the log writer's thread.
final class EventRecorder: @unchecked Sendable {
    let scenario: Scenario
    let log: FaultLogWriter
    let drawnParameters: [Double?]
    let onset: Int64
    private(set) var trips: [(tick: Int64, trip: Trip)] = []
    private(set) var firstDetection: Int64?
    private(set) var worst = Response.none

    init(scenario: Scenario, log: FaultLogWriter, drawnParameters: [Double?]) {
        self.scenario = scenario
        self.log = log
        self.drawnParameters = drawnParameters
        onset = scenario.firstOnset ?? 0
    }

    func handle(_ event: LoopEvent) throws {
        if event.kind == .trip {
            trips.append((event.tick, event.trip))
            worst = max(worst, event.trip.response)
            if firstDetection == nil && event.tick >= onset && !scenario.faults.isEmpty { firstDetection = event.tick }
        }
        // Trips whose records were lost still count towards the most severe response.
        if event.kind == .tripsDropped { worst = max(worst, event.trip.response) }
        try log.append(ScenarioRunner.record(event, scenario: scenario, drawnParameters: drawnParameters))
    }

}

/// The real-time run's log writer: the tick pushes fixed-size events into a preallocated ring
/// and returns; this thread formats and writes them. A full ring drops the event and counts
/// it; the count goes into the ring, as an `events_dropped` event at the tick of the first
/// drop, as soon as there is room, so the log shows the gap where it happened. The tick never
/// waits for the disk. The thread itself runs under the normal scheduler on any CPU, so that
/// it never competes with the loop it serves.
final class LogWriterThread: @unchecked Sendable {
    private let ring: SPSCRing<LoopEvent>
    private let recorder: EventRecorder
    private let stopping = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    private var finished = false
    /// Producer side only.
    private var pendingDrops = 0
    private var firstDropTick: Int64 = 0
    /// Events lost to a full ring (producer side; read after `finish`).
    private(set) var dropped = 0
    /// The first error writing the log. Written by this thread before `failedFlag`; the loop
    /// reads it only after seeing the flag.
    private(set) var error: (any Error)?
    private let failedFlag = Atomic<Bool>(false)
    /// The log could not be written: the loop stops the run at the end of the tick (never
    /// drives an arm it can no longer account for).
    var failed: Bool { failedFlag.load(ordering: .acquiring) }

    /// `avoiding`: the CPU the real-time loop is pinned to; the writer runs on the others.
    init(recorder: EventRecorder, capacity: Int = 4096, avoiding loopCPU: Int? = nil) {
        ring = SPSCRing(capacity: capacity)
        self.recorder = recorder
        let thread = Thread { [self] in
            Realtime.leave(avoiding: loopCPU)
            run()
        }
        thread.name = "vigil-log-writer"
        thread.start()
    }

    /// Producer side: never blocks, never allocates.
    @inline(__always)
    func push(_ event: LoopEvent) {
        if pendingDrops > 0 {
            var note = LoopEvent.make(.eventsDropped, firstDropTick)
            note.index = pendingDrops
            if ring.push(note) {
                pendingDrops = 0
            } else {
                pendingDrops += 1
                dropped += 1
                return
            }
        }
        if !ring.push(event) {
            if pendingDrops == 0 { firstDropTick = event.tick }
            pendingDrops += 1
            dropped += 1
        }
    }

    /// Writes what is left and stops the thread; false when it did not finish within
    /// `timeout` seconds (the thread never started, or the disk hangs).
    @discardableResult
    func finish(timeout: Double = 10) -> Bool {
        guard !finished else { return true }
        finished = true
        if pendingDrops > 0 {
            var note = LoopEvent.make(.eventsDropped, firstDropTick)
            note.index = pendingDrops
            let deadline = Date().addingTimeInterval(timeout)
            while !ring.push(note) && Date() < deadline { usleep(100) }
            pendingDrops = 0
        }
        stopping.store(true, ordering: .releasing)
        if done.wait(timeout: .now() + timeout) == .timedOut {
            if error == nil { error = WriterStalled(seconds: timeout) }
            return false
        }
        return true
    }

    struct WriterStalled: Error, CustomStringConvertible {
        var seconds: Double
        var description: String { "the log writer did not finish within \(Int(seconds)) s: the log is incomplete" }
    }

    private func run() {
        while true {
            let stop = stopping.load(ordering: .acquiring)
            var any = false
            while let event = ring.pop() {
                any = true
                write { try recorder.handle(event) }
            }
            if stop { break }
            // Idle: look again in 10 ms. The ring holds 4096 events: a second of a run that logs
            // an event on every tick at 4 kHz (a run logs far fewer). Waking every 1 ms put a
            // wake-up beside each of a 1 kHz loop's, and that loop's wake p99 was then several
            // times the plain C loop's on this VM.
            if !any { usleep(10_000) }
        }
        done.signal()
    }

    private func write(_ body: () throws -> Void) {
        guard error == nil else { return }
        do {
            try body()
        } catch {
            self.error = error
            failedFlag.store(true, ordering: .releasing)
        }
    }
}
