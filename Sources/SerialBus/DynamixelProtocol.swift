/// DYNAMIXEL Protocol 2.0 constants (ROBOTIS e-manual, protocol 2.0).
public enum Dynamixel {
    public static let broadcastID: UInt8 = 0xFE
    public static let maxID: UInt8 = 252
    static let header: (UInt8, UInt8, UInt8, UInt8) = (0xFF, 0xFF, 0xFD, 0x00)

    public enum Instruction: UInt8, Sendable, CaseIterable {
        case ping = 0x01
        case read = 0x02
        case write = 0x03
        case regWrite = 0x04
        case action = 0x05
        case factoryReset = 0x06
        case reboot = 0x08
        case clear = 0x10
        case status = 0x55
        case syncRead = 0x82
        case syncWrite = 0x83
        case fastSyncRead = 0x8A
        case bulkRead = 0x92
        case bulkWrite = 0x93
        case fastBulkRead = 0x9A
    }

    /// The status packet's error byte: bit 7 is the alert (a hardware error; read address 70);
    /// the low bits name a protocol error.
    public struct StatusError: Sendable, Equatable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public var alert: Bool { rawValue & 0x80 != 0 }
        public var code: UInt8 { rawValue & 0x7F }

        public var description: String {
            let names = [1: "result fail", 2: "instruction error", 3: "CRC error", 4: "data range error",
                         5: "data length error", 6: "data limit error", 7: "access error"]
            var parts: [String] = []
            if code != 0 { parts.append(names[Int(code)] ?? "error \(code)") }
            if alert { parts.append("hardware alert") }
            return parts.isEmpty ? "ok" : parts.joined(separator: ", ")
        }
    }

    /// X-series (XM430 family) control table addresses and sizes.
    public enum Address {
        public static let modelNumber: UInt16 = 0          // 2
        public static let firmwareVersion: UInt16 = 6      // 1
        public static let id: UInt16 = 7                   // 1
        public static let baudRate: UInt16 = 8             // 1
        public static let returnDelayTime: UInt16 = 9      // 1, 2 µs units
        public static let operatingMode: UInt16 = 11       // 1
        public static let currentLimit: UInt16 = 38        // 2
        public static let maxPositionLimit: UInt16 = 48    // 4
        public static let minPositionLimit: UInt16 = 52    // 4
        public static let torqueEnable: UInt16 = 64        // 1
        public static let statusReturnLevel: UInt16 = 68   // 1
        public static let hardwareErrorStatus: UInt16 = 70 // 1
        public static let busWatchdog: UInt16 = 98         // 1, 20 ms units
        public static let goalCurrent: UInt16 = 102        // 2, 2.69 mA units
        public static let goalVelocity: UInt16 = 104       // 4
        public static let goalPosition: UInt16 = 116       // 4, 4096 pulses / rev
        public static let presentCurrent: UInt16 = 126     // 2
        public static let presentVelocity: UInt16 = 128    // 4, 0.229 rpm units
        public static let presentPosition: UInt16 = 132    // 4
        public static let presentInputVoltage: UInt16 = 144 // 2, 0.1 V units
        public static let presentTemperature: UInt16 = 146  // 1, °C
    }

    /// X-series baud rates, indexed by the Baud Rate (8) field's value.
    public static let baudRates = [9_600, 57_600, 115_200, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 4_500_000]

    /// Control-table bytes a host may only read (model, firmware, registered instruction,
    /// hardware error status, and everything from the realtime tick to backup ready): writing
    /// one is an access error on an X-series servo.
    public static func isReadOnly(_ address: Int) -> Bool {
        (0...6).contains(address) || (69...70).contains(address) || (120...147).contains(address)
    }

    /// Model numbers of servos Vigil knows by name.
    public static let modelNames: [Int: String] = [1020: "XM430-W350", 1030: "XM430-W210", 1060: "XL430-W250"]

    /// The model's name, or "unknown".
    public static func modelName(_ model: Int) -> String { modelNames[model] ?? "unknown" }

    /// The H20 refusal's text when servo `id` reports `reported` where a profile expects
    /// `expected`: the same words from the start check and from the serial backend.
    public static func modelMismatch(id: Int, reported: Int, expected: Int) -> String {
        "servo id \(id) is model \(reported) (\(modelName(reported))), but the profile expects \(expected) (\(modelName(expected)))"
    }

    /// Servos answering on the bus that the profile does not list: another arm, or a part of
    /// one, is attached (H20).
    public static func unlistedServos(_ found: [Int], listed: [Int]) -> String {
        let which = found.map(String.init).joined(separator: ", ")
        return "servo id\(found.count == 1 ? "" : "s") \(which) answer\(found.count == 1 ? "s" : "") on the bus too, "
            + "but the profile lists only id\(listed.count == 1 ? "" : "s") \(listed.map(String.init).joined(separator: ", ")) (another arm attached?)"
    }

    public static func firmwareMismatch(id: Int, reported: Int, expected: Int) -> String {
        "servo id \(id) runs firmware version \(reported), but the profile expects \(expected)"
    }

    /// The firmware version virtual boards report when the profile names none.
    public static let emulatedFirmware: UInt8 = 52

    /// Units of the X-series control table.
    public enum Units {
        public static let currentAmps = 0.00269
        public static let velocityRadPerSecond = 0.229 * 2 * Double.pi / 60
        public static let pulsesPerRevolution = 4096.0
        public static let voltageVolts = 0.1
        public static let watchdogSeconds = 0.020
    }
}
