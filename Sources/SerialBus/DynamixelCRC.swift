/// CRC-16 of DYNAMIXEL Protocol 2.0: polynomial 0x8005, initial value 0, not reflected, no
/// final XOR (check value of "123456789" is 0xFEE8). Computed over every byte from the first
/// 0xFF up to the last parameter, after byte stuffing; sent low byte first.
public enum DynamixelCRC {
    static let table: [UInt16] = (0..<256).map { i -> UInt16 in
        var crc = UInt16(i) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x8005 : crc << 1 }
        return crc
    }

    /// Continues `crc` over `bytes`.
    @inline(__always)
    public static func update(_ crc: UInt16, _ byte: UInt8) -> UInt16 {
        (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
    }

    public static func checksum(_ bytes: some Sequence<UInt8>, initial: UInt16 = 0) -> UInt16 {
        var crc = initial
        for b in bytes { crc = update(crc, b) }
        return crc
    }
}
