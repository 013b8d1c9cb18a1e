public import ActuatorInterface
public import MotionTypes
public import SafetyInterlock

#if canImport(Glibc)
import Glibc
#endif

/// Drives DYNAMIXEL X-series servos through a ``SerialTransport`` with the same loop and
/// interlock as the simulator.
///
/// Start-up pings every id and checks its model number against the profile (refusing to power
/// on a mismatch, H20), turns torque off, sets return delay 0, the operating mode and the bus
/// watchdog. Each tick: one sync write of goal positions, one sync read of present current,
/// velocity, position, voltage and temperature. Timeouts, CRC errors, missing and late replies
/// and alert bits are counted and handed to the interlock in the sensor frame; nothing is
/// thrown from the tick. ``stop()`` turns torque off on every id.
public struct SerialActuatorBackend: ActuatorBackend, BackendStatistics {
    public let bus: BusConfiguration
    let transport: any SerialTransport
    var encoder = PacketEncoder()
    var parser = PacketParser(capacity: 4096, maxPacketLength: 512)
    var packet = Packet(capacity: 256)
    var receive = [UInt8](repeating: 0, count: 1024)
    var seen: [Bool]
    var ids: [UInt8]
    var goals: [UInt32]
    var torqueOn = false
    /// The ids that did not confirm torque off at the last ``stop()``.
    var unconfirmed: [Int] = []
    var sequence: UInt64 = 0
    var lastFrame: SensorFrame
    var consecutiveFaults: Int32 = 0

    /// Counters for the log and the operator.
    public private(set) var cycles = 0
    public private(set) var missingReplies = 0
    public private(set) var timeouts = 0
    public private(set) var alerts = 0
    /// Replies with a good CRC whose values no servo reports (H10 range check): dropped.
    public private(set) var rangeErrors = 0
    public private(set) var transportErrors = 0
    /// Transport errors since the last good cycle.
    public private(set) var consecutiveTransportErrors = 0
    /// Cycles since the last one in which every servo answered (errors and silence alike).
    public var consecutiveFailedCycles: Int { Int(consecutiveFaults) }
    public var crcErrors: Int { parser.crcErrors }
    /// The last transport error (the link is probably gone when this keeps coming).
    public private(set) var lastError: SerialError?

    public init(bus: BusConfiguration, transport: any SerialTransport) {
        self.bus = bus
        self.transport = transport
        seen = Array(repeating: false, count: bus.servos.count)
        ids = bus.servos.map(\.id)
        goals = Array(repeating: 0, count: bus.servos.count)
        unconfirmed.reserveCapacity(bus.servos.count)
        lastFrame = SensorFrame(jointCount: bus.jointCount)
    }

    // MARK: Start-up

    public mutating func start() throws(BackendError) {
        try? transport.flushInput()
        for servo in bus.servos {
            encoder.ping(id: servo.id)
            // A ping's status is the error byte, the model number and the firmware version:
            // exactly 4 parameters (a longer status from this id is a reply to something else).
            guard transact(expecting: servo.id, parameters: 4) else {
                throw BackendError(.unavailable, "servo id \(servo.id) does not answer on \(transport.path) at \(bus.baud) baud (check wiring, power, id and baud with 'vigil hw scan')")
            }
            let model = packet.u16(at: 1)
            guard model == servo.modelNumber else {
                throw BackendError(
                    .configurationMismatch,
                    Dynamixel.modelMismatch(id: Int(servo.id), reported: Int(model), expected: Int(servo.modelNumber))
                        + ": refusing to power on (H20)")
            }
            if let firmware = servo.firmware, packet[3] != firmware {
                throw BackendError(
                    .configurationMismatch,
                    Dynamixel.firmwareMismatch(id: Int(servo.id), reported: Int(packet[3]), expected: Int(firmware))
                        + ": refusing to power on (H20)")
            }
        }
        // Every servo on the bus answers a broadcast ping. One the profile does not list means
        // the bus is another arm's, or holds more than this one: the listed ids may all match
        // (the PSM's first three servos are the desk bench's model), yet the joints are not the
        // profile's.
        let census = takeCensus()
        let unlisted = census.ids.filter { !ids.contains($0) }
        guard unlisted.isEmpty else {
            throw BackendError(
                .configurationMismatch,
                Dynamixel.unlistedServos(unlisted.map(Int.init), listed: ids.map(Int.init)) + ": refusing to power on (H20)")
        }
        guard census.complete else {
            let missing = ids.filter { !census.lastRound.contains($0) }
            let why =
                census.portFailed
                ? "the port failed during the ping"
                : missing.isEmpty
                    ? "an answer was corrupted (two servos with one id collide like this)"
                    : "listed id\(missing.count == 1 ? "" : "s") \(missing.map(String.init).joined(separator: ", ")) did not answer it"
            throw BackendError(
                .configurationMismatch,
                "\(Self.censusAttempts) broadcast pings could not tell which servos are on the bus (in the last, \(why)): refusing to power on (H20)")
        }
        // Configuration happens with torque off (the EEPROM area is locked while it is on).
        // Current-based position mode (5): multi-turn, and the servo itself caps the motor current
        // at Goal Current, set to the drive's limit (H12 enforced on the hardware too). In this
        // mode the servo ignores its position limits; the interlock enforces them (H05).
        let turns = bus.servos.map { _ in UInt8(5) }
        for (i, servo) in bus.servos.enumerated() {
            for (address, value) in [
                (Dynamixel.Address.torqueEnable, UInt8(0)), (Dynamixel.Address.returnDelayTime, 0),
                (Dynamixel.Address.statusReturnLevel, 2), (Dynamixel.Address.operatingMode, turns[i]),
                (Dynamixel.Address.busWatchdog, 0), (Dynamixel.Address.busWatchdog, bus.watchdogUnits),
            ] {
                encoder.write(id: servo.id, address: address, data: [value])
                guard transact(expecting: servo.id, parameters: 1) else {
                    throw BackendError(.io, "servo id \(servo.id) did not answer a write to address \(address)")
                }
                guard packet.error.code == 0 else {
                    throw BackendError(.io, "servo id \(servo.id) refused a write to address \(address): \(packet.error.description)")
                }
            }
            // The joint's limits and the drive's current limit, in the servo's own units.
            let limits = servo.pulseLimits
            let current = servo.currentLimitUnits
            for (address, data) in [
                (Dynamixel.Address.currentLimit, [UInt8(current & 0xFF), UInt8(current >> 8)]),
                (Dynamixel.Address.goalCurrent, [UInt8(current & 0xFF), UInt8(current >> 8)]),
                (Dynamixel.Address.maxPositionLimit, littleEndian(UInt32(bitPattern: limits.max))),
                (Dynamixel.Address.minPositionLimit, littleEndian(UInt32(bitPattern: limits.min))),
            ] {
                encoder.write(id: servo.id, address: address, data: data)
                guard transact(expecting: servo.id, parameters: 1) else {
                    throw BackendError(.io, "servo id \(servo.id) did not answer the write of its limits at address \(address)")
                }
                guard packet.error.code == 0 else {
                    throw BackendError(.io, "servo id \(servo.id) refused its limits at address \(address): \(packet.error.description)")
                }
            }
        }
        torqueOn = false
        // A first complete, plausible present block before anything is powered: `enable` takes
        // the reference from the measurement, and a frame no reply has filled (all zeros) would
        // send every joint to zero and read a 0 V supply.
        var first = SensorFrame(jointCount: bus.jointCount)
        var attempts = 0
        while attempts < Self.startReadAttempts {
            attempts += 1
            read(into: &first, tick: Tick(0))
            if consecutiveFaults == 0 { return }
        }
        throw BackendError(
            .unavailable,
            "the servos did not return one complete, plausible reading of their present values in \(attempts) attempts "
                + "(\(rangeErrors) replies out of range, \(timeouts) reads with a reply missing after the \(Int((readWindow * 1000).rounded())) ms a read waits "
                + "(lost, or slower than that), \(crcErrors) CRC errors): refusing to power on")
    }

    /// The ids on the bus: every id that answered any of the broadcast pings, which are
    /// repeated until two rounds were complete (no corrupted answer and every listed id among
    /// the answers: none went missing), at most `censusAttempts` times. A corrupted or lost
    /// answer could hide an id, so the ids of every round are kept, and one complete round is
    /// not taken as proof (an unlisted servo's whole answer can be lost without a trace).
    /// `complete` is false when fewer than two rounds were; `lastRound` and `portFailed` say
    /// what went wrong in the last.
    mutating func takeCensus() -> (ids: [UInt8], complete: Bool, lastRound: [UInt8], portFailed: Bool) {
        var all: [UInt8] = []
        var complete = 0
        var last: (ids: [UInt8], intact: Bool, portFailed: Bool) = ([], false, false)
        for _ in 0..<Self.censusAttempts where complete < 2 {
            last = broadcastPing()
            for id in last.ids where !all.contains(id) { all.append(id) }
            if last.intact && ids.allSatisfy(last.ids.contains) { complete += 1 }
        }
        return (all.sorted(), complete >= 2, last.ids, last.portFailed)
    }

    static let censusAttempts = 5

    /// The ids whose status answers one broadcast ping, and whether every answer came through
    /// intact (the port did not fail; no bad CRC, impossible length or bytes left over). Servos answer
    /// one after another; the wait is the one ROBOTIS's SDK allows for every possible id to
    /// answer (3 ms each, plus a status packet's bytes at the baud rate, plus 16 ms): about
    /// 0.8 s at 4.5 Mbaud, before anything is powered.
    mutating func broadcastPing() -> (ids: [UInt8], intact: Bool, portFailed: Bool) {
        clearInput()
        encoder.ping(id: Dynamixel.broadcastID)
        do { try send() } catch { return ([], false, true) }
        let statusBytes = 14.0
        let window = (statusBytes * 10 / Double(bus.baud) + 0.003) * Double(Int(Dynamixel.maxID) + 1) + 0.016
        // Damage of any kind: a bad CRC, an impossible length, or bytes skipped while looking
        // for a header (a corrupted header loses its whole answer that way).
        let damaged = parser.crcErrors + parser.lengthErrors + parser.skippedBytes
        let start = now()
        var found: [UInt8] = []
        while now() - start < window {
            do { _ = try receiveSome(timeout: 5_000) } catch { return (found, false, true) }
            while parser.next(into: &packet) {
                if packet.isStatus && packet.parameterCount == 4 && !found.contains(packet.id) { found.append(packet.id) }
            }
        }
        // Bytes that never made a packet are a corrupted answer too.
        let intact = parser.crcErrors + parser.lengthErrors + parser.skippedBytes == damaged && parser.buffered == 0
        clearInput()
        return (found.sorted(), intact, false)
    }

    /// How long a tick's read waits for every reply: twice the round-trip budget, at least 2 ms
    /// and at most 5 ms.
    var readWindow: Double { min(max(2 * bus.roundTripBudget, 0.002), 0.005) }

    /// Present-value reads start-up tries before it refuses to power on.
    static let startReadAttempts = 20

    func littleEndian(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> UInt32(8 * $0)) } }

    /// Sends the encoded packet and waits for the status of `id` with `parameters` parameters
    /// (its error byte included; nil: any), retrying a lost or corrupt reply up to `attempts`
    /// times; false when it never came.
    mutating func transact(expecting id: UInt8, parameters: Int? = nil, attempts: Int = 8) -> Bool {
        for _ in 0..<attempts where transactOnce(expecting: id, parameters: parameters) { return true }
        return false
    }

    mutating func transactOnce(expecting id: UInt8, parameters: Int?) -> Bool {
        clearInput()
        do {
            try send()
        } catch {
            return false
        }
        let deadline = now() + 0.05
        while now() < deadline {
            guard let n = try? receiveSome(timeout: 5_000), n >= 0 else { return false }
            while parser.next(into: &packet) {
                if packet.isStatus && packet.id == id && (parameters == nil || packet.parameterCount == parameters) { return true }
            }
        }
        return false
    }

    mutating func send() throws(SerialError) {
        var failure: SerialError?
        let count = encoder.count
        encoder.buffer.withUnsafeBytes { raw in
            do throws(SerialError) { try transport.write(UnsafeRawBufferPointer(rebasing: raw[0..<count])) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    mutating func receiveSome(timeout microseconds: Int) throws(SerialError) -> Int {
        var failure: SerialError?
        let n = receive.withUnsafeMutableBytes { raw -> Int in
            do throws(SerialError) { return try transport.read(into: raw, timeoutMicroseconds: microseconds) } catch {
                failure = error
                return -1
            }
        }
        if let failure { throw failure }
        if n > 0 { parser.feed(receive[0..<n]) }
        return n
    }

    // MARK: The tick

    public mutating func read(into frame: inout SensorFrame, tick: Tick) {
        cycles += 1
        for i in seen.indices { seen[i] = false }
        // Whatever is still buffered belongs to an earlier cycle: never take it for this one's.
        clearInput()
        let start = now()
        encoder.syncRead(ids: ids, address: BusConfiguration.presentBlock.address, length: BusConfiguration.presentBlock.length)
        var ok = true
        do {
            try send()
        } catch {
            note(error)
            ok = false
        }
        // Replies taken (`answered`), and of those the ones whose values were used (`received`).
        var answered = 0
        var received = 0
        // When the last reply taken came: the cycle's round trip. The wait for a reply that
        // never comes is not a round trip (that cycle fails, which H09 counts), so a lost reply
        // is not also a late one (H11).
        var lastReply = start
        // Wait for every reply, at most twice the round-trip budget and never more than 5 ms (a
        // late reply is still better than none; the interlock judges lateness from the measured
        // time, and a dead bus must not stretch the loop's period without bound).
        let deadline = start + readWindow
        while ok && answered < ids.count && now() < deadline {
            // When these bytes had arrived: the time of any reply they complete.
            let arrived: Double
            do {
                let n = try receiveSome(timeout: 500)
                if n == 0 { continue }
                arrived = now()
            } catch {
                note(error)
                ok = false
                break
            }
            while parser.next(into: &packet) {
                guard packet.isStatus, let index = ids.firstIndex(of: packet.id), !seen[index],
                    packet.parameterCount >= 1 + Int(BusConfiguration.presentBlock.length)
                else { continue }
                // A frame the CRC passed but whose values are out of range is dropped like a
                // corrupt one: the joint keeps its last reading and the cycle is incomplete. The
                // servo has answered, though: it is not waited for, nor counted as a timeout.
                seen[index] = true
                answered += 1
                lastReply = arrived
                guard Self.plausible(bus.servos[index], packet) else {
                    rangeErrors += 1
                    continue
                }
                received += 1
                if packet.error.alert { alerts += 1 }
                let servo = bus.servos[index]
                Self.decode(servo, first: index == 0, packet, into: &lastFrame)
            }
        }
        if answered < ids.count {
            missingReplies += ids.count - answered
            if ok { timeouts += 1 }
        }
        let complete = ok && received == ids.count
        consecutiveFaults = complete ? 0 : consecutiveFaults + 1
        if complete { consecutiveTransportErrors = 0 }
        if complete { sequence &+= 1 }
        lastFrame.sequence = sequence
        lastFrame.busFaults = consecutiveFaults
        lastFrame.roundTripMicroseconds = Int32(min(Double(Int32.max), (lastReply - start) * 1e6))
        lastFrame.amplifiersEnabled = torqueOn
        lastFrame.emergencyStop = false
        lastFrame.brakesEngaged = 0
        frame = lastFrame
    }

    /// H10 range check of a servo's present block (a CRC-16 misses some corruptions, and a servo
    /// can be in a state the profile does not describe). Out of range: a temperature above
    /// 100 °C (the register's range), an input voltage above 50 V (no X-series servo takes more
    /// than 24 V), a current beyond twice the limit the servo was given at start-up (it caps its
    /// current there), a position more than one servo turn beyond the joint's limits (the
    /// joint's mechanical stops are within them). Low voltages are kept: they are H16's evidence.
    public static func plausible(_ servo: ServoMapping, _ packet: Packet) -> Bool {
        guard packet[21] <= 100 else { return false }
        guard packet.u16(at: 19) <= 500 else { return false }  // 0.1 V units
        let limit = Int(servo.currentLimitUnits)
        if limit > 0, abs(Int(Int16(bitPattern: packet.u16(at: 1)))) > 2 * limit { return false }
        let position = Int64(Int32(bitPattern: packet.u32(at: 7)))
        let (low, high) = servo.pulseLimits
        let turn = Int64(Dynamixel.Units.pulsesPerRevolution)
        return position >= Int64(low) - turn && position <= Int64(high) + turn
    }

    /// Copies a servo's present block (status parameters after the error byte) into `frame`.
    static func decode(_ servo: ServoMapping, first: Bool, _ packet: Packet, into frame: inout SensorFrame) {
        let j = servo.joint
        let current = Int16(bitPattern: packet.u16(at: 1))
        let velocity = Int32(bitPattern: packet.u32(at: 3))
        let position = Int32(bitPattern: packet.u32(at: 7))
        let voltage = Double(packet.u16(at: 19)) * Dynamixel.Units.voltageVolts
        frame.current[j] = servo.amps(current)
        frame.encoder[j] = servo.position(position)
        frame.potentiometer[j] = frame.encoder[j]  // no redundant sensor on a servo
        _ = velocity
        frame.temperature[j] = Double(packet[21])
        frame.supplyVoltage = first ? voltage : min(frame.supplyVoltage, voltage)
    }

    /// Drops bytes received but not yet parsed, in the port and in the parser.
    mutating func clearInput() {
        try? transport.flushInput()
        parser.discard()
    }

    mutating func note(_ error: SerialError) {
        transportErrors += 1
        consecutiveTransportErrors += 1
        lastError = error
    }

    public mutating func write(_ gated: GatedCommand) {
        let c = gated.command
        guard c.powerOn else {
            // Power off: say so every tick (a lost packet must not leave a servo energised) and
            // send no goals.
            setTorque(false)
            return
        }
        // Goals first, so a servo that powers up holds where it is told, then torque.
        for (i, servo) in bus.servos.enumerated() { goals[i] = UInt32(bitPattern: servo.pulses(c.position[servo.joint])) }
        encoder.syncWrite32(address: Dynamixel.Address.goalPosition, ids: ids, values: goals)
        do { try send() } catch { note(error) }
        if !torqueOn { setTorque(true) }
    }

    mutating func setTorque(_ on: Bool) {
        encoder.begin(id: Dynamixel.broadcastID, instruction: .syncWrite)
        encoder.u16(Dynamixel.Address.torqueEnable)
        encoder.u16(1)
        for id in ids {
            encoder.payload(id)
            encoder.payload(on ? 1 : 0)
        }
        encoder.finish()
        do {
            try send()
            torqueOn = on
        } catch {
            note(error)
            if !on { torqueOn = false }
        }
    }

    /// Torque off on every id: a sync write, then each id individually, confirmed by its status
    /// (three tries). The ids that never confirmed are kept in ``torqueOffUnconfirmed``. Called
    /// on every exit path.
    public mutating func stop() {
        setTorque(false)
        unconfirmed.removeAll(keepingCapacity: true)
        for id in ids {
            encoder.write(id: id, address: Dynamixel.Address.torqueEnable, data: [0])
            // A WRITE's status carries the error byte only; an error other than the alert bit
            // (access, range, CRC…) means the write was not carried out.
            let answered = transact(expecting: id, parameters: 1, attempts: 3)
            if !answered || packet[0] & 0x7F != 0 { unconfirmed.append(Int(id)) }
        }
        torqueOn = false
    }

    public var torqueOffUnconfirmed: [Int] { unconfirmed }

    public mutating func disturb(_ disturbance: PlantDisturbance) {}

    /// Real servos move between reads whatever the host does (virtual boards, which advance
    /// one period per goal write, are the exception a dry run accepts).
    public var runsOnWallClock: Bool { true }

    public var statistics: [(name: String, value: Int)] {
        [("bus_cycles", cycles), ("missing_replies", missingReplies), ("timeouts", timeouts), ("crc_errors", parser.crcErrors),
         ("length_errors", parser.lengthErrors), ("range_errors", rangeErrors), ("alerts", alerts), ("transport_errors", transportErrors)]
    }

    func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
