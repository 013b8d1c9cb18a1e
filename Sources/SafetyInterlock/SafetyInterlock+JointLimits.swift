import MotionTypes

// H05: joint and workspace limits.
extension SafetyInterlock {
    /// Setpoints beyond a joint limit are clamped onto it, with a warning per episode.
    mutating func clampToLimits(_ command: inout ActuatorCommand) {
        for j in 0..<limits.jointCount {
            let p = command.position[j]
            let outside = !(p >= limits.lower[j] && p <= limits.upper[j])
            if episodes.starts(Slot.jointLimit + j, outside) {
                let bound = p < limits.lower[j] ? limits.lower[j] : limits.upper[j]
                trips.append(Trip(check: .jointLimitCommand, joint: j, measured: p, threshold: bound, response: .clamp))
            }
            if outside { command.position[j] = min(max(p, limits.lower[j]), limits.upper[j]) }
        }
    }

    /// A measured position beyond a limit by more than the margin: protective stop.
    mutating func checkMeasuredLimits(_ sensors: SensorFrame) {
        guard limits.jointLimitMargin != nil else { return }
        for j in 0..<limits.jointCount {
            let q = sensors.encoder[j]
            let lowest = limits.lower[j] - limitMargin[j], highest = limits.upper[j] + limitMargin[j]
            if q.isNaN || q < lowest {
                trips.append(Trip(check: .jointLimitMeasured, joint: j, measured: q, threshold: lowest, response: .protectiveStop))
            } else if q > highest {
                trips.append(Trip(check: .jointLimitMeasured, joint: j, measured: q, threshold: highest, response: .protectiveStop))
            }
        }
    }
}
