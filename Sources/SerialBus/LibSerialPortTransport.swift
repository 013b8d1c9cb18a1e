import CLibSerialPort
import Foundation

/// Every libserialport call Vigil makes, behind one seam: tests replace entries to force a
/// missing port, a busy port, OS errors and timeouts without hardware.
struct LibSerialPortCalls: @unchecked Sendable {
    var getPortByName: (String, UnsafeMutablePointer<OpaquePointer?>) -> sp_return
    var open: (OpaquePointer, sp_mode) -> sp_return
    var setBaudrate: (OpaquePointer, Int32) -> sp_return
    var set8N1NoFlowControl: (OpaquePointer) -> sp_return
    var readNext: (OpaquePointer, UnsafeMutableRawPointer?, Int, UInt32) -> sp_return
    var write: (OpaquePointer, UnsafeRawPointer?, Int, UInt32) -> sp_return
    var flushInput: (OpaquePointer) -> sp_return
    var drain: (OpaquePointer) -> sp_return
    var close: (OpaquePointer) -> sp_return
    var freePort: (OpaquePointer) -> Void
    var listPorts: (UnsafeMutablePointer<UnsafeMutablePointer<OpaquePointer?>?>) -> sp_return
    var freePortList: (UnsafeMutablePointer<OpaquePointer?>) -> Void
    var lastErrorCode: () -> Int32
    var lastErrorMessage: () -> String
    /// flock(LOCK_EX | LOCK_NB) on the port's descriptor: 0, or the errno.
    var lockExclusive: (OpaquePointer) -> Int32

    static let live = LibSerialPortCalls(
        getPortByName: { name, out in sp_get_port_by_name(name, out) },
        open: { sp_open($0, $1) },
        setBaudrate: { sp_set_baudrate($0, $1) },
        set8N1NoFlowControl: { port in
            for r in [sp_set_bits(port, 8), sp_set_parity(port, SP_PARITY_NONE), sp_set_stopbits(port, 1), sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE)]
            where r != SP_OK { return r }
            return SP_OK
        },
        readNext: { sp_blocking_read_next($0, $1, $2, $3) },
        write: { sp_blocking_write($0, $1, $2, $3) },
        flushInput: { sp_flush($0, SP_BUF_INPUT) },
        drain: { sp_drain($0) },
        close: { sp_close($0) },
        freePort: { sp_free_port($0) },
        listPorts: { sp_list_ports($0) },
        freePortList: { sp_free_port_list($0) },
        lastErrorCode: { sp_last_error_code() },
        lastErrorMessage: {
            guard let m = sp_last_error_message() else { return "unknown error" }
            defer { sp_free_error_message(m) }
            return String(cString: m)
        },
        lockExclusive: { port in
            var fd: Int32 = -1
            guard withUnsafeMutablePointer(to: &fd, { sp_get_port_handle(port, $0) }) == SP_OK, fd >= 0 else { return EBADF }
            return flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno
        }
    )
}

/// A real serial port (USB-RS485 adapters, /dev/ttyUSB*, /dev/ttyACM*) through libserialport:
/// 8N1, no flow control. Return codes become ``SerialError``s naming the port and the OS error.
public final class LibSerialPortTransport: SerialTransport, @unchecked Sendable {
    public let path: String
    var port: OpaquePointer?
    let calls: LibSerialPortCalls

    public convenience init(path: String, baud: Int) throws(SerialError) {
        try self.init(path: path, baud: baud, calls: .live)
    }

    init(path: String, baud: Int, calls: LibSerialPortCalls) throws(SerialError) {
        self.path = path
        self.calls = calls
        var p: OpaquePointer?
        let found = calls.getPortByName(path, &p)
        guard found == SP_OK, let p else {
            if FileManager.default.fileExists(atPath: path) {
                throw SerialError(
                    .unsupported, port: path,
                    "exists, but is not a serial port libserialport can open (a file, a folder, or another kind of device; a pseudo-terminal needs --transport posix; see 'vigil hw ports')")
            }
            throw error(found, "no serial port by that name (see 'vigil hw ports'; a pseudo-terminal needs --transport posix)", notFound: true)
        }
        let opened = calls.open(p, SP_MODE_READ_WRITE)
        guard opened == SP_OK else {
            let e = error(opened, "cannot open")
            calls.freePort(p)
            throw e
        }
        port = p
        let locked = calls.lockExclusive(p)
        guard locked == 0 else {
            close()
            throw SerialError.held(path, osError: locked)
        }
        for (r, what) in [(calls.setBaudrate(p, Int32(baud)), "cannot set \(baud) baud"), (calls.set8N1NoFlowControl(p), "cannot set 8N1 without flow control")]
        where r != SP_OK {
            let e = error(r, what)
            close()
            throw e
        }
    }

    deinit { close() }

    /// Turns a libserialport result into an error, reading the OS error for SP_ERR_FAIL.
    func error(_ r: sp_return, _ what: String, notFound: Bool = false) -> SerialError {
        switch r {
        case SP_ERR_ARG:
            return SerialError(notFound ? .notFound : .invalidArgument, port: path, what)
        case SP_ERR_FAIL:
            let code = calls.lastErrorCode()
            let message = calls.lastErrorMessage()
            let kind: SerialError.Code =
                code == ENOENT ? .notFound : code == EBUSY ? .busy : code == EACCES || code == EPERM ? .permission : .io
            let hint = kind == .permission ? " (add yourself to the dialout group, see docs/hardware-bench.md)" : ""
            return SerialError(kind, port: path, "\(what): \(message)\(hint)", osError: code)
        case SP_ERR_MEM:
            return SerialError(.io, port: path, "\(what): out of memory")
        case SP_ERR_SUPP:
            return SerialError(.unsupported, port: path, "\(what): not supported on this port")
        default:
            return SerialError(.io, port: path, "\(what): libserialport returned \(r.rawValue)")
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(SerialError) {
        guard let port else { throw SerialError(.closed, port: path, "write after close") }
        let r = calls.write(port, bytes.baseAddress, bytes.count, 100)
        if r.rawValue < 0 { throw error(r, "write failed") }
        if Int(r.rawValue) < bytes.count { throw SerialError(.io, port: path, "write timed out after \(r.rawValue) of \(bytes.count) bytes") }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMicroseconds: Int) throws(SerialError) -> Int {
        guard let port else { throw SerialError(.closed, port: path, "read after close") }
        let ms = UInt32(max(1, (timeoutMicroseconds + 999) / 1000))
        let r = calls.readNext(port, buffer.baseAddress, buffer.count, ms)
        if r.rawValue < 0 { throw error(r, "read failed") }
        return Int(r.rawValue)
    }

    public func flushInput() throws(SerialError) {
        guard let port else { return }
        let r = calls.flushInput(port)
        if r != SP_OK { throw error(r, "flush failed") }
    }

    public func drain() throws(SerialError) {
        guard let port else { return }
        let r = calls.drain(port)
        if r != SP_OK { throw error(r, "drain failed") }
    }

    public func close() {
        guard let p = port else { return }
        _ = calls.close(p)
        calls.freePort(p)
        port = nil
    }
}

/// A serial port the system knows of.
public struct SerialPortInfo: Sendable, Equatable {
    public var path: String
    public var description: String
    public var transport: String
    /// USB vendor and product ids, for USB adapters.
    public var usbVendor: Int?
    public var usbProduct: Int?
}

public enum SerialPorts {
    /// The ports libserialport enumerates.
    public static func list() throws(SerialError) -> [SerialPortInfo] { try list(calls: .live) }

    static func list(calls: LibSerialPortCalls) throws(SerialError) -> [SerialPortInfo] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let r = calls.listPorts(&list)
        guard r == SP_OK, let list else {
            throw SerialError(.io, port: "(enumeration)", "cannot list serial ports: \(calls.lastErrorMessage())")
        }
        defer { calls.freePortList(list) }
        var result: [SerialPortInfo] = []
        var i = 0
        while let port = list[i] {
            let name = sp_get_port_name(port).map { String(cString: $0) } ?? "?"
            let description = sp_get_port_description(port).map { String(cString: $0) } ?? ""
            let kind = sp_get_port_transport(port)
            var info = SerialPortInfo(
                path: name, description: description,
                transport: kind == SP_TRANSPORT_USB ? "usb" : kind == SP_TRANSPORT_BLUETOOTH ? "bluetooth" : "native")
            if kind == SP_TRANSPORT_USB {
                var vid: Int32 = 0, pid: Int32 = 0
                if sp_get_port_usb_vid_pid(port, &vid, &pid) == SP_OK {
                    info.usbVendor = Int(vid)
                    info.usbProduct = Int(pid)
                }
            }
            result.append(info)
            i += 1
        }
        return result.sorted { $0.path < $1.path }
    }
}

/// Which transport to use for a path.
public enum TransportKind: String, Sendable, CaseIterable {
    /// A pseudo-terminal (/dev/pts/*, or a link to one) uses POSIX calls; anything else libserialport.
    case auto
    case libserialport
    case posix

    public func open(path: String, baud: Int) throws(SerialError) -> any SerialTransport {
        switch resolved(path) {
        case .posix: return try POSIXTransport(path: path, baud: baud)
        default: return try LibSerialPortTransport(path: path, baud: baud)
        }
    }

    func resolved(_ path: String) -> TransportKind {
        guard self == .auto else { return self }
        let real = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { link in
            link.hasPrefix("/") ? link : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(link)
        } ?? path
        return real.hasPrefix("/dev/pts/") || path.hasPrefix("/dev/pts/") ? .posix : .libserialport
    }
}
