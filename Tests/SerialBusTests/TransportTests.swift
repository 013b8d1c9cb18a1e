import CLibSerialPort
import Foundation
@testable import SerialBus
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct TransportTests {
    @Test func pseudoTerminalCarriesPacketsBothWays() throws {
        let pty = try PseudoTerminal()
        #expect(pty.slavePath.hasPrefix("/dev/pts/"))
        let board = POSIXTransport(fileDescriptor: dup(pty.master), path: "master")
        let host = try POSIXTransport(path: pty.slavePath, baud: 1_000_000)
        var e = PacketEncoder()
        e.ping(id: 7)
        try host.write(e.bytes)
        var buffer = [UInt8](repeating: 0, count: 64)
        var parser = PacketParser()
        var packet = Packet()
        var got = false
        for _ in 0..<20 where !got {
            let n = try buffer.withUnsafeMutableBytes { try board.read(into: $0, timeoutMicroseconds: 50_000) }
            parser.feed(buffer[0..<n])
            got = parser.next(into: &packet)
        }
        #expect(got && packet.id == 7 && packet.instruction == Dynamixel.Instruction.ping.rawValue)
        e.status(id: 7, error: 0, parameters: [0xFC, 0x03, 52])
        try board.write(e.bytes)
        got = false
        for _ in 0..<20 where !got {
            let n = try buffer.withUnsafeMutableBytes { try host.read(into: $0, timeoutMicroseconds: 50_000) }
            parser.feed(buffer[0..<n])
            got = parser.next(into: &packet)
        }
        #expect(got && packet.isStatus && packet.u16(at: 1) == 1020)
    }

    /// A regular file is not a port: packets written into it would overwrite it.
    @Test func aRegularFileIsRefusedAndLeftAlone() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-notaport-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("IMPORTANT DATA\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try POSIXTransport(path: path)
            Issue.record("opened a regular file as a port")
        } catch {
            #expect(error.code == .invalidArgument && error.description.contains("is not a serial port or terminal"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("IMPORTANT DATA\n".utf8))
    }

    /// A pty has no line speed, so any rate opens it; a real port would refuse a rate the POSIX
    /// transport cannot set (4.5 Mbaud has no termios constant).
    @Test func aPseudoTerminalOpensAtAnyRateAndIsKnownAsOne() throws {
        let pty = try PseudoTerminal()
        let host = try POSIXTransport(path: pty.slavePath, baud: 4_500_000)
        #expect(isPseudoTerminal(host.fd))
        let null = open("/dev/null", O_RDWR)
        defer { Glibc.close(null) }
        #expect(!isPseudoTerminal(null), "a character device that is not a pty")
        #expect(speedConstant(4_500_000) == nil && speedConstant(1_000_000) != nil)
    }

    /// One program on a bus at a time: a second open of the same port is refused while the
    /// first holds it, and succeeds once it is closed.
    @Test func aSecondOpenOfAHeldPortIsRefused() throws {
        let pty = try PseudoTerminal()
        var first: POSIXTransport? = try POSIXTransport(path: pty.slavePath)
        do {
            _ = try POSIXTransport(path: pty.slavePath)
            Issue.record("a second open of a held port succeeded")
        } catch {
            #expect(error.code == .busy && error.description.contains("another program has the port open"))
        }
        first?.close()
        first = nil
        #expect(throws: Never.self) { _ = try POSIXTransport(path: pty.slavePath) }
    }

    @Test func aReadTimesOutWithZeroBytes() throws {
        let pty = try PseudoTerminal()
        let host = try POSIXTransport(path: pty.slavePath)
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = try buffer.withUnsafeMutableBytes { try host.read(into: $0, timeoutMicroseconds: 2_000) }
        #expect(n == 0)
    }

    @Test func posixErrorsNameThePortAndTheOSError() {
        #expect(throws: SerialError.self) { try POSIXTransport(path: "/dev/pts/999999") }
        do {
            _ = try POSIXTransport(path: "/dev/pts/999999")
        } catch {
            #expect(error.code == .notFound && error.port == "/dev/pts/999999" && error.osError == ENOENT)
            #expect(error.description.contains("/dev/pts/999999: no such port"))
        }
    }

    @Test func interruptedAndShortWritesAreRetried() throws {
        // A write that first fails with EINTR, then writes 3 bytes at a time.
        final class Counter: @unchecked Sendable { var calls = 0; var written: [UInt8] = [] }
        let counter = Counter()
        var calls = POSIXCalls.live
        calls.write = { _, buffer, count in
            counter.calls += 1
            if counter.calls == 1 { errno = EINTR; return -1 }
            let n = min(3, count)
            counter.written += UnsafeRawBufferPointer(start: buffer, count: n).map { $0 }
            return n
        }
        calls.close = { _ in 0 }
        let transport = POSIXTransport(fileDescriptor: 99, path: "fake", calls: calls)
        try transport.write([1, 2, 3, 4, 5, 6, 7, 8])
        #expect(counter.written == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(counter.calls == 4)
    }

    @Test func aHangUpIsAnIOError() throws {
        var calls = POSIXCalls.live
        calls.poll = { _, _, _ in 1 }
        calls.read = { _, _, _ in 0 }
        calls.close = { _ in 0 }
        let transport = POSIXTransport(fileDescriptor: 99, path: "fake", calls: calls)
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(throws: SerialError.self) { _ = try buffer.withUnsafeMutableBytes { try transport.read(into: $0, timeoutMicroseconds: 1000) } }
    }

    @Test func autoChoosesPOSIXForPseudoTerminals() throws {
        let pty = try PseudoTerminal()
        #expect(TransportKind.auto.resolved(pty.slavePath) == .posix)
        let link = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-link-\(UUID().uuidString)").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: pty.slavePath)
        defer { try? FileManager.default.removeItem(atPath: link) }
        #expect(TransportKind.auto.resolved(link) == .posix)
        #expect(TransportKind.auto.resolved("/dev/ttyUSB0") == .libserialport)
    }
}

/// libserialport's own path: enumeration, and clear errors for a missing or a busy port.
@Suite struct LibSerialPortTests {
    @Test func enumerationWorks() throws {
        let ports = try SerialPorts.list()
        #expect(ports.allSatisfy { !$0.path.isEmpty })
        #expect(ports == ports.sorted { $0.path < $1.path })
    }

    @Test func aMissingPortIsAClearError() {
        do {
            _ = try LibSerialPortTransport(path: "/dev/ttyUSB-vigil-missing", baud: 1_000_000)
            Issue.record("opened a port that does not exist")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.description.contains("/dev/ttyUSB-vigil-missing: no such port"))
        }
    }

    /// libserialport cannot open a pseudo-terminal (REFERENCE.md §6): the error says so and
    /// points at the POSIX transport.
    @Test func aPseudoTerminalIsRefusedWithAHint() throws {
        let pty = try PseudoTerminal()
        do {
            _ = try LibSerialPortTransport(path: pty.slavePath, baud: 1_000_000)
            Issue.record("libserialport opened a pty")
        } catch {
            #expect(error.description.contains("--transport posix") || error.code == .io || error.code == .unsupported)
        }
    }

    /// Opens /dev/ttyUSB0 through libserialport calls whose open fails with `errno`; the error
    /// it throws (recording an issue if it opens).
    /// A port another program holds (its flock is taken) is refused as busy, before any setting
    /// is changed, and closed again.
    @Test func aPortAnotherProgramHoldsIsBusy() {
        final class Calls: @unchecked Sendable { var closed = 0; var freed = 0; var baudSet = false }
        let seen = Calls()
        var calls = LibSerialPortCalls.live
        calls.getPortByName = { _, out in
            out.pointee = OpaquePointer(bitPattern: 0x1)
            return SP_OK
        }
        calls.open = { _, _ in SP_OK }
        calls.lockExclusive = { _ in EWOULDBLOCK }
        calls.setBaudrate = { _, _ in
            seen.baudSet = true
            return SP_OK
        }
        calls.close = { _ in
            seen.closed += 1
            return SP_OK
        }
        calls.freePort = { _ in seen.freed += 1 }
        do {
            _ = try LibSerialPortTransport(path: "/dev/ttyUSB0", baud: 1_000_000, calls: calls)
            Issue.record("opened a port another program holds")
        } catch {
            #expect(error.code == .busy && error.osError == EWOULDBLOCK)
            #expect(error.description.contains("another program has the port open"))
        }
        #expect(!seen.baudSet, "nothing is set on a port that is not ours")
        #expect(seen.closed == 1 && seen.freed == 1)
    }

    func openFailing(errno code: Int32, message: String) -> SerialError? {
        var calls = LibSerialPortCalls.live
        calls.getPortByName = { _, out in
            out.pointee = OpaquePointer(bitPattern: 0x1)
            return SP_OK
        }
        calls.open = { _, _ in SP_ERR_FAIL }
        calls.lastErrorCode = { code }
        calls.lastErrorMessage = { message }
        calls.freePort = { _ in }
        do {
            _ = try LibSerialPortTransport(path: "/dev/ttyUSB0", baud: 4_500_000, calls: calls)
            Issue.record("opened a port whose open failed with errno \(code)")
            return nil
        } catch {
            return error
        }
    }

    @Test func aBusyPortNamesTheOSError() {
        let error = openFailing(errno: EBUSY, message: "Device or resource busy")
        #expect(error?.code == .busy && error?.osError == EBUSY)
        #expect(error?.description == "/dev/ttyUSB0: port busy: cannot open: Device or resource busy (errno 16)")
    }

    @Test func aPermissionErrorPointsAtTheBenchGuide() {
        let error = openFailing(errno: EACCES, message: "Permission denied")
        #expect(error?.code == .permission && error?.description.contains("dialout") == true)
    }
}
