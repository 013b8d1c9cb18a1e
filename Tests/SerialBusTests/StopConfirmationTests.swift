import SerialBus
import Testing

/// Servos that answer each torque-off WRITE as the test says: with a status carrying `error`,
/// or (ids in `silent`) not at all.
final class TorqueOffBoards: QueuedReplies, SerialTransport, @unchecked Sendable {
    let path = "torque-off"
    var silent: Set<UInt8> = []
    var error: [UInt8: UInt8] = [:]
    private(set) var writesTo: [UInt8: Int] = [:]

    func write(_ bytes: UnsafeRawBufferPointer) throws(SerialError) {
        // FF FF FD 00 ID LEN LEN INST ADDR_L ADDR_H DATA: a WRITE of 0 at Torque Enable.
        guard bytes.count > 10, bytes[7] == Dynamixel.Instruction.write.rawValue,
            UInt16(bytes[8]) | UInt16(bytes[9]) << 8 == Dynamixel.Address.torqueEnable, bytes[10] == 0
        else { return }
        let id = bytes[4]
        writesTo[id, default: 0] += 1
        guard !silent.contains(id) else { return }
        var e = PacketEncoder()
        e.status(id: id, error: error[id] ?? 0, parameters: [])
        pending += e.bytes
    }
}

/// `stop()` says which servos did not confirm torque off, so that a run on a silent bus cannot
/// report a stopped arm it never heard from.
@Suite struct StopConfirmationTests {
    func stop(_ boards: TorqueOffBoards) -> [Int] {
        var backend = SerialActuatorBackend(bus: RangeCheckTests.bus, transport: boards)
        backend.stop()
        return backend.torqueOffUnconfirmed
    }

    @Test func everyServoThatAnswersIsConfirmed() {
        let boards = TorqueOffBoards()
        #expect(stop(boards) == [])
        #expect(boards.writesTo == [1: 1, 2: 1], "one confirmed write each")
    }

    @Test func aSilentServoIsNamedAfterThreeTries() {
        let boards = TorqueOffBoards()
        boards.silent = [2]
        #expect(stop(boards) == [2])
        #expect(boards.writesTo == [1: 1, 2: 3])
    }

    @Test func aSilentBusNamesEveryServo() {
        let boards = TorqueOffBoards()
        boards.silent = [1, 2]
        #expect(stop(boards) == [1, 2])
    }

    /// A status with an error (here an access error) is an answer, but the write was not
    /// carried out; the alert bit alone (a hardware error, which turns torque off by itself)
    /// is not a refusal.
    @Test func aStatusWithAnErrorIsNotAConfirmation() {
        let boards = TorqueOffBoards()
        boards.error = [1: 0x07, 2: 0x80]
        #expect(stop(boards) == [1])
    }

    /// The list is the last stop's, not every stop's since start-up.
    @Test func aLaterStopThatIsHeardClearsTheList() {
        let boards = TorqueOffBoards()
        boards.silent = [1]
        var backend = SerialActuatorBackend(bus: RangeCheckTests.bus, transport: boards)
        backend.stop()
        #expect(backend.torqueOffUnconfirmed == [1])
        boards.silent = []
        backend.stop()
        #expect(backend.torqueOffUnconfirmed == [])
    }
}
