import MotionTypes
import SerialBus
import Testing

func hex(_ s: String) -> [UInt8] { s.split(separator: " ").map { UInt8($0, radix: 16)! } }

/// `parser.next(into:)`, callable inside #expect.
func decode(_ parser: inout PacketParser, _ packet: inout Packet) -> Bool { parser.next(into: &packet) }

/// REFERENCE.md §5 test vectors, byte for byte.
@Suite struct ReferenceVectorTests {
    @Test func crcCheckValue() {
        #expect(DynamixelCRC.checksum(Array("123456789".utf8)) == 0xFEE8)
    }

    @Test func ping() {
        var e = PacketEncoder()
        e.ping(id: 1)
        #expect(e.bytes == hex("FF FF FD 00 01 03 00 01 19 4E"))
    }

    @Test func readPresentPosition() {
        var e = PacketEncoder()
        e.read(id: 1, address: 132, length: 4)
        #expect(e.bytes == hex("FF FF FD 00 01 07 00 02 84 00 04 00 1D 15"))
    }

    @Test func statusWithValue166() {
        var e = PacketEncoder()
        e.status(id: 1, error: 0, parameters: [0xA6, 0, 0, 0])
        #expect(e.bytes == hex("FF FF FD 00 01 08 00 55 00 A6 00 00 00 8C C0"))
    }

    @Test func syncWriteGoalPosition() {
        var e = PacketEncoder()
        e.syncWrite32(address: 116, ids: [1, 2], values: [150, 170])
        #expect(e.bytes == hex("FF FF FD 00 FE 11 00 83 74 00 04 00 01 96 00 00 00 02 AA 00 00 00 82 87"))
    }

    @Test func stuffedWrite() {
        var e = PacketEncoder()
        e.write(id: 1, address: 116, data: [0xFF, 0xFF, 0xFD, 0x00])
        #expect(e.bytes == hex("FF FF FD 00 01 0A 00 03 74 00 FF FF FD FD 00 21 E7"))
    }

    @Test(arguments: [
        ("FF FF FD 00 01 03 00 01 19 4E", UInt8(1), UInt8(0x01), [UInt8]()),
        ("FF FF FD 00 01 07 00 02 84 00 04 00 1D 15", 1, 0x02, [0x84, 0x00, 0x04, 0x00]),
        ("FF FF FD 00 01 08 00 55 00 A6 00 00 00 8C C0", 1, 0x55, [0x00, 0xA6, 0, 0, 0]),
        ("FF FF FD 00 FE 11 00 83 74 00 04 00 01 96 00 00 00 02 AA 00 00 00 82 87", 0xFE, 0x83,
         [0x74, 0x00, 0x04, 0x00, 0x01, 0x96, 0, 0, 0, 0x02, 0xAA, 0, 0, 0]),
        ("FF FF FD 00 01 0A 00 03 74 00 FF FF FD FD 00 21 E7", 1, 0x03, [0x74, 0x00, 0xFF, 0xFF, 0xFD, 0x00]),
    ])
    func decodesEveryVector(_ wire: String, _ id: UInt8, _ instruction: UInt8, _ parameters: [UInt8]) {
        var parser = PacketParser()
        var packet = Packet()
        parser.feed(hex(wire))
        #expect(decode(&parser, &packet))
        #expect(packet.id == id && packet.instruction == instruction)
        #expect(packet.parameterBytes == parameters)
        #expect(!decode(&parser, &packet))
        #expect(parser.crcErrors == 0 && parser.skippedBytes == 0)
    }

    @Test func statusValueAndErrorByte() {
        var parser = PacketParser()
        var packet = Packet()
        parser.feed(hex("FF FF FD 00 01 08 00 55 00 A6 00 00 00 8C C0"))
        #expect(decode(&parser, &packet))
        #expect(packet.isStatus && packet.error.rawValue == 0 && packet.u32(at: 1) == 166)
        var e = PacketEncoder()
        e.status(id: 3, error: 0x80 | 0x03, parameters: [])
        parser.feed(e.bytes)
        #expect(decode(&parser, &packet))
        #expect(packet.error.alert && packet.error.code == 3)
        #expect(packet.error.description == "CRC error, hardware alert")
    }

    /// ROBOTIS' Python SDK does not stuff on transmit: a packet whose length is known is
    /// accepted with a raw FF FF FD inside.
    @Test func acceptsAnUnstuffedPacketOfKnownLength() {
        var bytes = hex("FF FF FD 00 01 09 00 03 74 00 FF FF FD 00")
        let crc = DynamixelCRC.checksum(bytes)
        bytes += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
        var parser = PacketParser()
        var packet = Packet()
        parser.feed(bytes)
        #expect(decode(&parser, &packet))
        #expect(packet.parameterBytes == [0x74, 0x00, 0xFF, 0xFF, 0xFD, 0x00])
    }
}

@Suite struct CodecRobustnessTests {
    /// Random instruction packets: encode → parse gives the same id, instruction and parameters.
    @Test func roundTripsRandomPackets() {
        var random = SeededGenerator(seed: 11)
        var e = PacketEncoder()
        var parser = PacketParser()
        var packet = Packet()
        for _ in 0..<2000 {
            let id = UInt8.random(in: 0...252, using: &random)
            let n = Int.random(in: 0...40, using: &random)
            // Bias towards FF and FD so stuffing is exercised often.
            let params = (0..<n).map { _ in [0xFF, 0xFD, 0x00, UInt8.random(in: 0...255, using: &random)][Int.random(in: 0...3, using: &random)] }
            e.write(id: id, address: UInt16.random(in: 0...300, using: &random), data: params)
            parser.feed(e.bytes)
            #expect(decode(&parser, &packet))
            #expect(packet.id == id && packet.instruction == 0x03)
            #expect(Array(packet.parameterBytes.dropFirst(2)) == params)
        }
        #expect(parser.crcErrors == 0)
    }

    /// Valid packets buried in random noise, some with a flipped bit: every intact packet is
    /// found, every corrupted one is dropped and counted, nothing crashes.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func findsPacketsInNoiseAndCountsBadCRCs(_ seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var e = PacketEncoder()
        var stream: [UInt8] = []
        var intact: [[UInt8]] = []
        var corrupted = 0
        for k in 0..<300 {
            for _ in 0..<Int.random(in: 0...12, using: &random) {
                // Noise that never contains a full header.
                stream.append([0x00, 0xFF, 0xFD, 0x55, UInt8.random(in: 0...255, using: &random)][Int.random(in: 0...4, using: &random)])
            }
            let values = (0..<Int.random(in: 0...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            e.status(id: UInt8(k % 200), error: 0, parameters: values)
            var bytes = e.bytes
            if Int.random(in: 0..<5, using: &random) == 0 {
                // Flip one bit after the header.
                let i = Int.random(in: 4..<bytes.count, using: &random)
                bytes[i] ^= 1 << UInt8.random(in: 0...7, using: &random)
                corrupted += 1
            } else {
                intact.append([UInt8(k % 200)] + [0] + values)
            }
            stream += bytes
        }
        var parser = PacketParser()
        var packet = Packet()
        var found: [[UInt8]] = []
        // Feed in random-sized chunks, as a serial port delivers.
        var i = 0
        while i < stream.count {
            let n = min(stream.count - i, Int.random(in: 1...64, using: &random))
            parser.feed(stream[i..<(i + n)])
            i += n
            while parser.next(into: &packet) { found.append([packet.id] + packet.parameterBytes) }
        }
        // The end of the stream is a timeout: a packet whose corrupt length made the parser
        // wait is given up, and the packets buffered behind it are found.
        while parser.resynchronize() {
            while parser.next(into: &packet) { found.append([packet.id] + packet.parameterBytes) }
        }
        // Every intact packet is found, in order.
        #expect(found == intact)
        #expect(parser.crcErrors + parser.lengthErrors >= corrupted / 2, "corruption is counted")
        #expect(parser.crcErrors > 0)
    }

    @Test func pureNoiseNeverYieldsAPacketOrCrashes() {
        var random = SeededGenerator(seed: 99)
        var parser = PacketParser(capacity: 256)
        var packet = Packet(capacity: 64)
        var yielded = 0
        for _ in 0..<200_000 {
            parser.feed([UInt8.random(in: 0...255, using: &random)])
            while parser.next(into: &packet) { yielded += 1 }
        }
        // A random 16-bit CRC can match by chance; it must be rare.
        #expect(yielded < 3)
        #expect(parser.skippedBytes > 190_000)
    }
}

@Suite struct ServoMappingTests {
    @Test func unitsRoundTrip() {
        let servo = ServoMapping(id: 1, joint: 0, modelNumber: 1020, zero: 2048, direction: -1, reduction: 2, lower: -1, upper: 1.5, currentMax: 2.3)
        #expect(servo.pulses(0) == 2048)
        #expect(abs(servo.position(servo.pulses(0.3)) - 0.3) < 1 / servo.pulsesPerUnit)
        #expect(servo.pulses(.nan) == 2048)
        #expect(servo.pulseLimits.min == servo.pulses(1.5) && servo.pulseLimits.max == servo.pulses(-1), "direction -1 swaps the ends")
        #expect(servo.currentLimitUnits == 855)  // 2.3 A / 2.69 mA
        #expect(abs(servo.amps(servo.currentUnits(0.5)) - 0.5) < 0.003)
    }
}
