/// How the interlock responds, from mildest to most severe.
public enum Response: UInt8, Sendable, Comparable, CaseIterable, BitwiseCopyable {
    /// Nothing to do.
    case none = 0
    /// Limit the command and warn; keep going.
    case clamp = 1
    /// Controlled stop, power kept (IEC 60204-1 category 2). Released by `resume`.
    case hold = 2
    /// Controlled stop, then power off and brakes on; latched (category 1).
    case protectiveStop = 3
    /// Amplifiers off at once, brakes on; latched (category 0).
    case powerOff = 4

    @inlinable public static func < (a: Response, b: Response) -> Bool { a.rawValue < b.rawValue }

    public var name: String {
        switch self {
        case .none: return "none"
        case .clamp: return "clamp"
        case .hold: return "hold"
        case .protectiveStop: return "protective_stop"
        case .powerOff: return "power_off"
        }
    }
}

/// Every check the interlock runs, with the hazard it controls (HAZARDS.md).
public enum CheckID: UInt8, Sendable, CaseIterable, BitwiseCopyable {
    case commandStep
    case commandNonFinite
    case trackingError
    case jointVelocity
    case tipSpeed
    case tipSpeedPersistent
    case remoteCenterDistance
    case insertionDepth
    case jointLimitCommand
    case jointLimitMeasured
    case encoderPotentiometer
    case encoderStall
    case sensorFreshness
    case sensorFreshnessStop
    case commandCurrent
    case overcurrent
    case temperatureWarning
    case temperature
    case brakeSlip
    case deadline
    case deadlineStop
    case supplyVoltage
    case emergencyStop
    case operatorStep
    case operatorNonFinite
    case operatorDropout
    case operatorDropoutStop
    case communication
    case roundTrip
    case monitorInputFrozen
    case commandSequence
    case idleCommand
    case idleMotion
    case remoteCenterStop
    case insertionDepthStop

    /// The name used in scenario files, logs and reports.
    public var name: String {
        switch self {
        case .commandStep: return "command_step"
        case .commandNonFinite: return "command_non_finite"
        case .trackingError: return "tracking_error"
        case .jointVelocity: return "joint_velocity"
        case .tipSpeed: return "tip_speed"
        case .tipSpeedPersistent: return "tip_speed_persistent"
        case .remoteCenterDistance: return "remote_center_distance"
        case .insertionDepth: return "insertion_depth"
        case .jointLimitCommand: return "joint_limit_command"
        case .jointLimitMeasured: return "joint_limit_measured"
        case .encoderPotentiometer: return "encoder_potentiometer"
        case .encoderStall: return "encoder_stall"
        case .sensorFreshness: return "sensor_freshness"
        case .sensorFreshnessStop: return "sensor_freshness_stop"
        case .commandCurrent: return "command_current"
        case .overcurrent: return "overcurrent"
        case .temperatureWarning: return "temperature_warning"
        case .temperature: return "temperature"
        case .brakeSlip: return "brake_slip"
        case .deadline: return "deadline"
        case .deadlineStop: return "deadline_stop"
        case .supplyVoltage: return "supply_voltage"
        case .emergencyStop: return "emergency_stop"
        case .operatorStep: return "operator_step"
        case .operatorNonFinite: return "operator_non_finite"
        case .operatorDropout: return "operator_dropout"
        case .operatorDropoutStop: return "operator_dropout_stop"
        case .communication: return "communication"
        case .roundTrip: return "round_trip"
        case .monitorInputFrozen: return "monitor_input_frozen"
        case .commandSequence: return "command_sequence"
        case .idleCommand: return "idle_command"
        case .idleMotion: return "idle_motion"
        case .remoteCenterStop: return "remote_center_stop"
        case .insertionDepthStop: return "insertion_depth_stop"
        }
    }

    /// The hazard ids this check controls.
    public var hazards: String {
        switch self {
        case .commandStep, .commandNonFinite, .idleCommand, .idleMotion: return "H01"
        case .trackingError, .jointVelocity: return "H02"
        case .tipSpeed, .tipSpeedPersistent: return "H03"
        case .remoteCenterDistance, .insertionDepth, .remoteCenterStop, .insertionDepthStop: return "H04"
        case .jointLimitCommand, .jointLimitMeasured: return "H05"
        case .encoderPotentiometer: return "H06 H07"
        case .encoderStall: return "H06"
        case .sensorFreshness, .sensorFreshnessStop: return "H08"
        case .commandCurrent, .overcurrent: return "H12"
        case .temperatureWarning, .temperature: return "H13"
        case .brakeSlip: return "H14"
        case .deadline, .deadlineStop: return "H15"
        case .supplyVoltage: return "H16"
        case .emergencyStop: return "H17"
        case .operatorStep, .operatorNonFinite: return "H18"
        case .operatorDropout, .operatorDropoutStop: return "H19"
        case .communication: return "H09 H10"
        case .roundTrip: return "H11"
        case .monitorInputFrozen: return "H06 H07"
        case .commandSequence: return "H22"
        }
    }

    /// Trips of this check name a joint.
    public var isPerJoint: Bool {
        switch self {
        case .commandStep, .trackingError, .jointVelocity, .jointLimitCommand, .jointLimitMeasured, .encoderPotentiometer,
            .encoderStall, .commandCurrent, .overcurrent, .temperatureWarning, .temperature, .brakeSlip, .monitorInputFrozen,
            .idleCommand, .idleMotion:
            return true
        default:
            return false
        }
    }

    public init?(name: String) {
        guard let match = CheckID.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}

/// One check tripping: which, on which joint, the value that caused it and the threshold.
public struct Trip: Sendable, Equatable, BitwiseCopyable {
    public var check: CheckID
    /// The joint index, or −1 when the check is not per joint.
    public var joint: Int
    public var measured: Double
    public var threshold: Double
    public var response: Response

    public init(check: CheckID, joint: Int, measured: Double, threshold: Double, response: Response) {
        self.check = check
        self.joint = joint
        self.measured = measured
        self.threshold = threshold
        self.response = response
    }
}

/// The interlock's thresholds, one optional per check (nil: disabled in the profile, which the
/// run logs). Durations are in ticks; "persistence N" means the condition must hold on more
/// than N consecutive ticks, so the check trips on the (N+1)-th.
public struct SafetyLimits: Sendable {
    public var jointCount: Int
    /// Joint position limits.
    public var lower: JointVector
    public var upper: JointVector
    /// Amplifier current limit per joint, A: the hard cap on the current command.
    public var currentMax: JointVector
    /// Bit j set: joint j has a brake.
    public var braked: UInt8

    public var commandStep: JointVector?
    /// H01, motion while the arm is told to stand still: how far a joint's setpoint (at once)
    /// or measured position (once the arm has stood `idleSettle` ticks) may be from the
    /// standing reference.
    public var idleMotion: JointVector?
    public var idleSettle: Int64
    public var trackingError: JointVector?
    public var jointVelocity: JointVector?
    public var tipSpeed: Double?
    public var tipSpeedHoldAfter: Int64
    public var maxShaftDistance: Double?
    /// The shaft beyond `maxShaftDistance` on more than this many consecutive servoing ticks
    /// (held, resumed or not): a protective stop. nil: a hold lasts until the operator acts
    /// (profiles always give it).
    public var remoteCenterStopAfter: Int64?
    public var minInsertionDepth: Double
    public var jointLimitMargin: JointVector?
    public var encoderPotentiometer: JointVector?
    public var encoderPotentiometerLatency: Int64
    public var encoderStallCurrent: JointVector?
    public var encoderStallPersistence: Int64
    public var sensorMaxAge: Int64?
    /// |I| > factor × currentMax + margin for more than `overcurrentPersistence` ticks.
    public var overcurrentFactor: Double?
    public var overcurrentMargin: Double
    public var overcurrentPersistence: Int64
    public var temperatureWarning: Double?
    public var temperatureError: Double?
    public var brakeSlip: JointVector?
    public var brakeSlipPersistence: Int64
    public var maxOverruns: Int?
    public var overrunWindow: Int64
    public var minSupplyVoltage: Double?
    public var supplyPersistence: Int64
    /// 0 or 1; nil: the e-stop input is not monitored.
    public var emergencyStopCategory: Int?
    public var operatorMaxStep: Double?
    public var operatorHoldAfter: Int64?
    public var operatorStopAfter: Int64
    /// Ticks a protective stop may take to come to rest before power is removed.
    public var stopTicks: Int64
    /// H09/H10: consecutive failed bus cycles before a protective stop.
    public var maxBusFaults: Int?
    /// H11: a bus cycle slower than this (µs) holds.
    public var maxRoundTripMicroseconds: Int?
    /// Latent monitor faults: a potentiometer reading bit-identical for more than this many
    /// ticks is a dead input (self-test by the sensor's own noise).
    public var frozenInputTicks: Int64?

    /// Limits with every check disabled, for building up in tests and from profiles.
    public init(lower: JointVector, upper: JointVector, currentMax: JointVector, braked: UInt8 = 0) {
        precondition(lower.count == upper.count && lower.count == currentMax.count)
        jointCount = lower.count
        self.lower = lower
        self.upper = upper
        self.currentMax = currentMax
        self.braked = braked
        tipSpeedHoldAfter = 0
        idleSettle = 0
        minInsertionDepth = 0
        encoderPotentiometerLatency = 0
        encoderStallPersistence = 0
        overcurrentMargin = 0
        overcurrentPersistence = 0
        brakeSlipPersistence = 0
        overrunWindow = 1
        supplyPersistence = 0
        operatorStopAfter = 0
        stopTicks = 20
    }
}
