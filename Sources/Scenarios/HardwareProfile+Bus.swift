public import SerialBus

extension HardwareProfile {
    /// The profile's bus as the serial backend and the virtual boards use it (nil without a
    /// `bus` section). `port` and `baud` override the profile's.
    public func busConfiguration(port: String? = nil, baud: Int? = nil) -> BusConfiguration? {
        guard let bus else { return nil }
        let servos = bus.servos.map { s in
            ServoMapping(
                id: UInt8(s.id), joint: s.joint, modelNumber: UInt16(s.modelNumber), zero: Int32(s.zeroPosition),
                direction: Int32(s.direction), reduction: actuators[s.joint].reduction, lower: joints[s.joint].lower,
                upper: joints[s.joint].upper, currentMax: actuators[s.joint].currentMax, firmware: s.firmware.map(UInt8.init))
        }
        let watchdogSeconds = Double(safety.boardWatchdog.threshold ?? 0) / rate
        // Round down (never longer than the profile's timeout), at least one 20 ms unit.
        let units = watchdogSeconds > 0 ? UInt8(max(1, min(127, (watchdogSeconds / 0.020).rounded(.down)))) : 0
        let communication = safety.communication.threshold
        return BusConfiguration(
            port: port ?? bus.port, baud: baud ?? bus.baud, servos: servos, jointCount: jointCount, watchdogUnits: units,
            roundTripBudget: communication?.maxRoundTrip ?? 1e-3, maxConsecutiveErrors: communication?.maxConsecutiveErrors ?? 3)
    }
}
