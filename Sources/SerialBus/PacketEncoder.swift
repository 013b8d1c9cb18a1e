/// Builds instruction and status packets into a preallocated buffer: no allocation per packet.
/// Parameters are byte-stuffed (after every `FF FF FD` an extra `FD`), LEN counts the stuffed
/// bytes, and the CRC covers the stuffed packet.
public struct PacketEncoder: Sendable {
    /// The encoded packet is `buffer[0..<count]`.
    public private(set) var buffer: [UInt8]
    public private(set) var count = 0
    var lengthIndex = 0
    var payloadStart = 0
    /// The last three bytes written to the payload, for stuffing.
    var window: (UInt8, UInt8, UInt8) = (0, 0, 0)

    public init(capacity: Int = 1024) {
        buffer = Array(repeating: 0, count: capacity)
    }

    /// The packet as bytes (allocates; for tests and tools).
    public var bytes: [UInt8] { Array(buffer[0..<count]) }

    mutating func raw(_ b: UInt8) {
        precondition(count < buffer.count, "packet larger than the encoder's buffer")
        buffer[count] = b
        count += 1
    }

    /// Starts a packet for `id` with `instruction`.
    public mutating func begin(id: UInt8, instruction: Dynamixel.Instruction) {
        count = 0
        raw(0xFF)
        raw(0xFF)
        raw(0xFD)
        raw(0x00)
        raw(id)
        lengthIndex = count
        raw(0)  // LEN_L, patched in finish()
        raw(0)  // LEN_H
        payloadStart = count
        window = (0, 0, 0)
        payload(instruction.rawValue)
    }

    /// Appends one byte of instruction or parameters, stuffing after `FF FF FD`.
    public mutating func payload(_ b: UInt8) {
        precondition(count < buffer.count, "packet larger than the encoder's buffer")
        buffer[count] = b
        count += 1
        window = (window.1, window.2, b)
        if window == (0xFF, 0xFF, 0xFD) {
            precondition(count < buffer.count, "packet larger than the encoder's buffer")
            buffer[count] = 0xFD
            count += 1
            window = (0, 0, 0)
        }
    }

    public mutating func u16(_ v: UInt16) {
        payload(UInt8(truncatingIfNeeded: v))
        payload(UInt8(truncatingIfNeeded: v >> 8))
    }

    public mutating func u32(_ v: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { payload(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

    /// Patches LEN and appends the CRC.
    public mutating func finish() {
        let length = count - payloadStart + 2
        buffer[lengthIndex] = UInt8(truncatingIfNeeded: length)
        buffer[lengthIndex + 1] = UInt8(truncatingIfNeeded: length >> 8)
        var c: UInt16 = 0
        for i in 0..<count { c = DynamixelCRC.update(c, buffer[i]) }
        precondition(count + 2 <= buffer.count, "packet larger than the encoder's buffer")
        buffer[count] = UInt8(truncatingIfNeeded: c)
        buffer[count + 1] = UInt8(truncatingIfNeeded: c >> 8)
        count += 2
    }

    // MARK: Instruction packets

    public mutating func ping(id: UInt8) {
        begin(id: id, instruction: .ping)
        finish()
    }

    public mutating func read(id: UInt8, address: UInt16, length: UInt16) {
        begin(id: id, instruction: .read)
        u16(address)
        u16(length)
        finish()
    }

    /// WRITE of `data` (little-endian bytes) at `address`.
    public mutating func write(id: UInt8, address: UInt16, data: some Collection<UInt8>) {
        begin(id: id, instruction: .write)
        u16(address)
        for b in data { payload(b) }
        finish()
    }

    public mutating func reboot(id: UInt8) {
        begin(id: id, instruction: .reboot)
        finish()
    }

    /// SYNC READ of `length` bytes at `address` from `ids` (or FAST SYNC READ).
    public mutating func syncRead(ids: some Collection<UInt8>, address: UInt16, length: UInt16, fast: Bool = false) {
        begin(id: Dynamixel.broadcastID, instruction: fast ? .fastSyncRead : .syncRead)
        u16(address)
        u16(length)
        for id in ids { payload(id) }
        finish()
    }

    /// SYNC WRITE of one 4-byte value per id at `address`. Arrays, not any collection: a generic
    /// called from another module (`vigil bench`) is not specialised, and looked up type
    /// metadata on every call, so the bench timed a slower encoder than the tick's.
    public mutating func syncWrite32(address: UInt16, ids: [UInt8], values: [UInt32]) {
        precondition(ids.count == values.count)
        begin(id: Dynamixel.broadcastID, instruction: .syncWrite)
        u16(address)
        u16(4)
        for i in ids.indices {
            payload(ids[i])
            u32(values[i])
        }
        finish()
    }

    /// BULK READ: per servo its own address and length.
    public mutating func bulkRead(_ items: some Collection<(id: UInt8, address: UInt16, length: UInt16)>) {
        begin(id: Dynamixel.broadcastID, instruction: .bulkRead)
        for item in items {
            payload(item.id)
            u16(item.address)
            u16(item.length)
        }
        finish()
    }

    /// A status packet (what a servo answers).
    public mutating func status(id: UInt8, error: UInt8, parameters: some Collection<UInt8>) {
        begin(id: id, instruction: .status)
        payload(error)
        for b in parameters { payload(b) }
        finish()
    }
}
