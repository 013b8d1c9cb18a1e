extension SafetyThresholds {
    /// The checks that are turned off, with their reasons, in a stable order (logged at start).
    public var disabledChecks: [(check: String, reason: String)] {
        var result: [(String, String)] = []
        func note<T>(_ name: String, _ setting: CheckSetting<T>) {
            if case let .disabled(reason) = setting { result.append((name, reason)) }
        }
        note("command_step", commandStep)
        note("idle_motion", idleMotion)
        note("tracking_error", trackingError)
        note("joint_velocity", jointVelocity)
        note("tip_speed", tipSpeed)
        note("remote_center", remoteCenter)
        note("joint_limits", jointLimitMargin)
        note("encoder_potentiometer", encoderPotentiometer)
        note("encoder_stall", encoderStall)
        note("sensor_freshness", sensorFreshness)
        note("overcurrent", overcurrent)
        note("temperature", temperature)
        note("brake_slip", brakeSlip)
        note("deadline", deadline)
        note("supply_voltage", supplyVoltage)
        note("emergency_stop", emergencyStop)
        note("operator_input", operatorStep)
        note("operator_dropout", operatorDropout)
        note("board_watchdog", boardWatchdog)
        note("communication", communication)
        note("monitor_inputs", monitorInputs)
        return result
    }
}
