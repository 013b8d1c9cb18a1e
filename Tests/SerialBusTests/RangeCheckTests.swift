import MotionTypes
import SafetyInterlock
import SerialBus
import Testing

/// The replies a scripted transport has queued, read back as a port would give them (at once:
/// nothing is ever late). Subclasses queue replies in `write`.
class QueuedReplies: @unchecked Sendable {
    var pending: [UInt8] = []

    func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMicroseconds: Int) throws(SerialError) -> Int {
        let n = min(buffer.count, pending.count)
        for i in 0..<n { buffer[i] = pending[i] }
        pending.removeFirst(n)
        return n
    }

    func flushInput() throws(SerialError) { pending.removeAll() }
    func drain() throws(SerialError) {}
    func close() {}
}

/// Two servos that answer every sync read at once with the present blocks the test sets.
final class ScriptedBoards: QueuedReplies, SerialTransport, @unchecked Sendable {
    let path = "scripted"
    /// Per id: current (units), position (pulses), voltage (0.1 V), temperature (°C).
    var blocks: [UInt8: (current: Int16, position: Int32, voltage: UInt16, temperature: UInt8)] = [:]

    func write(_ bytes: UnsafeRawBufferPointer) throws(SerialError) {
        // Instruction byte of a protocol 2.0 packet: FF FF FD 00 ID LEN LEN INST.
        guard bytes.count > 7, bytes[7] == Dynamixel.Instruction.syncRead.rawValue else { return }
        for id in blocks.keys.sorted() {
            let b = blocks[id]!
            var p: [UInt8] = []
            p += withUnsafeBytes(of: b.current.littleEndian, Array.init)
            p += [0, 0, 0, 0]  // velocity
            p += withUnsafeBytes(of: b.position.littleEndian, Array.init)
            p += [UInt8](repeating: 0, count: 8)  // velocity and position trajectories
            p += withUnsafeBytes(of: b.voltage.littleEndian, Array.init)
            p.append(b.temperature)
            var e = PacketEncoder()
            e.status(id: id, error: 0, parameters: p)
            pending += e.bytes
        }
    }
}

/// H10: a reply whose CRC is good but whose values no servo reports is dropped and counted.
@Suite struct RangeCheckTests {
    static let bus = BusConfiguration(
        port: "scripted", baud: 4_000_000,
        servos: [
            ServoMapping(id: 1, joint: 0, modelNumber: 1020, zero: 2048, direction: 1, reduction: 1, lower: -2, upper: 2, currentMax: 1),
            ServoMapping(id: 2, joint: 1, modelNumber: 1020, zero: 2048, direction: 1, reduction: 1, lower: -2, upper: 2, currentMax: 1),
        ],
        jointCount: 2, watchdogUnits: 1, roundTripBudget: 0.001, maxConsecutiveErrors: 2)

    static func healthy() -> ScriptedBoards {
        let boards = ScriptedBoards()
        boards.blocks = [1: (100, 2048 + 300, 120, 35), 2: (-100, 2048 - 300, 120, 36)]
        return boards
    }

    static func cycle(_ backend: inout SerialActuatorBackend) -> SensorFrame {
        var frame = SensorFrame(jointCount: 2)
        backend.read(into: &frame, tick: Tick(0))
        return frame
    }

    @Test func plausibleRepliesAreTaken() {
        var backend = SerialActuatorBackend(bus: Self.bus, transport: Self.healthy())
        let frame = Self.cycle(&backend)
        #expect(backend.rangeErrors == 0 && backend.consecutiveFailedCycles == 0)
        #expect(frame.temperature[1] == 36 && abs(frame.encoder[0] - 300 * 2 * .pi / 4096) < 1e-12)
    }

    /// Each field at the edge of its range is taken, one step beyond it is dropped.
    @Test(arguments: [
        ("temperature", 100, true), ("temperature", 101, false),
        ("voltage", 500, true), ("voltage", 501, false),
        ("current", 2 * 371, true), ("current", 2 * 371 + 1, false), ("current", -2 * 371 - 1, false),
        ("position above", 1, true), ("position above", 4096, true), ("position above", 4097, false),
        ("position below", 4096, true), ("position below", 4097, false),
    ])
    func eachFieldAtAndBeyondItsRange(_ field: String, _ value: Int, _ taken: Bool) {
        let boards = Self.healthy()
        let servo = Self.bus.servos[1]
        var b = boards.blocks[2]!
        switch field {
        case "temperature": b.temperature = UInt8(value)
        case "voltage": b.voltage = UInt16(value)
        case "current": b.current = Int16(value)
        case "position above": b.position = servo.pulseLimits.max + Int32(value)
        default: b.position = servo.pulseLimits.min - Int32(value)
        }
        boards.blocks[2] = b
        var backend = SerialActuatorBackend(bus: Self.bus, transport: boards)
        #expect(servo.currentLimitUnits == 371, "1 A in 2.69 mA units")
        let frame = Self.cycle(&backend)
        #expect((backend.rangeErrors == 0) == taken)
        #expect((backend.consecutiveFailedCycles == 0) == taken, "a dropped reply leaves the cycle incomplete")
        #expect(frame.busFaults == (taken ? 0 : 1))
        if !taken {
            #expect(frame.temperature[1] == 0, "servo 2 keeps its last reading (none yet)")
            #expect(frame.temperature[0] == 35, "servo 1's reply is still taken")
        }
    }

    /// A lost reply makes a failed cycle (H09 counts it), not a late one (H11): the read's wait
    /// for it (twice the 1 ms budget here) is not a round trip. The round trip is the time to
    /// the last reply that came; with none, 0.
    @Test func aLostReplyIsAFailedCycleNotALateOne() {
        let boards = Self.healthy()
        boards.blocks[2] = nil  // servo 2's reply is lost
        var backend = SerialActuatorBackend(bus: Self.bus, transport: boards)
        let frame = Self.cycle(&backend)
        #expect(frame.busFaults == 1 && backend.timeouts == 1)
        #expect(frame.roundTripMicroseconds < 1000, "servo 1 answered at once: \(frame.roundTripMicroseconds) us")
        boards.blocks[1] = nil  // nothing answers
        let silent = Self.cycle(&backend)
        #expect(silent.busFaults == 2 && silent.roundTripMicroseconds == 0)
    }

    @Test func lowVoltageIsEvidenceNotCorruption() {
        let boards = Self.healthy()
        boards.blocks[1]!.voltage = 0
        var backend = SerialActuatorBackend(bus: Self.bus, transport: boards)
        let frame = Self.cycle(&backend)
        #expect(backend.rangeErrors == 0 && frame.supplyVoltage == 0, "a brown-out reading reaches H16")
    }

    @Test func theCountIsInTheRunsStatistics() {
        let boards = Self.healthy()
        boards.blocks[1]!.temperature = 255
        var backend = SerialActuatorBackend(bus: Self.bus, transport: boards)
        for _ in 0..<3 { _ = Self.cycle(&backend) }
        #expect(backend.statistics.first { $0.name == "range_errors" }?.value == 3)
        #expect(backend.consecutiveFailedCycles == 3)
    }
}
