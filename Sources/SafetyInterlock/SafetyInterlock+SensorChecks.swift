import MotionTypes

// H06/H07 position sensing, H08 stale data.
extension SafetyInterlock {
    /// H06/H07: |potentiometer − encoder| above the distance for more than the latency: power off.
    mutating func checkEncoderPotentiometer(_ sensors: SensorFrame) {
        guard limits.encoderPotentiometer != nil else { return }
        for j in 0..<limits.jointCount {
            let distance = potentiometerDistance[j]
            let gap = abs(sensors.potentiometer[j] - sensors.encoder[j])
            if encoderPotentiometerCount.update(j, !(gap <= distance), persistence: limits.encoderPotentiometerLatency) {
                trips.append(Trip(check: .encoderPotentiometer, joint: j, measured: gap, threshold: distance, response: .powerOff))
            }
        }
    }

    /// H06: the motor is driven with more than the stall current but the encoder shows no
    /// motion: power off. It uses the commanded current — a biased current reading on a still
    /// joint is a current-sensing fault (H12), not a lost encoder.
    mutating func checkStall(_ proposed: ActuatorCommand, _ inputs: MonitorInputs) {
        guard limits.encoderStallCurrent != nil else { return }
        for j in 0..<limits.jointCount {
            let current = stallCurrent[j]
            let still = inputs.encoderStill & (1 << UInt8(j)) != 0
            let amps = abs(proposed.current[j])
            if stallCount.update(j, still && !(amps <= current), persistence: limits.encoderStallPersistence) {
                trips.append(Trip(check: .encoderStall, joint: j, measured: amps, threshold: current, response: .powerOff))
            }
        }
    }

    /// H08: the frame sequence has not advanced for more than `sensorMaxAge` ticks: hold; for
    /// more than twice that: protective stop. A sequence that goes back (a replayed or looping
    /// frame) has not advanced either.
    mutating func checkFreshness(_ sensors: SensorFrame) {
        guard let maxAge = limits.sensorMaxAge else { return }
        if let last = lastSequence, sensors.sequence <= last {
            staleTicks += 1
        } else {
            staleTicks = 0
        }
        // The newest sequence seen: a frame from the past does not move the mark back.
        lastSequence = max(lastSequence ?? sensors.sequence, sensors.sequence)
        // Also when resumed while still stale: a resume must not release an arm on stale data.
        if staleTicks == maxAge + 1 || (resumed && staleTicks > maxAge && staleTicks <= 2 * maxAge) {
            trips.append(Trip(check: .sensorFreshness, joint: -1, measured: Double(staleTicks), threshold: Double(maxAge), response: .hold))
        } else if staleTicks == 2 * maxAge + 1 {
            trips.append(Trip(check: .sensorFreshnessStop, joint: -1, measured: Double(staleTicks), threshold: Double(2 * maxAge), response: .protectiveStop))
        }
    }
}

// Latent faults of the monitor itself (HAZARDS.md, last section).
extension SafetyInterlock {
    /// Self-test of the monitor's redundant inputs: an analog potentiometer is never bit-for-bit
    /// still, so a reading that has not changed at all for more than `frozenInputTicks` means the
    /// monitor's input is dead (a latent fault that would blind the encoder/potentiometer check).
    /// Protective stop, once per episode.
    mutating func checkMonitorInputs(_ sensors: SensorFrame) {
        guard let frozenTicks = limits.frozenInputTicks else { return }
        for j in 0..<limits.jointCount {
            let unchanged = lastPotentiometerValid && sensors.potentiometer[j] == lastPotentiometer[j]
            if frozenInputCount.update(j, unchanged, persistence: frozenTicks) {
                trips.append(
                    Trip(check: .monitorInputFrozen, joint: j, measured: Double(frozenTicks + 1), threshold: Double(frozenTicks), response: .protectiveStop))
            }
        }
        lastPotentiometer = sensors.potentiometer
        lastPotentiometerValid = true
    }
}
