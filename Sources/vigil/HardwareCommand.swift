import ArgumentParser
import BoardEmulator
import Foundation
import MotionTypes
import Scenarios
import SerialBus
import Simulator
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM/SIGHUP; long-running commands poll it and shut down cleanly.
let stopRequested = Atomic<Bool>(false)
/// The signal that asked for the stop (the first one).
let stopSignal = Atomic<Int32>(0)

/// The signals that end a run cleanly: Ctrl-C, `kill`, and a closed terminal or a lost SSH
/// session (SIGHUP), the usual way a bench session dies.
let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

/// Catches the stop signals, and unblocks them: a parent may have spawned us with them blocked
/// (a process started from a Dispatch worker thread inherits its full signal mask), and a
/// Ctrl-C that never arrives would leave a bench's servos powered.
func installStopHandlers() {
    var set = sigset_t()
    sigemptyset(&set)
    for s in stopSignals {
        signal(s) { received in
            _ = stopSignal.compareExchange(expected: 0, desired: received, ordering: .relaxed)
            stopRequested.store(true, ordering: .relaxed)
        }
        sigaddset(&set, s)
    }
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

/// "SIGINT", "SIGTERM" or "SIGHUP".
func signalName(_ s: Int32) -> String {
    switch s {
    case SIGINT: "SIGINT"
    case SIGTERM: "SIGTERM"
    case SIGHUP: "SIGHUP"
    default: "signal \(s)"
    }
}

struct HardwareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hw",
        abstract: "Serial ports, servo buses and virtual boards.",
        subcommands: [Ports.self, Scan.self, Emulate.self]
    )

    struct Ports: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the serial ports libserialport finds.")

        func run() throws {
            let ports: [SerialPortInfo]
            do {
                ports = try SerialPorts.list()
            } catch {
                throw VigilExit(code: VigilExit.failure, message: "error: \(error)")
            }
            guard !ports.isEmpty else {
                print("no serial ports found (a USB adapter shows up as /dev/ttyUSB* or /dev/ttyACM*)")
                return
            }
            for p in ports {
                let usb = p.usbVendor.map { String(format: "  USB %04x:%04x", $0, p.usbProduct ?? 0) } ?? ""
                print("\(p.path)  \(p.transport)  \(p.description)\(usb)")
            }
        }
    }

    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ping ids 0–252 on a bus and list the servos that answer.")

        @Option(help: "Serial port (a USB adapter, or a virtual board's pty).")
        var port: String

        @Option(help: "Baud rate.")
        var baud = 1_000_000

        @Option(help: "auto, libserialport or posix.")
        var transport: TransportKind = .auto

        func validate() throws {
            try validateBaud(baud)
            try validatePort(port)
        }

        func run() throws {
            let link: any SerialTransport
            do {
                link = try transport.open(path: port, baud: baud)
            } catch {
                throw VigilExit(code: VigilExit.failure, message: "error: \(error)")
            }
            var encoder = PacketEncoder()
            var parser = PacketParser()
            var packet = Packet()
            var buffer = [UInt8](repeating: 0, count: 256)
            var found = 0
            print("scanning \(port) at \(baud) baud …")
            for id in 0...Int(Dynamixel.maxID) {
                encoder.ping(id: UInt8(id))
                do { try link.write(encoder.bytes) } catch { throw VigilExit(code: VigilExit.failure, message: "error: \(error)") }
                var answered = false
                // Up to 3 × 10 ms: enough for a USB adapter's 1 ms latency timer (not its 16 ms default).
                for _ in 0..<3 where !answered {
                    let n: Int
                    do {
                        n = try buffer.withUnsafeMutableBytes { try link.read(into: $0, timeoutMicroseconds: 10_000) }
                    } catch {
                        throw VigilExit(code: VigilExit.failure, message: "error: \(error)")
                    }
                    if n > 0 { parser.feed(buffer[0..<n]) }
                    while parser.next(into: &packet) {
                        if packet.isStatus && packet.id == UInt8(id) && packet.parameterCount >= 4 { answered = true }
                        if answered { break }
                    }
                }
                guard answered else { continue }
                let model = Int(packet.u16(at: 1))
                print("id \(id): model \(model) (\(Dynamixel.modelNames[model] ?? "unknown")), firmware \(packet[3])")
                found += 1
            }
            print(found == 0 ? "no servo answered" : "\(found) servo\(found == 1 ? "" : "s") found")
        }
    }

    struct Emulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer as the profile's servos on a pseudo-terminal, with the simulator's plant behind them.",
            discussion: """
                Prints the pty's path (and makes --link point at it), then serves DYNAMIXEL Protocol 2.0 \
                requests until interrupted (Ctrl-C or SIGTERM). Torque changes and watchdog expiries are \
                printed on standard error. --drop, --corrupt, --delay-us and --implausible inject bus faults \
                into the replies.
                """
        )

        @Option(help: "Hardware profile (YAML) with a bus section.")
        var profile: String

        @Option(help: "Also make this symbolic link to the pty.")
        var link: String?

        @Option(help: "Seed for the plant's noise and the bus faults.")
        var seed: UInt64 = 1

        @Option(help: "Probability that a reply is dropped (0…1).")
        var drop = 0.0

        @Option(help: "Probability that a reply has a flipped bit (0…1).")
        var corrupt = 0.0

        @Option(help: "Extra delay before each reply, microseconds.")
        var delayUs = 0

        @Option(help: "Probability that a servo's reply to a sync, bulk or fast sync read reports 200 °C, with a valid CRC (0…1).")
        var implausible = 0.0

        func validate() throws {
            guard (0...1).contains(drop), (0...1).contains(corrupt), (0...1).contains(implausible) else {
                throw ValidationError("--drop, --corrupt and --implausible are probabilities, 0 to 1")
            }
            guard delayUs >= 0 else { throw ValidationError("--delay-us must not be negative") }
        }

        func run() throws {
            let profile = try loadProfile(self.profile)
            guard let bus = profile.busConfiguration() else {
                throw VigilExit.invalid("error: \(self.profile) has no bus section: there are no servos to emulate")
            }
            let pty: PseudoTerminal
            do {
                pty = try PseudoTerminal()
            } catch {
                throw VigilExit(code: VigilExit.failure, message: "error: \(error)")
            }
            if let link {
                // Replace an old link, never a real file.
                if (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) != nil {
                    try? FileManager.default.removeItem(atPath: link)
                } else if FileManager.default.fileExists(atPath: link) {
                    throw VigilExit.invalid("error: \(link) exists and is not a symbolic link; choose another --link")
                }
                do {
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: pty.slavePath)
                } catch {
                    throw VigilExit(code: VigilExit.failure, message: "error: cannot make the link \(link): \(describeFileError(error))")
                }
            }
            defer { if let link { try? FileManager.default.removeItem(atPath: link) } }
            let start = profile.restPosition
            let plant = Simulator(model: profile.plantModel(), seed: seed, initialPosition: start)
            let boards = VirtualBoards(
                bus: bus, plant: plant, servoBandwidth: profile.servoBandwidth,
                faults: BusFaultSettings(
                    dropProbability: drop, corruptProbability: corrupt, replyDelay: Double(delayUs) / 1e6,
                    implausibleProbability: implausible),
                seed: seed)
            boards.onEvent = { line in printError(line) }
            let ids = bus.servos.map { String($0.id) }.joined(separator: ", ")
            let models = Set(bus.servos.map { Dynamixel.modelNames[Int($0.modelNumber)] ?? "model \($0.modelNumber)" }).sorted().joined(separator: ", ")
            // Written straight to the descriptor: scripts wait for this line on a pipe.
            let line = "virtual boards for \(profile.id): ids \(ids) (\(models)) on \(pty.slavePath)\(link.map { " (link \($0))" } ?? "")\n"
            FileHandle.standardOutput.write(Data(line.utf8))
            installStopHandlers()
            let transport = POSIXTransport(fileDescriptor: dup(pty.master), path: pty.slavePath)
            do {
                try boards.serve(transport) { stopRequested.load(ordering: .relaxed) }
            } catch {
                throw VigilExit(code: VigilExit.failure, message: "error: \(error)")
            }
            printError("stopped; torque is \(boards.allTorqueOff ? "off on every id" : "still on for some ids")")
        }
    }
}
