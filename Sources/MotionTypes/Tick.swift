/// A control-loop tick: the loop's only notion of time. Tick 0 is the first tick of a run;
/// the period of one tick is the profile's control period (1 ms at 1 kHz).
///
/// Nothing in the tick reads a wall clock: the simulator advances a counter and the real-time
/// runner feeds measured ticks.
public struct Tick: Sendable, Hashable, Comparable, BitwiseCopyable {
    public var value: Int64

    @inlinable public init(_ value: Int64) { self.value = value }

    public static let zero = Tick(0)

    @inlinable public static func < (lhs: Tick, rhs: Tick) -> Bool { lhs.value < rhs.value }

    /// The tick `n` ticks later.
    @inlinable public static func + (lhs: Tick, n: Int64) -> Tick { Tick(lhs.value + n) }

    /// The number of ticks from `rhs` to `lhs`.
    @inlinable public static func - (lhs: Tick, rhs: Tick) -> Int64 { lhs.value - rhs.value }
}

extension Tick: CustomStringConvertible {
    public var description: String { "tick \(value)" }
}
