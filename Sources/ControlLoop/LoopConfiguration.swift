public import Kinematics
public import MotionTypes

/// Everything the loop needs to know about the arm, built once (the immutable model).
public struct LoopConfiguration: Sendable {
    public var rate: Double
    public var jointCount: Int
    public var kinematics: KinematicModel
    public var lower: JointVector
    public var upper: JointVector
    public var maxVelocity: JointVector
    public var maxAcceleration: JointVector
    /// Joint-space inertia (kg·m² or kg), gravity amplitude and friction, for feedforward.
    public var inertia: JointVector
    public var gravity: JointVector
    public var viscousFriction: JointVector
    public var prismatic: UInt8
    /// Joint effort per ampere and the controller's current saturation.
    public var effortPerAmp: JointVector
    public var currentMax: JointVector
    /// Servo bandwidth, Hz: PID gains place a triple pole there (Kp = 3Jω², Ki = Jω³, Kd = 3Jω).
    public var servoBandwidth: Double
    public var limits: SafetyLimits

    public init(
        rate: Double, kinematics: KinematicModel, lower: JointVector, upper: JointVector, maxVelocity: JointVector,
        maxAcceleration: JointVector, inertia: JointVector, gravity: JointVector, viscousFriction: JointVector,
        prismatic: UInt8, effortPerAmp: JointVector, currentMax: JointVector, servoBandwidth: Double, limits: SafetyLimits
    ) {
        self.rate = rate
        self.jointCount = lower.count
        self.kinematics = kinematics
        self.lower = lower
        self.upper = upper
        self.maxVelocity = maxVelocity
        self.maxAcceleration = maxAcceleration
        self.inertia = inertia
        self.gravity = gravity
        self.viscousFriction = viscousFriction
        self.prismatic = prismatic
        self.effortPerAmp = effortPerAmp
        self.currentMax = currentMax
        self.servoBandwidth = servoBandwidth
        self.limits = limits
    }
}

/// CRTK operating states.
public enum OperatingState: String, Sendable, CaseIterable, BitwiseCopyable {
    case disabled = "DISABLED"
    case enabled = "ENABLED"
    case paused = "PAUSED"
    case fault = "FAULT"
}

/// A command of the scenario timeline or the operator console.
public enum LoopCommand: Sendable, Equatable {
    case enable
    case disable
    case home
    case pause
    case resume
    /// Explicit reset out of FAULT (then enable and home again).
    case reset
    /// Smooth joint-space move within velocity and acceleration limits.
    case moveJoints(JointVector)
    /// Smooth move of the tip to a Cartesian position, through inverse kinematics.
    case moveCartesian(Vector3)
    /// Stream joint setpoints: `center + amplitude · sin(2π t / period)` on one joint.
    case servoJointSine(joint: Int, amplitude: Double, period: Double)
    /// Teleoperation: the operator moves the tip around a horizontal circle.
    case teleoperateCircle(radius: Double, period: Double)

    public var name: String {
        switch self {
        case .enable: return "enable"
        case .disable: return "disable"
        case .home: return "home"
        case .pause: return "pause"
        case .resume: return "resume"
        case .reset: return "reset"
        case .moveJoints: return "move_jp"
        case .moveCartesian: return "move_cp"
        case .servoJointSine: return "servo_jp"
        case .teleoperateCircle: return "servo_cp"
        }
    }
}
