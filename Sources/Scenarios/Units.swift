import Foundation

/// A physical dimension a value in a profile or scenario must carry. Every physical value in
/// Vigil's YAML files is written with its unit (`5 deg`, `12 ms`, `0.05 m`), so a verification
/// engineer can never mix degrees and radians or milliseconds and ticks.
public enum PhysicalDimension: String, Sendable, CaseIterable {
    case angle
    case length
    case angularVelocity
    case linearVelocity
    case angularAcceleration
    case linearAcceleration
    case torque
    case force
    case current
    case voltage
    case temperature
    case time
    case frequency
    case torqueConstant
    case thermalResistance
    case resistance
    case inertia
    case mass
    case rotationalDamping
    case linearDamping

    /// Units accepted for this dimension and their factor to SI (the first is the SI unit).
    var units: [(name: String, factor: Double)] {
        let degree = Double.pi / 180
        switch self {
        case .angle: return [("rad", 1), ("deg", degree), ("mrad", 1e-3)]
        case .length: return [("m", 1), ("mm", 1e-3), ("cm", 1e-2), ("um", 1e-6)]
        case .angularVelocity: return [("rad/s", 1), ("deg/s", degree), ("rpm", 2 * Double.pi / 60)]
        case .linearVelocity: return [("m/s", 1), ("mm/s", 1e-3)]
        case .angularAcceleration: return [("rad/s^2", 1), ("deg/s^2", degree)]
        case .linearAcceleration: return [("m/s^2", 1), ("mm/s^2", 1e-3)]
        case .torque: return [("N.m", 1), ("Nm", 1), ("mN.m", 1e-3)]
        case .force: return [("N", 1), ("mN", 1e-3)]
        case .current: return [("A", 1), ("mA", 1e-3)]
        case .voltage: return [("V", 1), ("mV", 1e-3)]
        case .temperature: return [("degC", 1)]
        case .time: return [("s", 1), ("ms", 1e-3), ("us", 1e-6)]
        case .frequency: return [("Hz", 1), ("kHz", 1e3)]
        case .torqueConstant: return [("N.m/A", 1), ("mN.m/A", 1e-3)]
        case .thermalResistance: return [("K/W", 1), ("degC/W", 1)]
        case .resistance: return [("ohm", 1), ("mohm", 1e-3)]
        case .inertia: return [("kg.m^2", 1), ("g.cm^2", 1e-7)]
        case .mass: return [("kg", 1), ("g", 1e-3)]
        case .rotationalDamping: return [("N.m.s/rad", 1), ("mN.m.s/rad", 1e-3)]
        case .linearDamping: return [("N.s/m", 1)]
        }
    }

    /// The readable name used in messages, e.g. "an angle (rad, deg, mrad)".
    var expectation: String {
        let names = units.map(\.name).joined(separator: ", ")
        let noun: String
        switch self {
        case .angle: noun = "an angle"
        case .length: noun = "a length"
        case .angularVelocity: noun = "an angular velocity"
        case .linearVelocity: noun = "a linear velocity"
        case .angularAcceleration: noun = "an angular acceleration"
        case .linearAcceleration: noun = "a linear acceleration"
        case .torque: noun = "a torque"
        case .force: noun = "a force"
        case .current: noun = "a current"
        case .voltage: noun = "a voltage"
        case .temperature: noun = "a temperature"
        case .time: noun = "a duration"
        case .frequency: noun = "a frequency"
        case .torqueConstant: noun = "a torque constant"
        case .thermalResistance: noun = "a thermal resistance"
        case .resistance: noun = "a resistance"
        case .inertia: noun = "a moment of inertia"
        case .mass: noun = "a mass"
        case .rotationalDamping: noun = "a rotational damping"
        case .linearDamping: noun = "a linear damping"
        }
        return "\(noun) (\(names))"
    }
}

/// Parses `"<number> <unit>"` (the space is optional) into an SI value.
public enum Quantity {
    public enum ParseError: Error, Equatable, Sendable {
        /// No unit was given.
        case missingUnit
        /// A unit was given but it is not one of `dimension`'s units.
        case wrongUnit(String)
        /// The number part is not a finite number.
        case notANumber
    }

    public static func parse(_ text: String, as dimension: PhysicalDimension) -> Result<Double, ParseError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // No unit starts with "e", so the number is the leading run of number characters.
        let numberCharacters = Set("0123456789+-.eE")
        let numberText = String(trimmed.prefix(while: { numberCharacters.contains($0) }))
        let unitText = trimmed.dropFirst(numberText.count).trimmingCharacters(in: .whitespaces)
        guard let number = Double(numberText), number.isFinite else { return .failure(.notANumber) }
        guard !unitText.isEmpty else { return .failure(.missingUnit) }
        // The spellings with ·, ° and µ are not ASCII; an ASCII unit (nearly all) needs none of
        // the four replacements, which cost more than the rest of the parse.
        let normalized =
            unitText.utf8.allSatisfy({ $0 < 0x80 })
            ? unitText
            : unitText
                .replacingOccurrences(of: "·", with: ".")
                .replacingOccurrences(of: "°C", with: "degC")
                .replacingOccurrences(of: "°", with: "deg")
                .replacingOccurrences(of: "µ", with: "u")
        guard let unit = dimension.units.first(where: { $0.name == normalized }) else {
            return .failure(.wrongUnit(unitText))
        }
        return .success(number * unit.factor)
    }
}
