/// A byte pipe to the servo bus: a real port through libserialport, or a pseudo-terminal
/// through POSIX calls. Whole-buffer writes; reads return what arrived within a timeout.
public protocol SerialTransport: AnyObject {
    var path: String { get }
    /// Writes every byte (retrying partial writes).
    func write(_ bytes: UnsafeRawBufferPointer) throws(SerialError)
    /// Reads what is available, waiting up to `timeoutMicroseconds` for the first byte;
    /// returns 0 on timeout.
    func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMicroseconds: Int) throws(SerialError) -> Int
    /// Discards bytes received but not read.
    func flushInput() throws(SerialError)
    /// Waits until everything written has been sent.
    func drain() throws(SerialError)
    func close()
}

extension SerialTransport {
    public func write(_ bytes: [UInt8]) throws(SerialError) {
        var failure: SerialError?
        bytes.withUnsafeBytes { raw in
            do throws(SerialError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

/// An environment fault on a serial port, naming the port and the OS error.
public struct SerialError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case notFound = "no such port"
        case busy = "port busy"
        case permission = "permission denied"
        case unsupported = "not supported"
        case invalidArgument = "invalid argument"
        case io = "I/O error"
        case closed = "port closed"
    }

    public var code: Code
    public var port: String
    public var message: String
    /// errno, when the OS gave one.
    public var osError: Int32?

    public init(_ code: Code, port: String, _ message: String, osError: Int32? = nil) {
        self.code = code
        self.port = port
        self.message = message
        self.osError = osError
    }

    /// Another program holds `port`'s lock (flock(2), as pyserial's exclusive mode takes it):
    /// one program on a bus at a time, or each would read the other's replies.
    static func held(_ port: String, osError: Int32) -> SerialError {
        SerialError(.busy, port: port, "another program has the port open (it holds the port's lock)", osError: osError)
    }

    public var description: String {
        var text = "\(port): \(code.rawValue): \(message)"
        if let osError { text += " (errno \(osError))" }
        return text
    }
}
