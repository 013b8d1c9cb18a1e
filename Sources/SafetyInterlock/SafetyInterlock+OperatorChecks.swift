import MotionTypes

// H18 operator input spikes and non-finite samples, H19 teleoperation dropout.
extension SafetyInterlock {
    /// Returns true when this tick's operator sample must be rejected.
    mutating func checkOperator(_ inputs: MonitorInputs) -> Bool {
        guard inputs.teleoperation else { return false }
        var rejected = false
        if !inputs.operatorStep.isFinite {
            trips.append(Trip(check: .operatorNonFinite, joint: -1, measured: .nan, threshold: 0, response: .hold))
            rejected = true
        } else if let maxStep = limits.operatorMaxStep, inputs.operatorStep > maxStep {
            trips.append(Trip(check: .operatorStep, joint: -1, measured: inputs.operatorStep, threshold: maxStep, response: .hold))
            rejected = true
        }
        if let holdAfter = limits.operatorHoldAfter {
            let silent = inputs.ticksSinceOperator
            if silent == holdAfter + 1 {
                trips.append(Trip(check: .operatorDropout, joint: -1, measured: Double(silent), threshold: Double(holdAfter), response: .hold))
            } else if silent == limits.operatorStopAfter + 1 {
                trips.append(
                    Trip(check: .operatorDropoutStop, joint: -1, measured: Double(silent), threshold: Double(limits.operatorStopAfter),
                        response: .protectiveStop))
            }
        }
        return rejected
    }
}
