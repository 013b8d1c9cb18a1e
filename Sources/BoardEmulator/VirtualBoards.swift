import ActuatorInterface
import Foundation
import MotionTypes
public import SerialBus
public import Simulator

/// Bus faults the emulator applies to its replies.
public struct BusFaultSettings: Sendable, Equatable {
    /// Probability that a reply is not sent.
    public var dropProbability = 0.0
    /// Probability that a reply has one bit flipped.
    public var corruptProbability = 0.0
    /// Extra delay before each reply, seconds.
    public var replyDelay = 0.0
    /// Probability that a servo's answer to a (sync, bulk or fast sync) read that covers its
    /// present temperature reports ``VirtualBoards/implausibleTemperature`` instead, in a frame
    /// with a valid CRC: the corruption a CRC cannot see, which only a range check catches (H10).
    public var implausibleProbability = 0.0

    public init(dropProbability: Double = 0, corruptProbability: Double = 0, replyDelay: Double = 0, implausibleProbability: Double = 0) {
        self.dropProbability = dropProbability
        self.corruptProbability = corruptProbability
        self.replyDelay = replyDelay
        self.implausibleProbability = implausibleProbability
    }
}

/// Simulated DYNAMIXEL X-series servos answering on a serial transport (a pty): control table,
/// ping, read, write, reboot, sync read, sync write and bulk read, torque enable, hardware error
/// status and the bus watchdog, with the simulator's plant behind them.
///
/// Time: each SYNC WRITE of goal positions advances the plant by one control period (lockstep
/// with the host's loop, so runs are repeatable); the bus watchdog uses the wall clock, so a
/// host that goes silent is noticed.
public final class VirtualBoards: @unchecked Sendable {
    public let bus: BusConfiguration
    var plant: Simulator
    let rate: Double
    let faults: BusFaultSettings
    var random: SeededGenerator
    var tables: [UInt8: [UInt8]] = [:]
    var integral: JointVector
    let kp: JointVector, ki: JointVector, kd: JointVector
    var tick: Int64 = 0
    /// When each servo last received an instruction addressed to it (or broadcast).
    var lastInstruction: [UInt8: Date] = [:]
    var encoder = PacketEncoder()
    var parser = PacketParser()
    var packet = Packet()
    /// Lines about torque, watchdog and errors (the CLI prints them).
    public var onEvent: (@Sendable (String) -> Void)?

    public init(bus: BusConfiguration, plant: Simulator, servoBandwidth: Double, faults: BusFaultSettings = BusFaultSettings(), seed: UInt64 = 1) {
        self.bus = bus
        self.plant = plant
        self.rate = plant.model.rate
        self.faults = faults
        random = SeededGenerator(seed: seed ^ 0xB05)
        let n = plant.model.jointCount
        integral = JointVector(count: n)
        var kp = JointVector(count: n), ki = JointVector(count: n), kd = JointVector(count: n)
        let w = 2 * Double.pi * servoBandwidth
        for j in 0..<n {
            let inertia = plant.model.joints[j].inertia
            kp[j] = 3 * inertia * w * w
            ki[j] = inertia * w * w * w
            kd[j] = 3 * inertia * w
        }
        self.kp = kp
        self.ki = ki
        self.kd = kd
        for servo in bus.servos {
            var table = [UInt8](repeating: 0, count: 256)
            put(&table, Dynamixel.Address.modelNumber, 2, UInt32(servo.modelNumber))
            table[Int(Dynamixel.Address.firmwareVersion)] = servo.firmware ?? Dynamixel.emulatedFirmware
            table[Int(Dynamixel.Address.id)] = servo.id
            table[Int(Dynamixel.Address.baudRate)] = UInt8(Dynamixel.baudRates.firstIndex(of: bus.baud) ?? 3)
            table[Int(Dynamixel.Address.returnDelayTime)] = 250
            table[Int(Dynamixel.Address.operatingMode)] = 3
            table[Int(Dynamixel.Address.statusReturnLevel)] = 2
            tables[servo.id] = table
        }
        refreshPresent(plantFrame())
    }

    func put(_ table: inout [UInt8], _ address: UInt16, _ size: Int, _ value: UInt32) {
        for i in 0..<size { table[Int(address) + i] = UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) }
    }

    func get(_ table: [UInt8], _ address: UInt16, _ size: Int) -> UInt32 {
        var v: UInt32 = 0
        for i in 0..<size { v |= UInt32(table[Int(address) + i]) << UInt32(8 * i) }
        return v
    }

    func torqueOn(_ id: UInt8) -> Bool { tables[id]?[Int(Dynamixel.Address.torqueEnable)] == 1 }

    /// Whether every servo's torque is off (what a host must leave behind).
    public var allTorqueOff: Bool { bus.servos.allSatisfy { !torqueOn($0.id) } }

    func plantFrame() -> SensorFrame {
        var copy = plant
        var frame = SensorFrame(jointCount: plant.model.jointCount)
        copy.read(into: &frame, tick: Tick(tick))
        return frame
    }

    /// One control period of the servos' firmware: position PID on each goal, then the plant.
    func stepPlant() {
        let n = plant.model.jointCount
        var current = JointVector(count: n)
        var anyPowered = false
        for servo in bus.servos {
            guard let table = tables[servo.id], torqueOn(servo.id) else {
                integral[servo.joint] = 0
                continue
            }
            anyPowered = true
            let goal = servo.position(Int32(bitPattern: get(table, Dynamixel.Address.goalPosition, 4)))
            let j = servo.joint
            let q = plant.position[j]
            let error = goal - q
            integral[j] = max(-0.5, min(0.5, integral[j] + error / rate))
            let joint = plant.model.joints[j]
            let effort = kp[j] * error + ki[j] * integral[j] - kd[j] * plant.velocity[j]
            // Current-based position mode (5): the current never exceeds Goal Current.
            var cap = joint.currentMax
            if table[Int(Dynamixel.Address.operatingMode)] == 5 {
                cap = min(cap, Double(get(table, Dynamixel.Address.goalCurrent, 2)) * Dynamixel.Units.currentAmps)
            }
            current[j] = max(-cap, min(cap, effort / joint.effortPerAmp))
        }
        let frame = plant.stepBoard(current: current, powered: anyPowered, tick: Tick(tick))
        tick += 1
        refreshPresent(frame)
    }

    func refreshPresent(_ frame: SensorFrame) {
        for servo in bus.servos {
            guard var table = tables[servo.id] else { continue }
            let j = servo.joint
            put(&table, Dynamixel.Address.presentCurrent, 2, UInt32(UInt16(bitPattern: servo.currentUnits(frame.current[j]))))
            put(&table, Dynamixel.Address.presentVelocity, 4, UInt32(bitPattern: servo.velocityUnits(plant.velocity[j])))
            put(&table, Dynamixel.Address.presentPosition, 4, UInt32(bitPattern: servo.pulses(frame.encoder[j])))
            put(&table, Dynamixel.Address.presentInputVoltage, 2, UInt32(max(0, min(65535, (frame.supplyVoltage / Dynamixel.Units.voltageVolts).rounded()))))
            let temperature = max(0, min(255, frame.temperature[j].rounded()))
            table[Int(Dynamixel.Address.presentTemperature)] = UInt8(temperature)
            // The servo's own protection: overheating above 80 °C (bit 2) turns torque off.
            if temperature > 80 {
                table[Int(Dynamixel.Address.hardwareErrorStatus)] |= 1 << 2
                table[Int(Dynamixel.Address.torqueEnable)] = 0
            }
            tables[servo.id] = table
        }
    }

    /// Serves requests until `stop()` is true or the transport fails.
    public func serve(_ transport: any SerialTransport, stop: () -> Bool) throws(SerialError) {
        var buffer = [UInt8](repeating: 0, count: 1024)
        for servo in bus.servos { lastInstruction[servo.id] = Date() }
        while !stop() {
            var failure: SerialError?
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                do throws(SerialError) { return try transport.read(into: raw, timeoutMicroseconds: 2_000) } catch {
                    failure = error
                    return 0
                }
            }
            if let failure { throw failure }
            if n > 0 { parser.feed(buffer[0..<n]) }
            while parser.next(into: &packet) {
                let now = Date()
                for servo in bus.servos where packet.id == servo.id || packet.id == Dynamixel.broadcastID {
                    lastInstruction[servo.id] = now
                }
                try handle(transport)
            }
            if n == 0 { _ = parser.resynchronize() }
            checkWatchdog()
        }
    }

    /// The bus watchdog (REFERENCE.md: on expiry the servo stops and its goals lock): a servo
    /// with torque on that hears nothing for its timeout holds where it is, and ignores goals
    /// until the watchdog is cleared (written 0).
    func checkWatchdog() {
        let now = Date()
        for servo in bus.servos {
            guard var table = tables[servo.id] else { continue }
            let units = table[Int(Dynamixel.Address.busWatchdog)]
            guard units > 0 && units != 0xFF, table[Int(Dynamixel.Address.torqueEnable)] == 1,
                now.timeIntervalSince(lastInstruction[servo.id] ?? now) > Double(units) * Dynamixel.Units.watchdogSeconds
            else { continue }
            put(&table, Dynamixel.Address.goalPosition, 4, get(table, Dynamixel.Address.presentPosition, 4))
            table[Int(Dynamixel.Address.busWatchdog)] = 0xFF
            tables[servo.id] = table
            onEvent?("id \(servo.id): bus watchdog expired: stopped, goals locked")
        }
        // The servos stop where they are: keep the plant held at the locked goals.
        if bus.servos.contains(where: { tables[$0.id]?[Int(Dynamixel.Address.busWatchdog)] == 0xFF && torqueOn($0.id) }),
            now.timeIntervalSince(lastHoldStep) > 1 / rate
        {
            lastHoldStep = now
            stepPlant()
        }
    }

    var lastHoldStep = Date.distantPast

    /// Answers one instruction packet.
    func handle(_ transport: any SerialTransport) throws(SerialError) {
        let instruction = Dynamixel.Instruction(rawValue: packet.instruction)
        let broadcast = packet.id == Dynamixel.broadcastID
        switch instruction {
        case .ping:
            for servo in bus.servos where broadcast || servo.id == packet.id {
                let t = tables[servo.id]!
                try reply(transport, servo.id, error: 0, [t[0], t[1], t[Int(Dynamixel.Address.firmwareVersion)]])
            }
        case .read:
            guard let t = tables[packet.id], packet.parameterCount >= 4 else { return }
            let address = Int(packet.u16(at: 0)), length = Int(packet.u16(at: 2))
            guard address + length <= t.count else { return try reply(transport, packet.id, error: 4, []) }
            try reply(transport, packet.id, error: alert(packet.id), Array(t[address..<(address + length)]))
        case .write:
            guard packet.parameterCount >= 3 else { return }
            let address = Int(packet.u16(at: 0))
            let data = Array(packet.parameterBytes[2...])
            for servo in bus.servos where broadcast || servo.id == packet.id {
                let error = write(servo.id, address, data)
                if !broadcast { try reply(transport, servo.id, error: error, []) }
            }
        case .reboot:
            guard var t = tables[packet.id] else { return }
            t[Int(Dynamixel.Address.torqueEnable)] = 0
            t[Int(Dynamixel.Address.hardwareErrorStatus)] = 0
            tables[packet.id] = t
            try reply(transport, packet.id, error: 0, [])
        case .syncRead, .bulkRead:
            var items: [(UInt8, Int, Int)] = []
            if instruction == .syncRead {
                guard packet.parameterCount >= 4 else { return }
                let address = Int(packet.u16(at: 0)), length = Int(packet.u16(at: 2))
                for i in 4..<packet.parameterCount { items.append((packet[i], address, length)) }
            } else {
                var i = 0
                while i + 5 <= packet.parameterCount {
                    items.append((packet[i], Int(packet.u16(at: i + 1)), Int(packet.u16(at: i + 3))))
                    i += 5
                }
            }
            for (id, address, length) in items {
                guard let t = tables[id], address + length <= t.count else { continue }
                try reply(transport, id, error: alert(id), answer(t, address, length))
            }
        case .fastSyncRead:
            guard packet.parameterCount >= 4 else { return }
            let address = Int(packet.u16(at: 0)), length = Int(packet.u16(at: 2))
            let ids = (4..<packet.parameterCount).map { packet[$0] }.filter { tables[$0] != nil }
            try fastReply(transport, ids: ids, address: address, length: length)
        case .syncWrite:
            guard packet.parameterCount >= 4 else { return }
            let address = Int(packet.u16(at: 0)), length = Int(packet.u16(at: 2))
            var i = 4
            while i + 1 + length <= packet.parameterCount {
                let id = packet[i]
                if tables[id] != nil { _ = write(id, address, Array(packet.parameterBytes[(i + 1)..<(i + 1 + length)])) }
                i += 1 + length
            }
            // A goal-position sync write is the host's tick: advance the plant one period.
            if address == Int(Dynamixel.Address.goalPosition) { stepPlant() }
        default:
            if !broadcast && tables[packet.id] != nil { try reply(transport, packet.id, error: 2, []) }
        }
    }

    /// Writes `data` at `address` of servo `id`; returns the status error code.
    func write(_ id: UInt8, _ address: Int, _ data: [UInt8]) -> UInt8 {
        guard var t = tables[id], address + data.count <= t.count else { return 4 }
        // Read-only bytes refuse any write, as on a real servo (a tool that wrote the model number
        // would otherwise make every later start-up refuse the servo as the wrong model).
        if (address..<(address + data.count)).contains(where: Dynamixel.isReadOnly) { return 7 }
        // EEPROM (below torque enable) is locked while torque is on.
        if address < Int(Dynamixel.Address.torqueEnable) && t[Int(Dynamixel.Address.torqueEnable)] == 1 { return 7 }
        // Torque Enable takes 0 or 1: anything else is outside its range.
        let torque = Int(Dynamixel.Address.torqueEnable)
        if (address..<(address + data.count)).contains(torque) && data[torque - address] > 1 { return 4 }
        let torqueBefore = t[Int(Dynamixel.Address.torqueEnable)]
        for (i, b) in data.enumerated() { t[address + i] = b }
        if t[Int(Dynamixel.Address.busWatchdog)] == 0xFF && address == Int(Dynamixel.Address.goalPosition) {
            // Goals stay locked after a watchdog expiry until the watchdog is cleared.
            for i in 0..<data.count { t[address + i] = tables[id]![address + i] }
        }
        let torqueAfter = t[Int(Dynamixel.Address.torqueEnable)]
        tables[id] = t
        if torqueBefore != torqueAfter { onEvent?("id \(id): torque \(torqueAfter == 1 ? "on" : "off")") }
        return 0
    }

    /// A temperature no servo reaches (an XM430 shuts down at 80 °C; the range check's limit
    /// is 100 °C), one byte like the real field.
    public static let implausibleTemperature: UInt8 = 200

    /// The bytes of a control table a read returns: `address..<address + length`, with the
    /// present temperature replaced by ``implausibleTemperature`` when that fault strikes.
    func answer(_ table: [UInt8], _ address: Int, _ length: Int) -> [UInt8] {
        var data = Array(table[address..<(address + length)])
        let temperature = Int(Dynamixel.Address.presentTemperature)
        if faults.implausibleProbability > 0, (address..<(address + length)).contains(temperature),
            random.nextUnit() < faults.implausibleProbability
        {
            data[temperature - address] = Self.implausibleTemperature
        }
        return data
    }

    /// The alert bit when the servo has a hardware error.
    func alert(_ id: UInt8) -> UInt8 { (tables[id]?[Int(Dynamixel.Address.hardwareErrorStatus)] ?? 0) != 0 ? 0x80 : 0 }

    /// The FAST SYNC READ answer: one status packet from the broadcast id whose parameters are,
    /// per servo, ERR, ID, DATA and the CRC of the packet so far (the servos append to one
    /// another's reply); the last of those CRCs is the packet's own.
    func fastReply(_ transport: any SerialTransport, ids: [UInt8], address: Int, length: Int) throws(SerialError) {
        guard !ids.isEmpty, address + length <= 256 else { return }
        let size = 1 + ids.count * (length + 4)
        var bytes: [UInt8] = [0xFF, 0xFF, 0xFD, 0x00, Dynamixel.broadcastID, UInt8(size & 0xFF), UInt8(size >> 8), 0x55]
        for id in ids {
            let t = tables[id]!
            bytes.append(alert(id))
            bytes.append(id)
            bytes += answer(t, address, length)
            let crc = DynamixelCRC.checksum(bytes)
            bytes += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
        }
        if faults.dropProbability > 0 && random.nextUnit() < faults.dropProbability { return }
        try transport.write(bytes)
    }

    func reply(_ transport: any SerialTransport, _ id: UInt8, error: UInt8, _ parameters: [UInt8]) throws(SerialError) {
        if faults.dropProbability > 0 && random.nextUnit() < faults.dropProbability { return }
        encoder.status(id: id, error: error, parameters: parameters)
        var bytes = encoder.bytes
        if faults.corruptProbability > 0 && random.nextUnit() < faults.corruptProbability {
            let i = 5 + Int(random.next() % UInt64(bytes.count - 5))
            bytes[i] ^= 1 << UInt8(random.next() % 8)
        }
        if faults.replyDelay > 0 { usleep(UInt32(faults.replyDelay * 1e6)) }
        try transport.write(bytes)
    }
}
