/// One decoded packet, in storage reused from packet to packet.
public struct Packet: Sendable {
    public var id: UInt8 = 0
    public var instruction: UInt8 = 0
    /// Instruction parameters, unstuffed; for a status packet the error byte is `parameters[0]`.
    public private(set) var parameters: [UInt8]
    public private(set) var parameterCount = 0

    public init(capacity: Int = 1024) {
        parameters = Array(repeating: 0, count: capacity)
    }

    mutating func reset() { parameterCount = 0 }

    mutating func append(_ b: UInt8) {
        parameters[parameterCount] = b
        parameterCount += 1
    }

    public subscript(i: Int) -> UInt8 {
        precondition(i < parameterCount)
        return parameters[i]
    }

    public var isStatus: Bool { instruction == Dynamixel.Instruction.status.rawValue }
    /// The status error byte (status packets only).
    public var error: Dynamixel.StatusError { Dynamixel.StatusError(rawValue: parameterCount > 0 ? parameters[0] : 0) }

    /// Little-endian reads from the parameters (for a status packet, skip the error byte: `from: 1`).
    public func u16(at i: Int) -> UInt16 { UInt16(self[i]) | UInt16(self[i + 1]) << 8 }
    public func u32(at i: Int) -> UInt32 { UInt32(u16(at: i)) | UInt32(u16(at: i + 2)) << 16 }

    /// The parameters as an array (allocates; for tests and tools).
    public var parameterBytes: [UInt8] { Array(parameters[0..<parameterCount]) }
}

/// A streaming DYNAMIXEL 2.0 parser over a preallocated buffer. Feed it whatever the port
/// delivers; it finds headers, waits for whole packets, checks their CRC over the bytes as
/// received, and unstuffs them. Garbage is skipped and a bad frame is dropped — both counted —
/// and parsing resumes at the next header, so one corrupt byte never loses the packets after it.
public struct PacketParser: Sendable {
    var buffer: [UInt8]
    var start = 0
    var end = 0
    /// Frames whose CRC did not match.
    public private(set) var crcErrors = 0
    /// Headers followed by an impossible length.
    public private(set) var lengthErrors = 0
    /// Bytes skipped while looking for a header.
    public private(set) var skippedBytes = 0
    /// Whole, valid packets returned.
    public private(set) var packets = 0

    /// The longest packet (header to CRC) accepted; a longer LEN is a corrupt header.
    public let maxPacketLength: Int

    public init(capacity: Int = 4096, maxPacketLength: Int = 1024) {
        buffer = Array(repeating: 0, count: capacity)
        self.maxPacketLength = min(maxPacketLength, capacity)
    }

    /// Called when no more bytes will come for now (the bus cycle's timeout): a header whose
    /// packet never completed is taken for corrupt, and parsing resumes after it, so the
    /// packets behind a corrupted length are not lost. Returns false when nothing is buffered.
    public mutating func resynchronize() -> Bool {
        guard end > start else { return false }
        lengthErrors += 1
        start += 1
        skippedBytes += 1
        return true
    }

    /// Bytes waiting for a complete packet.
    public var buffered: Int { end - start }

    /// Forgets buffered bytes (e.g. after a timeout), counting them as skipped.
    public mutating func discard() {
        skippedBytes += end - start
        start = 0
        end = 0
    }

    /// Appends received bytes. If the buffer is full the oldest bytes are discarded (counted).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        for b in bytes { feed(byte: b) }
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        for b in bytes { feed(byte: b) }
    }

    @inline(__always)
    mutating func feed(byte b: UInt8) {
        if end == buffer.count { compact() }
        if end == buffer.count {
            // Still full: a packet can never fit; drop the oldest byte.
            start += 1
            skippedBytes += 1
            compact()
        }
        buffer[end] = b
        end += 1
    }

    mutating func compact() {
        guard start > 0 else { return }
        let n = end - start
        for i in 0..<n { buffer[i] = buffer[start + i] }
        start = 0
        end = n
    }

    /// Decodes the next complete, valid packet into `packet`; false when more bytes are needed.
    public mutating func next(into packet: inout Packet) -> Bool {
        while true {
            // Find a header.
            while end - start >= 4 {
                if buffer[start] == 0xFF && buffer[start + 1] == 0xFF && buffer[start + 2] == 0xFD && buffer[start + 3] == 0x00 {
                    break
                }
                start += 1
                skippedBytes += 1
            }
            guard end - start >= 7 else { return false }
            let length = Int(buffer[start + 5]) | Int(buffer[start + 6]) << 8
            let total = 7 + length
            guard length >= 3, total <= maxPacketLength, length - 2 <= packet.parameters.count + 1 else {
                lengthErrors += 1
                start += 1
                skippedBytes += 1
                continue
            }
            guard end - start >= total else { return false }
            var crc: UInt16 = 0
            for i in start..<(start + total - 2) { crc = DynamixelCRC.update(crc, buffer[i]) }
            let received = UInt16(buffer[start + total - 2]) | UInt16(buffer[start + total - 1]) << 8
            guard crc == received else {
                crcErrors += 1
                start += 1
                skippedBytes += 1
                continue
            }
            // Unstuff: after FF FF FD, a following FD is a stuffing byte. An unstuffed FF FF FD
            // (as ROBOTIS' Python SDK sends) is kept: the length is already known.
            packet.reset()
            packet.id = buffer[start + 4]
            packet.instruction = buffer[start + 7]
            var w0: UInt8 = 0, w1: UInt8 = 0, w2: UInt8 = 0
            w2 = packet.instruction
            var i = start + 8
            let last = start + total - 2
            while i < last {
                let b = buffer[i]
                if w0 == 0xFF && w1 == 0xFF && w2 == 0xFD && b == 0xFD {
                    w0 = 0
                    w1 = 0
                    w2 = 0
                    i += 1
                    continue
                }
                packet.append(b)
                (w0, w1, w2) = (w1, w2, b)
                i += 1
            }
            start += total
            if start == end {
                start = 0
                end = 0
            }
            packets += 1
            return true
        }
    }
}
