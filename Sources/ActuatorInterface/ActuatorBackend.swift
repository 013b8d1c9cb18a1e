public import MotionTypes
public import SafetyInterlock

/// The hardware seam: what the control loop needs from actuators, real or simulated.
///
/// `write` accepts only a ``GatedCommand``, which only the safety interlock can make, so nothing
/// commands an actuator around the interlock. Backends never throw from the tick: bus faults
/// are counted and reported through the sensor frame (a frozen sequence, missing values).
public protocol ActuatorBackend {
    /// Connects and prepares the actuators (torque off, watchdogs armed).
    mutating func start() throws(BackendError)
    /// Fills `frame` with this tick's measurements (a simulator first advances its plant by one
    /// control period under the last written command).
    mutating func read(into frame: inout SensorFrame, tick: Tick)
    /// Sends this tick's gated command.
    mutating func write(_ command: GatedCommand)
    /// Leaves every actuator stopped: torque off, brakes on. Called on every exit path.
    mutating func stop()
    /// Physical disturbances from the fault schedule (power, e-stop chain, brakes). Backends
    /// that cannot apply them (real hardware) ignore them.
    mutating func disturb(_ disturbance: PlantDisturbance)
    /// The joints' true positions where the backend knows them (a simulator), for the
    /// excursion and the trace; nil for hardware, which knows only what it measures.
    var truePosition: JointVector? { get }
    /// The host did not run this control period (a stalled process): it reads and writes
    /// nothing, and the boards run on by themselves. A simulator advances its plant and its
    /// board watchdog; real boards run on in real time, so hardware has nothing to do.
    mutating func idle(tick: Tick)
    /// The boards' own watchdog has removed motor power (a simulator knows; hardware: nil, the
    /// host cannot see it).
    var boardWatchdogExpired: Bool? { get }
    /// The actuators move in wall-clock time between reads (real boards), so a missed period
    /// of a real-time run is time they moved in. A simulator advances one period per read.
    var runsOnWallClock: Bool { get }
    /// The actuators (servo ids) that did not confirm, at the last `stop()`, that their power
    /// is off: a silent bus leaves the host unable to say they are stopped. Empty when every
    /// one confirmed, or when there is nothing to confirm (a simulator).
    var torqueOffUnconfirmed: [Int] { get }
}

extension ActuatorBackend {
    public var truePosition: JointVector? { nil }
    public mutating func idle(tick: Tick) {}
    public var boardWatchdogExpired: Bool? { nil }
    public var runsOnWallClock: Bool { false }
    public var torqueOffUnconfirmed: [Int] { [] }
}

/// Physical faults a simulator applies to its plant.
public struct PlantDisturbance: Sendable, Equatable, BitwiseCopyable {
    /// Supply voltage overriding the nominal one, V (nil: nominal).
    public var supplyVoltage: Double?
    /// The emergency-stop chain is open: the boards cut motor power and the input reads asserted.
    public var emergencyStop: Bool
    /// Per joint, the fraction of its brake's holding torque that is left (1: healthy).
    public var brakeHolding: JointVector
    /// Per joint, the current the amplifier delivers per ampere commanded (1: healthy; 0: a
    /// dead drive).
    public var amplifierGain: JointVector
    /// Per joint, a current the amplifier drives whatever it is commanded (a stuck output
    /// stage), A; NaN: it follows the command. Applied only while powered, within `current_max`.
    public var amplifierCurrent: JointVector

    public init(jointCount: Int) {
        supplyVoltage = nil
        emergencyStop = false
        brakeHolding = JointVector(count: jointCount, repeating: 1)
        amplifierGain = JointVector(count: jointCount, repeating: 1)
        amplifierCurrent = JointVector(count: jointCount, repeating: .nan)
    }
}

/// An environment fault at start-up or shutdown: a port that cannot be opened, a board that
/// does not answer, a model number that does not match the profile.
public struct BackendError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unavailable
        case configurationMismatch
        case io
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// A backend with counters worth keeping in the log's summary (bus cycles, CRC errors, …).
public protocol BackendStatistics {
    /// Name and value, in a stable order.
    var statistics: [(name: String, value: Int)] { get }
}
