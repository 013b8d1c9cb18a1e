/// What the boards (or the simulator) report in one tick. Joint units are SI (rad or m).
/// Fault injection on the sensor side edits this frame after `read`, before anything uses it.
public struct SensorFrame: Sendable, BitwiseCopyable {
    /// Increments with every fresh frame; a sequence that does not pass the highest one seen
    /// means stale data (H08). A backend must keep it strictly increasing for as long as the
    /// interlock runs: it must not wrap or restart without an interlock reset.
    public var sequence: UInt64
    /// Encoder positions, quantised.
    public var encoder: JointVector
    /// Redundant potentiometer positions (equal to `encoder` for joints without one).
    public var potentiometer: JointVector
    /// Measured motor currents, A.
    public var current: JointVector
    /// Amplifier / motor temperatures, °C.
    public var temperature: JointVector
    /// Supply (bus) voltage, V.
    public var supplyVoltage: Double
    /// The emergency-stop input is asserted.
    public var emergencyStop: Bool
    /// The amplifiers report power on.
    public var amplifiersEnabled: Bool
    /// Bit j set: joint j's brake is engaged.
    public var brakesEngaged: UInt8
    /// Consecutive bus cycles that failed (missing, corrupt or unanswered replies); 0 for a
    /// simulator. H09/H10.
    public var busFaults: Int32
    /// The last bus cycle's request-to-last-reply time, µs: to the last reply that came, 0 when
    /// none did (the cycle failed: `busFaults`), and 0 for a simulator. H11.
    public var roundTripMicroseconds: Int32

    public init(jointCount: Int) {
        sequence = 0
        encoder = JointVector(count: jointCount)
        potentiometer = JointVector(count: jointCount)
        current = JointVector(count: jointCount)
        temperature = JointVector(count: jointCount)
        supplyVoltage = 0
        emergencyStop = false
        amplifiersEnabled = false
        brakesEngaged = 0
        busFaults = 0
        roundTripMicroseconds = 0
    }
}

/// What the control loop asks the actuators to do in one tick: a position setpoint (the servo
/// reference, used by boards that close the position loop themselves) and a motor current (used
/// where the host closes it), plus power and brake requests.
public struct ActuatorCommand: Sendable, BitwiseCopyable {
    /// Joint position setpoint, rad or m.
    public var position: JointVector
    /// Motor current command, A.
    public var current: JointVector
    /// Amplifier power requested.
    public var powerOn: Bool
    /// Brakes released (only meaningful with power on).
    public var releaseBrakes: Bool
    /// The proposal's sequence number: one more than the last proposal's (H22). A replayed or
    /// forged command does not follow on.
    public var sequence: UInt64

    public init(jointCount: Int) {
        position = JointVector(count: jointCount)
        current = JointVector(count: jointCount)
        powerOn = false
        releaseBrakes = false
        sequence = 0
    }

    /// True when every number in the command is finite.
    @inlinable public var isFinite: Bool { position.isFinite && current.isFinite }
}

/// Quantities the control loop derives each tick for the interlock, which cannot compute them
/// itself (it sees neither the kinematics nor the controller).
public struct MonitorInputs: Sendable, BitwiseCopyable {
    /// The controller's reference position (what the arm should be at), for tracking error.
    public var reference: JointVector
    /// Joint velocities estimated from the encoders, rad/s or m/s.
    public var velocity: JointVector
    /// Bit j set: joint j's encoder count did not change since the last tick.
    public var encoderStill: UInt8
    /// The loop is servoing: power on and the controller tracking `reference`.
    public var servoing: Bool
    /// Bit j set: the controller tells joint j to stand still at `reference[j]` (powered, and no
    /// motion command moves that joint: after enable, after a move ended, paused, held, or
    /// another joint is the one moving).
    public var standing: UInt8
    /// Tool-tip speed implied by the proposed setpoint against the last gated one, m/s.
    public var tipSpeed: Double
    /// Remote-centre geometry of the measured configuration, metres (NaN when not applicable).
    public var shaftDistance: Double
    public var insertionDepth: Double
    /// The setpoint comes from a Cartesian command (move_cp / servo_cp).
    public var cartesian: Bool
    /// Teleoperation is active (servo_cp from an operator stream).
    public var teleoperation: Bool
    /// This tick's operator step, metres (0 when no sample arrived); NaN for a non-finite sample.
    public var operatorStep: Double
    /// Ticks since the last operator sample.
    public var ticksSinceOperator: Int64
    /// Deadline overruns counted since the previous tick.
    public var overruns: Int

    public init(jointCount: Int) {
        reference = JointVector(count: jointCount)
        velocity = JointVector(count: jointCount)
        encoderStill = 0
        servoing = false
        standing = 0
        tipSpeed = 0
        shaftDistance = .nan
        insertionDepth = .nan
        cartesian = false
        teleoperation = false
        operatorStep = 0
        ticksSinceOperator = 0
        overruns = 0
    }
}
