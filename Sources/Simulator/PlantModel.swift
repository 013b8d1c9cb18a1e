import MotionTypes

/// The immutable description of a simulated arm: per-joint motor, transmission, load, sensors,
/// brake and thermal figures, built once from a hardware profile.
public struct PlantModel: Sendable {
    public struct Joint: Sendable, Equatable {
        public var prismatic: Bool
        /// kg·m² (revolute) or kg (prismatic), reflected at the joint.
        public var inertia: Double
        /// N·m·s/rad or N·s/m.
        public var viscousFriction: Double
        /// N·m or N.
        public var coulombFriction: Double
        /// Gravity load amplitude, N·m or N: revolute −G·sin(q), prismatic +G along the joint.
        public var gravity: Double
        /// Brake holding torque or force (0: no brake).
        public var brakeTorque: Double
        /// Motor radians per joint unit.
        public var reduction: Double
        /// N·m per A at the motor.
        public var torqueConstant: Double
        /// A.
        public var currentMax: Double
        public var encoderCountsPerRevolution: Int
        /// Potentiometer noise (standard deviation, joint units); nil: no potentiometer.
        public var potentiometerNoise: Double?
        /// Ω, K/W, s.
        public var windingResistance: Double
        public var thermalResistance: Double
        public var thermalTimeConstant: Double

        public init(
            prismatic: Bool, inertia: Double, viscousFriction: Double, coulombFriction: Double, gravity: Double,
            brakeTorque: Double, reduction: Double, torqueConstant: Double, currentMax: Double,
            encoderCountsPerRevolution: Int, potentiometerNoise: Double?, windingResistance: Double,
            thermalResistance: Double, thermalTimeConstant: Double
        ) {
            self.prismatic = prismatic
            self.inertia = inertia
            self.viscousFriction = viscousFriction
            self.coulombFriction = coulombFriction
            self.gravity = gravity
            self.brakeTorque = brakeTorque
            self.reduction = reduction
            self.torqueConstant = torqueConstant
            self.currentMax = currentMax
            self.encoderCountsPerRevolution = encoderCountsPerRevolution
            self.potentiometerNoise = potentiometerNoise
            self.windingResistance = windingResistance
            self.thermalResistance = thermalResistance
            self.thermalTimeConstant = thermalTimeConstant
        }

        /// Joint effort per ampere of motor current.
        public var effortPerAmp: Double { torqueConstant * reduction }
        /// Encoder counts per joint unit.
        public var countsPerUnit: Double { Double(encoderCountsPerRevolution) * reduction / (2 * Double.pi) }
    }

    public var joints: [Joint]
    /// Control rate, Hz, and integration sub-steps per control period.
    public var rate: Double
    public var substeps: Int
    public var supplyVoltage: Double
    public var ambientTemperature: Double
    /// Standard deviation of current and temperature readings.
    public var currentNoise: Double
    public var temperatureNoise: Double
    /// The boards remove power when no command arrived for more than this many ticks
    /// (``noWatchdog``: never, the profile disables the boards' watchdog).
    public var watchdogTicks: Int64
    public static let noWatchdog = Int64.max
    /// Below this supply the amplifiers cannot drive.
    public var minimumDriveVoltage: Double

    public init(
        joints: [Joint], rate: Double, substeps: Int, supplyVoltage: Double, ambientTemperature: Double,
        currentNoise: Double, temperatureNoise: Double, watchdogTicks: Int64, minimumDriveVoltage: Double
    ) {
        precondition(!joints.isEmpty && joints.count <= JointVector.capacity && substeps >= 1 && rate > 0)
        self.joints = joints
        self.rate = rate
        self.substeps = substeps
        self.supplyVoltage = supplyVoltage
        self.ambientTemperature = ambientTemperature
        self.currentNoise = currentNoise
        self.temperatureNoise = temperatureNoise
        self.watchdogTicks = watchdogTicks
        self.minimumDriveVoltage = minimumDriveVoltage
    }

    public var jointCount: Int { joints.count }
}
