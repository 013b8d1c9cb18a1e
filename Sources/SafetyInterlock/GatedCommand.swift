public import MotionTypes

/// A command that has passed the safety interlock. Only ``SafetyInterlock`` can make one (its
/// initialiser is internal to this module), and an actuator backend's `write` accepts nothing
/// else — so no code path can command an actuator around the interlock.
public struct GatedCommand: Sendable, BitwiseCopyable {
    public let command: ActuatorCommand
    /// The tick the interlock gated it for.
    public let tick: Tick

    init(_ command: ActuatorCommand, tick: Tick) {
        self.command = command
        self.tick = tick
    }
}

/// The interlock's operating state.
public enum InterlockState: Sendable, Equatable, BitwiseCopyable {
    /// Commands pass (possibly clamped).
    case normal
    /// Category 2 stop: holding position with power on, until `resume`.
    case holding
    /// Category 1 stop in progress: holding position, then power off at `powerOffTick`.
    case stopping(powerOffTick: Tick)
    /// Latched: power off, brakes on, until an explicit `reset`.
    case faulted(Response)

    public var name: String {
        switch self {
        case .normal: return "normal"
        case .holding: return "holding"
        case .stopping: return "stopping"
        case .faulted: return "faulted"
        }
    }
}

/// Up to 16 trips of one tick, stored inline.
public struct TripList: Sendable, BitwiseCopyable {
    public static let capacity = 16
    var storage: InlineArray<16, Trip>
    public private(set) var count: Int
    /// Trips beyond the capacity in this tick (they still took effect; only their record is lost).
    public private(set) var dropped: Int
    /// The most severe response among every trip appended, those beyond the capacity included:
    /// a trip whose record is lost must still take effect.
    public private(set) var worst = Response.none
    /// The most severe response appended since the last `mark()` (stage 2 of a tick acts on its
    /// own trips only), those beyond the capacity included.
    private(set) var worstSinceMark = Response.none

    init() {
        storage = InlineArray(repeating: Trip(check: .commandStep, joint: -1, measured: 0, threshold: 0, response: .none))
        count = 0
        dropped = 0
    }

    /// Empties the list for the next tick (the storage stays).
    mutating func removeAll() {
        count = 0
        dropped = 0
        worst = .none
        worstSinceMark = .none
    }

    /// Starts a new `worstSinceMark`.
    mutating func mark() { worstSinceMark = .none }

    mutating func append(_ trip: Trip) {
        if trip.response > worst { worst = trip.response }
        if trip.response > worstSinceMark { worstSinceMark = trip.response }
        if count < Self.capacity {
            storage[count] = trip
            count += 1
        } else {
            dropped += 1
        }
    }

    public subscript(i: Int) -> Trip {
        precondition(i >= 0 && i < count)
        return storage.span[i]  // a span read copies nothing
    }

}

/// The result of one interlock step.
public struct InterlockVerdict: Sendable, BitwiseCopyable {
    /// The only thing that may be written to the actuators this tick.
    public let gated: GatedCommand
    /// The state after this tick.
    public let state: InterlockState
    /// What tripped this tick (warnings at the start of an episode only).
    public let trips: TripList
    /// Where a hold or controlled stop holds the arm; the controller should track it.
    public let holdPosition: JointVector
    /// The operator sample of this tick was rejected (H18): the loop must not integrate it.
    public let operatorSampleRejected: Bool
}
