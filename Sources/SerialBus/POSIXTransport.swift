#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The POSIX calls the pty transport and the emulator make, behind one seam: tests replace
/// them to force errors, short reads and timeouts without hardware (swift-system's habit).
public struct POSIXCalls: Sendable {
    public var open: @Sendable (String, Int32) -> Int32
    public var read: @Sendable (Int32, UnsafeMutableRawPointer?, Int) -> Int
    public var write: @Sendable (Int32, UnsafeRawPointer?, Int) -> Int
    public var poll: @Sendable (Int32, Int16, Int32) -> Int32
    public var close: @Sendable (Int32) -> Int32
    public var errno: @Sendable () -> Int32

    public static let live = POSIXCalls(
        open: { path, flags in Glibc.open(path, flags) },
        read: { fd, buffer, count in Glibc.read(fd, buffer, count) },
        write: { fd, buffer, count in Glibc.write(fd, buffer, count) },
        poll: { fd, events, timeout in
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = Glibc.poll(&p, 1, timeout)
            return r > 0 && (p.revents & events) == 0 && (p.revents & Int16(POLLHUP | POLLERR)) != 0 ? -2 : r
        },
        close: { fd in Glibc.close(fd) },
        errno: { Glibc.errno }
    )
}

/// Sets a terminal to raw 8N1 with no flow control (and the given baud, where it matters).
func makeRaw(_ fd: Int32, baud: Int?) -> Bool {
    var t = termios()
    guard tcgetattr(fd, &t) == 0 else { return false }
    cfmakeraw(&t)
    t.c_cflag |= tcflag_t(CLOCAL | CREAD)
    t.c_cflag &= ~(tcflag_t(CRTSCTS) | tcflag_t(CSTOPB) | tcflag_t(PARENB))
    if let baud, let speed = speedConstant(baud) {
        cfsetispeed(&t, speed)
        cfsetospeed(&t, speed)
    }
    return tcsetattr(fd, TCSANOW, &t) == 0
}

/// Whether `fd` is the far end of a pseudo-terminal (Unix98 ptys: character devices with major
/// numbers 136–143 on Linux).
func isPseudoTerminal(_ fd: Int32) -> Bool {
    var s = stat()
    guard fstat(fd, &s) == 0, (s.st_mode & S_IFMT) == S_IFCHR else { return false }
    let major = (UInt64(s.st_rdev) >> 8) & 0xFFF
    return (136...143).contains(major)
}

func speedConstant(_ baud: Int) -> speed_t? {
    switch baud {
    case 9_600: return speed_t(B9600)
    case 57_600: return speed_t(B57600)
    case 115_200: return speed_t(B115200)
    case 1_000_000: return speed_t(B1000000)
    case 2_000_000: return speed_t(B2000000)
    case 3_000_000: return speed_t(B3000000)
    case 4_000_000: return speed_t(B4000000)
    default: return nil
    }
}

/// A serial transport on a file descriptor through POSIX calls: used for pseudo-terminals
/// (which libserialport cannot open) and by the emulator on the pty's master side.
public final class POSIXTransport: SerialTransport, @unchecked Sendable {
    public let path: String
    var fd: Int32
    let calls: POSIXCalls

    /// Opens `path` (a pty such as /dev/pts/3) raw, 8N1, non-blocking.
    public init(path: String, baud: Int? = nil, calls: POSIXCalls = .live) throws(SerialError) {
        self.path = path
        self.calls = calls
        let fd = calls.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else {
            let e = calls.errno()
            throw SerialError(e == ENOENT ? .notFound : e == EACCES ? .permission : e == EBUSY ? .busy : .io, port: path, "cannot open: \(String(cString: strerror(e)))", osError: e)
        }
        self.fd = fd
        // (On a throw from here on, deinit closes the descriptor.)
        // Only a terminal: writing packets into a regular file would overwrite it.
        guard isatty(fd) == 1 else {
            throw SerialError(.invalidArgument, port: path, "is not a serial port or terminal; refusing to write packets into it")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw SerialError.held(path, osError: Glibc.errno) }
        // A pty has no line speed; a real port must get the one asked for, not keep its old one.
        if let baud, speedConstant(baud) == nil, !isPseudoTerminal(fd) {
            throw SerialError(.unsupported, port: path, "the POSIX transport cannot set \(baud) baud on a serial port; use --transport libserialport")
        }
        guard makeRaw(fd, baud: baud) else {
            let e = Glibc.errno
            throw SerialError(.io, port: path, "cannot set raw 8N1 mode: \(String(cString: strerror(e)))", osError: e)
        }
    }

    /// Wraps an already open descriptor (the emulator's pty master).
    public init(fileDescriptor: Int32, path: String, calls: POSIXCalls = .live) {
        self.fd = fileDescriptor
        self.path = path
        self.calls = calls
    }

    deinit { close() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(SerialError) {
        var offset = 0
        var waits = 0
        while offset < bytes.count {
            guard fd >= 0 else { throw SerialError(.closed, port: path, "write after close") }
            let n = calls.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 {
                offset += n
                continue
            }
            let e = calls.errno()
            if n < 0 && e == EINTR { continue }
            if n < 0 && (e == EAGAIN || e == EWOULDBLOCK) {
                // The other end is not reading: give up after about 200 ms rather than hang.
                waits += 1
                guard waits <= 20 else { throw SerialError(.io, port: path, "write timed out: the other end is not reading") }
                _ = calls.poll(fd, Int16(POLLOUT), 10)
                continue
            }
            throw SerialError(.io, port: path, "write failed: \(String(cString: strerror(e)))", osError: e)
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMicroseconds: Int) throws(SerialError) -> Int {
        guard fd >= 0 else { throw SerialError(.closed, port: path, "read after close") }
        var timeout = Int32(max(0, (timeoutMicroseconds + 999) / 1000))
        while true {
            let ready = calls.poll(fd, Int16(POLLIN), timeout)
            if ready == 0 { return 0 }
            if ready == -2 { throw SerialError(.io, port: path, "the other end hung up") }
            if ready < 0 {
                if calls.errno() == EINTR { continue }
                let e = calls.errno()
                throw SerialError(.io, port: path, "poll failed: \(String(cString: strerror(e)))", osError: e)
            }
            let n = calls.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { return n }
            let e = calls.errno()
            if n < 0 && (e == EINTR || e == EAGAIN || e == EWOULDBLOCK) {
                timeout = 0
                continue
            }
            if n == 0 || e == EIO { throw SerialError(.io, port: path, "the other end hung up", osError: n == 0 ? nil : e) }
            throw SerialError(.io, port: path, "read failed: \(String(cString: strerror(e)))", osError: e)
        }
    }

    public func flushInput() throws(SerialError) {
        guard fd >= 0 else { return }
        _ = tcflush(fd, TCIFLUSH)
    }

    public func drain() throws(SerialError) {
        guard fd >= 0 else { return }
        _ = tcdrain(fd)
    }

    public func close() {
        if fd >= 0 {
            _ = calls.close(fd)
            fd = -1
        }
    }
}

/// A pseudo-terminal pair: the master side for the emulator, the slave path for clients.
public final class PseudoTerminal: @unchecked Sendable {
    public let master: Int32
    public let slavePath: String
    /// Kept open so the master does not see EIO while no client is connected.
    let slaveHold: Int32

    public init() throws(SerialError) {
        // posix_openpt, grantpt, unlockpt and ptsname_r are in libc but hidden from Swift's
        // Glibc module (they need _XOPEN_SOURCE); look them up by name.
        typealias OpenPT = @convention(c) (Int32) -> Int32
        typealias FDCall = @convention(c) (Int32) -> Int32
        typealias NameCall = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32
        func symbol<T>(_ name: String, _: T.Type) -> T? {
            dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: T.self) }
        }
        guard let openpt = symbol("posix_openpt", OpenPT.self), let grant = symbol("grantpt", FDCall.self),
            let unlock = symbol("unlockpt", FDCall.self), let ptsnameR = symbol("ptsname_r", NameCall.self)
        else {
            throw SerialError(.unsupported, port: "/dev/ptmx", "this C library has no pseudo-terminal calls")
        }
        let m = openpt(O_RDWR | O_NOCTTY)
        var name = [CChar](repeating: 0, count: 128)
        guard m >= 0, grant(m) == 0, unlock(m) == 0, ptsnameR(m, &name, name.count) == 0 else {
            let e = errno
            if m >= 0 { Glibc.close(m) }
            throw SerialError(.io, port: "/dev/ptmx", "cannot create a pseudo-terminal: \(String(cString: strerror(e)))", osError: e)
        }
        master = m
        slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        slaveHold = Glibc.open(slavePath, O_RDWR | O_NOCTTY | O_NONBLOCK)
        _ = makeRaw(slaveHold, baud: nil)
        _ = makeRaw(master, baud: nil)
        let flags = fcntl(master, F_GETFL)
        _ = fcntl(master, F_SETFL, flags | O_NONBLOCK)
    }

    deinit {
        Glibc.close(slaveHold)
        Glibc.close(master)
    }
}
