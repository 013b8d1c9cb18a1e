import Foundation
@testable import SerialBus
import Testing

/// Boards that answer broadcast pings round by round as scripted: per round, the ids that
/// answer, and those whose answer arrives with a damaged header.
final class CensusBoards: QueuedReplies, SerialTransport, @unchecked Sendable {
    let path = "census"
    var rounds: [(ids: [UInt8], damaged: Set<UInt8>)]
    private(set) var pings = 0

    init(_ rounds: [(ids: [UInt8], damaged: Set<UInt8>)]) {
        self.rounds = rounds
        super.init()
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(SerialError) {
        guard bytes.count > 7, bytes[4] == Dynamixel.broadcastID, bytes[7] == Dynamixel.Instruction.ping.rawValue else { return }
        let round = rounds[min(pings, rounds.count - 1)]
        pings += 1
        for id in round.ids {
            var e = PacketEncoder()
            e.status(id: id, error: 0, parameters: [0xFC, 0x03, 52])  // model 1020, firmware 52
            var packet = e.bytes
            if round.damaged.contains(id) { packet[0] = 0xFE }  // the header no longer reads FF FF FD
            pending += packet
        }
    }

    /// An empty read waits (up to 5 ms), as a port would, so a census's wait is in time.
    override func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMicroseconds: Int) throws(SerialError) -> Int {
        let n = try super.read(into: buffer, timeoutMicroseconds: timeoutMicroseconds)
        if n == 0 { usleep(UInt32(min(timeoutMicroseconds, 5_000))) }
        return n
    }
}

/// H20's census of the bus (each broadcast ping waits about 0.8 s, as ROBOTIS's SDK does).
@Suite struct CensusTests {
    /// Servos 1 and 2 are listed (RangeCheckTests.bus).
    func census(_ rounds: [(ids: [UInt8], damaged: Set<UInt8>)]) -> (ids: [UInt8], complete: Bool, lastRound: [UInt8], pings: Int) {
        let boards = CensusBoards(rounds)
        var backend = SerialActuatorBackend(bus: RangeCheckTests.bus, transport: boards)
        let c = backend.takeCensus()
        return (c.ids, c.complete, c.lastRound, boards.pings)
    }

    @Test func anUnlistedServoIsCounted() {
        let c = census([([1, 2, 4], [])])
        #expect(c.ids == [1, 2, 4] && c.complete && c.pings == 2)
    }

    /// A round in which an answer's header was damaged is not complete, though every listed id
    /// answered in it: the damaged answer could have been an unlisted servo's.
    @Test func aRoundWithADamagedHeaderIsNotComplete() {
        let c = census([([4, 1, 2], [4]), ([1, 2], []), ([1, 2], [])])
        #expect(c.complete && c.pings == 3, "the first round did not count: \(c)")
    }

    /// A listed servo that never answers the broadcast ping: no round is complete, and the
    /// census says which id was missing.
    @Test func aListedServoMissingFromEveryRoundLeavesTheCensusIncomplete() {
        let c = census([([1], [])])
        #expect(!c.complete && c.pings == SerialActuatorBackend.censusAttempts && c.lastRound == [1])
    }
}
