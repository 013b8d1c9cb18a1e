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
        try log.append(ScenarioRunner.record(event, scenario: scenario, drawnParameters: drawnParameters))
    }

    /// Events the loop produced but the ring to the log writer had no room for.
    func dropped(_ count: Int, tick: Int64) throws {
        var r = JSONRecord(type: "events_dropped", tick: tick)
        r.add("count", count)
        try log.append(r)
    }
}

/// The real-time run's log writer: the tick pushes fixed-size events into a preallocated ring
/// and returns; this thread formats and writes them. A full ring drops the event and counts
/// it (logged as `events_dropped`), so the tick never waits for the disk.
final class LogWriterThread: @unchecked Sendable {
    private let ring: SPSCRing<LoopEvent>
    private let recorder: EventRecorder
    private let stopping = Atomic<Bool>(false)
    private let droppedCount = Atomic<Int>(0)
    private let done = DispatchSemaphore(value: 0)
    private var finished = false
    /// The first error writing the log; the run throws it once the ticks are done.
    private(set) var error: (any Error)?

    init(recorder: EventRecorder, capacity: Int = 4096) {
        ring = SPSCRing(capacity: capacity)
        self.recorder = recorder
        let thread = Thread { [self] in run() }
        thread.name = "vigil-log-writer"
        thread.start()
    }

    /// Producer side: never blocks, never allocates.
    @inline(__always)
    func push(_ event: LoopEvent) {
        if !ring.push(event) { droppedCount.wrappingAdd(1, ordering: .relaxed) }
    }

    var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Writes what is left and stops the thread.
    func finish() {
        guard !finished else { return }
        finished = true
        stopping.store(true, ordering: .releasing)
        done.wait()
    }

    private func run() {
        var reported = 0
        var lastTick: Int64 = 0
        func reportDrops() {
            let now = droppedCount.load(ordering: .relaxed)
            guard now > reported else { return }
            write { try recorder.dropped(now - reported, tick: lastTick) }
            reported = now
        }
        while true {
            let stop = stopping.load(ordering: .acquiring)
            var any = false
            while let event = ring.pop() {
                any = true
                lastTick = event.tick
                reportDrops()
                write { try recorder.handle(event) }
            }
            reportDrops()
            if stop { break }
            if !any { usleep(200) }
        }
        done.signal()
    }

    private func write(_ body: () throws -> Void) {
        guard error == nil else { return }
        do { try body() } catch { self.error = error }
    }
}
