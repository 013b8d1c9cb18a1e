/// Counts consecutive ticks on which a condition held. "Persistence N" trips when the condition
/// has held on more than N consecutive ticks, i.e. on the (N+1)-th; N = 0 trips at once.
struct PersistenceCounters: Sendable, BitwiseCopyable {
    var counts: InlineArray<8, Int64> = InlineArray(repeating: 0)

    /// Records this tick's condition for slot `i`; true when the check trips this tick.
    mutating func update(_ i: Int, _ condition: Bool, persistence: Int64) -> Bool {
        if condition {
            counts[i] += 1
            return counts[i] == persistence + 1
        }
        counts[i] = 0
        return false
    }

    mutating func reset() { counts = InlineArray(repeating: 0) }
}

/// Per-joint "an episode is under way" flags, so a warning is logged once per episode.
struct EpisodeFlags: Sendable, BitwiseCopyable {
    var bits: UInt32 = 0

    /// True when `condition` starts a new episode for `slot` (0…31).
    mutating func starts(_ slot: Int, _ condition: Bool) -> Bool {
        let mask: UInt32 = 1 << UInt32(slot)
        defer { if condition { bits |= mask } else { bits &= ~mask } }
        return condition && bits & mask == 0
    }

    /// True while `slot`'s episode is under way.
    func isActive(_ slot: Int) -> Bool { bits & (1 << UInt32(slot)) != 0 }

    /// Ends `slot`'s episode: if its condition still holds on the next tick, that is a new one.
    mutating func end(_ slot: Int) {
        bits &= ~(UInt32(1) << UInt32(slot))
    }
}
