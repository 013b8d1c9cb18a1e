public import MotionTypes

/// Something that happened in one tick, recorded without allocating.
public struct LoopEvent: Sendable, BitwiseCopyable {
    public enum Kind: UInt8, Sendable, BitwiseCopyable {
        case faultInjected
        case faultCleared
        case trip
        case stateTransition
        case command
        case commandRejected
        case overrun
        case eventsDropped
        /// More checks tripped in one tick than the interlock records (16): they took effect,
        /// their records are lost. `index` is how many; `trip.response` the most severe
        /// response among all of the tick's trips.
        case tripsDropped
        /// The boards' own watchdog removed motor power (what the simulated boards did, recorded
        /// by the run: the host cannot see it).
        case boardWatchdog
    }

    public var kind: Kind
    public var tick: Int64
    /// For trips.
    public var trip: Trip
    /// For transitions.
    public var from: OperatingState
    public var to: OperatingState
    /// Fault index for fault events; command index for command events; count for drops (events
    /// or trips).
    public var index: Int
    /// The reason of a transition, as the trip that caused it (check), or none.
    public var reasonCheck: CheckID?
    /// For rejected commands: why. `from` is then the state the command met.
    public var refusal: CommandRefusal?
    /// For a `move_cp` rejected as `.notFoundWithinTick`: how far from the target the closest
    /// tip the search found is, metres.
    public var distance: Double

    public static func make(_ kind: Kind, _ tick: Int64) -> LoopEvent {
        LoopEvent(
            kind: kind, tick: tick, trip: Trip(check: .commandStep, joint: -1, measured: 0, threshold: 0, response: .none),
            from: .disabled, to: .disabled, index: 0, reasonCheck: nil, refusal: nil, distance: 0)
    }
}

/// Why the loop rejected a command. A rejected command has no effect (a `disable` in FAULT
/// included: the arm is already unpowered and not homed there).
public enum CommandRefusal: UInt8, Sendable, BitwiseCopyable {
    /// The command does not apply in the current operating state (``LoopEvent/from``).
    case state
    /// A motion command before `home`.
    case notHomed
    /// A motion command while the interlock holds the paused arm (a category 2 stop: resume
    /// first). A hold on an unpowered arm is refused for the state (enable first).
    case holding
    /// A motion command, `enable` or `resume` while a protective stop (category 1) brings the
    /// arm to rest: it ends in FAULT, and only `reset` clears that.
    case stopping
    /// `reset` while the monitored emergency stop is still asserted.
    case emergencyStopAsserted
    /// `move_cp`: the tick's inverse-kinematics search (``IKOptions/withinTick(rate:)``) found
    /// no joint values within the limits that put the tip on the target. A longer search may.
    case notFoundWithinTick
    /// `servo_jp` on a joint the arm does not have.
    case noSuchJoint
}

/// A preallocated ring of loop events. The tick appends; the runner drains between ticks. A full
/// ring drops the newest events and counts them (the drop is itself logged).
public struct EventRing: Sendable {
    var storage: [LoopEvent]
    var head = 0
    public private(set) var count = 0
    public private(set) var dropped = 0

    public init(capacity: Int = 1024) {
        storage = Array(repeating: LoopEvent.make(.command, 0), count: capacity)
    }

    public mutating func append(_ event: LoopEvent) {
        guard count < storage.count else {
            dropped += 1
            return
        }
        storage[(head + count) % storage.count] = event
        count += 1
    }

    /// Removes and returns the oldest event.
    public mutating func pop() -> LoopEvent? {
        guard count > 0 else { return nil }
        let e = storage[head]
        head = (head + 1) % storage.count
        count -= 1
        return e
    }

    public mutating func takeDropped() -> Int {
        defer { dropped = 0 }
        return dropped
    }
}
