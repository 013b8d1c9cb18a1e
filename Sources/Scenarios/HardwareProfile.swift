public import Kinematics
public import MotionTypes

/// A robot and its actuators as a hardware-profile file describes them: kinematics, joint
/// limits and maxima, actuators, safety thresholds, control rate and bus. All values are SI
/// (radians, metres, seconds, amperes, volts, °C); durations of safety checks are in ticks.
public struct HardwareProfile: Sendable {
    /// The profile file's path as given.
    public var path: String
    public var id: String
    public var name: String
    /// Control-loop rate, Hz.
    public var rate: Double
    /// Joint servo bandwidth, Hz: PID gains follow from it and each joint's inertia.
    public var servoBandwidth: Double
    public var joints: [Joint]
    public var kinematics: KinematicModel
    /// How many joints form the kinematic chain (they come first in `joints`).
    public var chainJointCount: Int
    public var actuators: [Actuator]
    public var coupling: Coupling?
    public var safety: SafetyThresholds
    public var bus: Bus?
    public var simulation: Simulation

    /// The control period in seconds.
    public var period: Double { 1 / rate }
    public var jointCount: Int { joints.count }

    public func jointIndex(named name: String) -> Int? { joints.firstIndex { $0.name == name } }

    public struct Joint: Sendable, Equatable {
        public var name: String
        public var kind: KinematicModel.JointKind
        /// Position limits, rad or m.
        public var lower: Double
        public var upper: Double
        /// rad/s or m/s.
        public var maxVelocity: Double
        /// rad/s² or m/s².
        public var maxAcceleration: Double
        /// N·m or N.
        public var maxEffort: Double
    }

    /// The drive of one joint: motor, transmission, sensors and brake.
    public struct Actuator: Sendable, Equatable {
        /// Index into `joints` of the joint this drive moves.
        public var joint: Int
        /// Motor radians per joint radian (revolute) or per joint metre (prismatic).
        public var reduction: Double
        /// Encoder counts per motor revolution.
        public var encoderCountsPerRevolution: Int
        /// Motor torque per ampere, N·m/A.
        public var torqueConstant: Double
        /// Amplifier current limit, A.
        public var currentMax: Double
        public var potentiometer: Potentiometer?
        public var hasBrake: Bool
        public var dynamics: Dynamics
        public var thermal: Thermal
    }

    /// Load dynamics reflected at the joint (revolute: kg·m², N·m·s/rad, N·m; prismatic: kg,
    /// N·s/m, N).
    public struct Dynamics: Sendable, Equatable {
        public var inertia: Double
        public var viscousFriction: Double
        public var coulombFriction: Double
        /// Gravity load amplitude: revolute −G·sin(q), prismatic +G.
        public var gravity: Double
        /// Brake holding torque or force; 0 without a brake.
        public var brakeTorque: Double
    }

    public struct Thermal: Sendable, Equatable {
        /// Ω.
        public var windingResistance: Double
        /// K/W.
        public var thermalResistance: Double
        /// s.
        public var timeConstant: Double
    }

    /// Plant figures used only by the simulator.
    public struct Simulation: Sendable, Equatable {
        public var substeps: Int
        /// V.
        public var supplyVoltage: Double
        public var brownoutVoltage: Double
        /// °C.
        public var ambientTemperature: Double
        /// Standard deviations of the current (A) and temperature (°C) readings.
        public var currentNoise: Double
        public var temperatureNoise: Double
    }

    public struct Potentiometer: Sendable, Equatable {
        /// Standard deviation of the reading's noise, joint units.
        public var noise: Double
    }

    /// Actuator-to-joint position coupling of a group of joints (a cable-driven tool wrist):
    /// q[joints] = matrix · actuator[joints].
    public struct Coupling: Sendable, Equatable {
        public var joints: [Int]
        /// Row-major, joints.count × joints.count.
        public var actuatorToJoint: [[Double]]
    }

    public struct Bus: Sendable, Equatable {
        public var port: String
        public var baud: Int
        public var servos: [Servo]
    }

    public struct Servo: Sendable, Equatable {
        /// DYNAMIXEL id, 0…252.
        public var id: Int
        /// Index into `joints`.
        public var joint: Int
        /// The model number the board must report (e.g. 1020 for XM430-W350).
        public var modelNumber: Int
        /// Goal-position pulses at joint position 0.
        public var zeroPosition: Int
        /// +1 or −1: the sign between joint and servo positive directions.
        public var direction: Int
        /// The firmware version the board must report (H20); nil: not compared.
        public var firmware: Int? = nil
    }
}

/// A safety check's configuration: enabled with its thresholds, or explicitly disabled with a
/// reason that is logged at start (HAZARDS.md H21: a disabled check must be explicit).
public enum CheckSetting<Threshold: Sendable & Equatable>: Sendable, Equatable {
    case enabled(Threshold)
    case disabled(reason: String)

    public var threshold: Threshold? {
        if case let .enabled(t) = self { return t }
        return nil
    }
}

/// Every threshold the safety interlock uses, each from the profile (never a silent default).
/// Persistence and time limits are in ticks of the profile's control rate.
public struct SafetyThresholds: Sendable, Equatable {
    /// H01: largest change of a joint command in one tick, joint units.
    public var commandStep: CheckSetting<PerJoint>
    /// H01: how far a joint told to stand still may be from its reference (setpoint at once,
    /// measured position after `ticks` of standing).
    public var idleMotion: CheckSetting<Persistent<PerJoint>>
    /// H02: |setpoint − measured| per joint.
    public var trackingError: CheckSetting<PerJoint>
    /// H02: |measured velocity| per joint, joint units per second.
    public var jointVelocity: CheckSetting<PerJoint>
    /// H03: Cartesian tool-tip speed of the proposed command.
    public var tipSpeed: CheckSetting<TipSpeed>
    /// H04: remote-centre geometry.
    public var remoteCenter: CheckSetting<RemoteCenterLimits>
    /// H05: measured position beyond a joint limit by more than this margin.
    public var jointLimitMargin: CheckSetting<PerJoint>
    /// H06/H07: encoder vs potentiometer distance that must persist for `latency` ticks.
    public var encoderPotentiometer: CheckSetting<Persistent<PerJoint>>
    /// H06: encoder reads no motion while more than this current flows, for `ticks`.
    public var encoderStall: CheckSetting<Persistent<PerJoint>>
    /// H08: the sensor frame's age above which data is stale, ticks.
    public var sensorFreshness: CheckSetting<Int>
    /// H12: |current| > factor × max + margin for more than `ticks`.
    public var overcurrent: CheckSetting<Overcurrent>
    /// H13: amplifier/motor temperature, °C.
    public var temperature: CheckSetting<Temperature>
    /// H14: motion while braked beyond this distance for `ticks`.
    public var brakeSlip: CheckSetting<Persistent<PerJoint>>
    /// H15: control-loop overruns before a protective stop.
    public var deadline: CheckSetting<Deadline>
    /// H16: input voltage below this for `ticks`.
    public var supplyVoltage: CheckSetting<Persistent<Double>>
    /// H17: the stop category the e-stop input causes (0 or 1).
    public var emergencyStop: CheckSetting<Int>
    /// H18: largest operator (teleoperation) Cartesian step in one tick, metres.
    public var operatorStep: CheckSetting<Double>
    /// H19: operator silence before a hold, and before a protective stop, ticks.
    public var operatorDropout: CheckSetting<Dropout>
    /// H09/H15: the boards' own watchdog, ticks.
    public var boardWatchdog: CheckSetting<Int>
    /// H09–H11: bus error handling.
    public var communication: CheckSetting<Communication>
    /// Latent faults of the monitor: a potentiometer reading bit-identical for more than this
    /// many ticks is a dead input (an analog sensor is never that still), ticks.
    public var monitorInputs: CheckSetting<Int>

    public struct PerJoint: Sendable, Equatable {
        public var values: JointVector
    }

    public struct Persistent<Value: Sendable & Equatable>: Sendable, Equatable {
        public var value: Value
        public var ticks: Int
    }

    public struct TipSpeed: Sendable, Equatable {
        /// m/s.
        public var limit: Double
        /// Ticks of clamping before the response escalates to a hold.
        public var holdAfter: Int
    }

    public struct RemoteCenterLimits: Sendable, Equatable {
        /// Metres.
        public var maxShaftDistance: Double
        /// Metres; applies in Cartesian modes.
        public var minInsertionDepth: Double
        /// Ticks the shaft may stay beyond `maxShaftDistance` (held) before a protective stop.
        public var stopAfter: Int
    }

    public struct Overcurrent: Sendable, Equatable {
        public var factor: Double
        /// A.
        public var margin: Double
        public var ticks: Int
    }

    public struct Temperature: Sendable, Equatable {
        /// °C.
        public var warning: Double
        public var error: Double
    }

    public struct Deadline: Sendable, Equatable {
        /// Overruns within `window` ticks that cause a protective stop.
        public var maxOverruns: Int
        public var window: Int
    }

    public struct Dropout: Sendable, Equatable {
        public var holdAfter: Int
        public var stopAfter: Int
    }

    public struct Communication: Sendable, Equatable {
        /// Consecutive bad or missing frames before a protective stop.
        public var maxConsecutiveErrors: Int
        /// Seconds.
        public var maxRoundTrip: Double
    }
}
