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
        guard let margin = limits.jointLimitMargin else { return }
        for j in 0..<limits.jointCount {
            let q = sensors.encoder[j]
            if q.isNaN || q < limits.lower[j] - margin[j] {
                trips.append(Trip(check: .jointLimitMeasured, joint: j, measured: q, threshold: limits.lower[j] - margin[j], response: .protectiveStop))
            } else if q > limits.upper[j] + margin[j] {
                trips.append(Trip(check: .jointLimitMeasured, joint: j, measured: q, threshold: limits.upper[j] + margin[j], response: .protectiveStop))
            }
        }
    }
}
