public import ControlLoop
public import MotionTypes

/// A fault-injection scenario: what to run, which faults to inject when, and what must happen.
public struct Scenario: Sendable {
    /// The scenario file's path as given.
    public var path: String
    public var name: String
    public var description: String
    /// Hazard ids (H01…H22) this scenario gives evidence for.
    public var hazards: [String]
    /// The profile path as written in the scenario, and as resolved from the scenario's folder.
    public var profileReference: String
    public var profilePath: String
    public var profile: HardwareProfile
    public var seed: UInt64
    public var durationTicks: Int64
    public var initialJoints: JointVector
    public var timeline: [TimedCommand]
    public var faults: [Fault]
    /// How each fault was written, for the log.
    public var faultTexts: [String]
    public var expectations: [Expectation]

    public struct TimedCommand: Sendable, Equatable {
        public var tick: Int64
        public var command: LoopCommand
        /// As written (for the log).
        public var text: String
    }

    /// Faults of the file that this run does not inject (the plant's faults, on hardware), as
    /// written; the log's header lists them, so the log never shows a fault that did not act.
    public var faultsNotInjected: [String] = []

    /// The file gives `initial_joints` (otherwise the simulator starts at the default pose).
    public var initialJointsGiven = false
    /// On hardware the arm starts where it stands: `initial_joints` is not applied, and the
    /// log's header says so.
    public var initialJointsNotApplied = false

    /// Why a serial run does not apply `initial_joints` (the warning and the log's header).
    public static let initialJointsOnHardware =
        "the arm starts where it stands: initial_joints is the simulator's starting pose, and Vigil does not move real joints there before a run"

    /// The longest run a scenario may ask for: 24 hours at the control `rate`.
    public static func maximumDurationTicks(rate: Double) -> Int64 { Int64((24 * 3600 * rate).rounded(.down)) }

    /// The first fault onset (ticks), from which detection latency and excursion are measured.
    public var firstOnset: Int64? { faults.map(\.onset).min() }

    /// This scenario without the faults `skip` picks; they move to ``faultsNotInjected``.
    public func withoutFaults(where skip: (Fault) -> Bool) -> Scenario {
        var s = self
        s.faults = []
        s.faultTexts = []
        for (fault, text) in zip(faults, faultTexts) {
            if skip(fault) {
                s.faultsNotInjected.append(text)
            } else {
                s.faults.append(fault)
                s.faultTexts.append(text)
            }
        }
        return s
    }
}

/// Something a scenario asserts about its run.
public enum Expectation: Sendable, Equatable {
    /// `check` trips (on `joint`, if given) within `within` ticks after the first fault onset.
    case trips(check: CheckID, joint: Int?, within: Int64?)
    /// `check` never trips; nil: no check trips at all (warnings included).
    case noTrip(check: CheckID?)
    /// The most severe response of the run.
    case response(Response)
    case finalState(OperatingState)
    /// Largest distance, metres, between the true tool tip and the tip of the controller's
    /// reference after the first fault onset (or over the whole run without faults).
    case maxExcursion(Double)
    /// The boards' own watchdog removes motor power within `within` ticks of the first fault's
    /// onset; nil: it never does (a simulator's boards only: H09, H15).
    case boardStops(within: Int64?)
}
