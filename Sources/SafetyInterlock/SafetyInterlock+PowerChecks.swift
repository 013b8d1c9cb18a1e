import MotionTypes

// H12 current, H13 temperature, H14 brakes, H16 supply, H17 emergency stop.
extension SafetyInterlock {
    /// H12: a current command above the amplifier limit is zeroed and stops the arm; every
    /// current command is capped at the limit.
    mutating func gateCurrent(_ command: inout ActuatorCommand) {
        for j in 0..<limits.jointCount {
            let cap = limits.currentMax[j]
            let amps = abs(command.current[j])
            if command.current[j].isNaN { continue }  // reported as non-finite; zeroed below
            if !(amps <= cap) {
                trips.append(Trip(check: .commandCurrent, joint: j, measured: amps, threshold: cap, response: .protectiveStop))
                zeroCurrent = true
            }
        }
        if zeroCurrent { command.current = JointVector(count: limits.jointCount) }
    }

    /// H12: |measured current| > factor × max + margin for more than the persistence: zero and stop.
    mutating func checkOvercurrent(_ sensors: SensorFrame) {
        guard let factor = limits.overcurrentFactor else { return }
        for j in 0..<limits.jointCount {
            let threshold = factor * limits.currentMax[j] + limits.overcurrentMargin
            let amps = abs(sensors.current[j])
            if overcurrentCount.update(j, !(amps <= threshold), persistence: limits.overcurrentPersistence) {
                trips.append(Trip(check: .overcurrent, joint: j, measured: amps, threshold: threshold, response: .protectiveStop))
                zeroCurrent = true
            }
        }
    }

    /// °C below `temperature.warning` at which a warning episode ends.
    static let temperatureWarningHysteresis = 1.0

    /// H13: above the warning temperature, warn once per episode; above the error: power off.
    mutating func checkTemperature(_ sensors: SensorFrame) {
        var hottest = -Double.infinity
        var joint = 0
        for j in 0..<limits.jointCount {
            let t = sensors.temperature[j]
            if t > hottest || t.isNaN {
                hottest = t
                joint = j
            }
        }
        if let error = limits.temperatureError, hottest > error || hottest.isNaN {
            trips.append(Trip(check: .temperature, joint: joint, measured: hottest, threshold: error, response: .powerOff))
        }
        if let warning = limits.temperatureWarning {
            // An episode starts above the warning and lasts until the reading falls
            // `temperatureWarningHysteresis` below it: a temperature that hovers at the
            // warning, its noise crossing it back and forth, is one warning, not dozens.
            let under = episodes.isActive(Slot.temperature) ? warning - Self.temperatureWarningHysteresis : warning
            if episodes.starts(Slot.temperature, hottest > under) {
                trips.append(Trip(check: .temperatureWarning, joint: joint, measured: hottest, threshold: warning, response: .clamp))
            }
        }
    }

    /// H14: a braked joint that moves more than the slip distance for more than the persistence.
    mutating func checkBrakes(_ sensors: SensorFrame) {
        guard let slip = limits.brakeSlip else { return }
        for j in 0..<limits.jointCount where limits.braked & (1 << UInt8(j)) != 0 {
            let bit: UInt8 = 1 << UInt8(j)
            guard sensors.brakesEngaged & bit != 0 else {
                brakeReferenceValid &= ~bit
                _ = brakeSlipCount.update(j, false, persistence: 0)
                continue
            }
            if brakeReferenceValid & bit == 0 {
                brakeReference[j] = sensors.encoder[j]
                brakeReferenceValid |= bit
            }
            let moved = abs(sensors.encoder[j] - brakeReference[j])
            if brakeSlipCount.update(j, !(moved <= slip[j]), persistence: limits.brakeSlipPersistence) {
                trips.append(Trip(check: .brakeSlip, joint: j, measured: moved, threshold: slip[j], response: .protectiveStop))
            }
        }
    }

    /// H16: supply below the minimum for more than the persistence: power off, brakes on.
    mutating func checkSupply(_ sensors: SensorFrame) {
        guard let minimum = limits.minSupplyVoltage else { return }
        let low = !(sensors.supplyVoltage >= minimum)
        if supplyCount.update(0, low, persistence: limits.supplyPersistence) {
            trips.append(Trip(check: .supplyVoltage, joint: -1, measured: sensors.supplyVoltage, threshold: minimum, response: .powerOff))
        }
    }

    /// H17: the e-stop input stops the arm in the profile's category (0: power off; 1: stop).
    mutating func checkEmergencyStop(_ sensors: SensorFrame) {
        guard let category = limits.emergencyStopCategory, sensors.emergencyStop else { return }
        trips.append(
            Trip(check: .emergencyStop, joint: -1, measured: 1, threshold: 0, response: category == 0 ? .powerOff : .protectiveStop))
    }
}
