/// Per-tick wake latency and compute time, into storage allocated up front: recording a tick
/// never allocates. Percentiles are computed once, after the run.
public final class TimingRecorder: @unchecked Sendable {
    private let wake: UnsafeMutableBufferPointer<Int64>
    private let compute: UnsafeMutableBufferPointer<Int64>
    public private(set) var count = 0
    public private(set) var missedPeriods = 0

    /// Room for `capacity` ticks; later ticks are counted in `missedPeriods` only if missed.
    public init(capacity: Int) {
        wake = .allocate(capacity: max(1, capacity))
        compute = .allocate(capacity: max(1, capacity))
        // Touch every page now, not on the first ticks.
        wake.initialize(repeating: 0)
        compute.initialize(repeating: 0)
    }

    deinit {
        wake.deallocate()
        compute.deallocate()
    }

    @inline(__always)
    public func record(wakeNanoseconds: Int64, computeNanoseconds: Int64, missed: Int) {
        missedPeriods += missed
        guard count < wake.count else { return }
        wake[count] = wakeNanoseconds
        compute[count] = computeNanoseconds
        count += 1
    }

    public var summary: TimingSummary {
        TimingSummary(
            ticks: count, missedPeriods: missedPeriods,
            wake: Percentiles(Array(wake.prefix(count))), compute: Percentiles(Array(compute.prefix(count))))
    }
}

/// p50, p99, p99.9 and max of a set of durations, in microseconds.
public struct Percentiles: Sendable, Equatable {
    public var p50: Double
    public var p99: Double
    public var p999: Double
    public var max: Double

    /// Nearest-rank percentiles of `nanoseconds` (all zero when empty).
    public init(_ nanoseconds: [Int64]) {
        let sorted = nanoseconds.sorted()
        func rank(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = Swift.min(sorted.count - 1, Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[index]) / 1000
        }
        p50 = rank(0.5)
        p99 = rank(0.99)
        p999 = rank(0.999)
        max = sorted.last.map { Double($0) / 1000 } ?? 0
    }
}

public struct TimingSummary: Sendable, Equatable {
    public var ticks: Int
    public var missedPeriods: Int
    public var wake: Percentiles
    public var compute: Percentiles
}
