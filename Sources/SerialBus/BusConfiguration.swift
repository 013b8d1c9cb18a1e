/// How the profile's joints map onto servos on the bus, with the unit conversions.
public struct ServoMapping: Sendable, Equatable {
    public var id: UInt8
    /// Joint index in the profile.
    public var joint: Int
    public var modelNumber: UInt16
    /// Goal-position pulses at joint position 0.
    public var zero: Int32
    /// +1 or −1.
    public var direction: Int32
    /// Servo output radians per joint unit (the drive's reduction; 1 for a direct drive).
    public var reduction: Double
    /// The joint's position limits (rad or m) and the drive's current limit (A), written to the
    /// servo at start-up.
    public var lower: Double
    public var upper: Double
    public var currentMax: Double
    /// The firmware version the servo must report at start-up (H20); nil: not compared.
    public var firmware: UInt8?

    public init(
        id: UInt8, joint: Int, modelNumber: UInt16, zero: Int32, direction: Int32, reduction: Double,
        lower: Double = -.infinity, upper: Double = .infinity, currentMax: Double = 0, firmware: UInt8? = nil
    ) {
        self.id = id
        self.joint = joint
        self.modelNumber = modelNumber
        self.zero = zero
        self.direction = direction
        self.reduction = reduction
        self.lower = lower
        self.upper = upper
        self.currentMax = currentMax
        self.firmware = firmware
    }

    /// The position limits as (min, max) pulses.
    public var pulseLimits: (min: Int32, max: Int32) {
        let a = pulses(lower), b = pulses(upper)
        return (Swift.min(a, b), Swift.max(a, b))
    }

    /// The current limit in the servo's 2.69 mA units.
    public var currentLimitUnits: UInt16 {
        UInt16(Swift.max(0, Swift.min(Double(UInt16.max), (currentMax / Dynamixel.Units.currentAmps).rounded(.down))))
    }

    /// Pulses per joint unit (4096 pulses per servo turn).
    public var pulsesPerUnit: Double { Dynamixel.Units.pulsesPerRevolution * reduction / (2 * Double.pi) }

    /// Joint position (rad or m) → goal-position pulses, rounded, saturated to Int32.
    public func pulses(_ q: Double) -> Int32 {
        let p = Double(zero) + Double(direction) * q * pulsesPerUnit
        guard p.isFinite else { return zero }
        return Int32(max(Double(Int32.min), min(Double(Int32.max), p.rounded())))
    }

    /// Present-position pulses → joint position.
    public func position(_ pulses: Int32) -> Double { Double(Int64(pulses) - Int64(zero)) / (Double(direction) * pulsesPerUnit) }

    /// Present-velocity units (0.229 rpm of the servo) → joint velocity.
    public func velocity(_ units: Int32) -> Double {
        Double(direction) * Double(units) * Dynamixel.Units.velocityRadPerSecond / reduction
    }

    /// Joint velocity → present-velocity units.
    public func velocityUnits(_ v: Double) -> Int32 {
        let u = Double(direction) * v * reduction / Dynamixel.Units.velocityRadPerSecond
        return u.isFinite ? Int32(max(-1e9, min(1e9, u.rounded()))) : 0
    }

    /// Present-current units (2.69 mA) → amperes, and back (motor current; sign follows direction).
    public func amps(_ units: Int16) -> Double { Double(direction) * Double(units) * Dynamixel.Units.currentAmps }
    public func currentUnits(_ a: Double) -> Int16 {
        let u = Double(direction) * a / Dynamixel.Units.currentAmps
        return u.isFinite ? Int16(max(-32768, min(32767, u.rounded()))) : 0
    }
}

/// The bus the profile describes.
public struct BusConfiguration: Sendable, Equatable {
    public var port: String
    public var baud: Int
    public var servos: [ServoMapping]
    public var jointCount: Int
    /// The servos' bus watchdog, in its 20 ms units (1…127); 0 disables it.
    public var watchdogUnits: UInt8
    /// Longest acceptable request→reply time of one bus cycle, seconds.
    public var roundTripBudget: Double
    /// Consecutive bad cycles before the host gives up on the bus.
    public var maxConsecutiveErrors: Int

    public init(
        port: String, baud: Int, servos: [ServoMapping], jointCount: Int, watchdogUnits: UInt8, roundTripBudget: Double,
        maxConsecutiveErrors: Int
    ) {
        self.port = port
        self.baud = baud
        self.servos = servos
        self.jointCount = jointCount
        self.watchdogUnits = watchdogUnits
        self.roundTripBudget = roundTripBudget
        self.maxConsecutiveErrors = maxConsecutiveErrors
    }

    /// Bytes of one sync read of the present values (current 126 … temperature 146).
    public static let presentBlock: (address: UInt16, length: UInt16) = (Dynamixel.Address.presentCurrent, 21)
}
