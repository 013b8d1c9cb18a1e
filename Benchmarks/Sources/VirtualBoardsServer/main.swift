// Virtual DYNAMIXEL boards on a pty, in a process of their own: prints the pty's path, then
// serves until its standard input closes (the benchmark that started it ended).
import BoardEmulator
import Foundation
import MotionTypes
import Scenarios
import SerialBus
import Simulator

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: VirtualBoardsServer PROFILE\n".utf8))
    exit(2)
}
let profile = try ProfileLoader.load(path: arguments[1])
guard let bus = profile.busConfiguration() else {
    FileHandle.standardError.write(Data("\(arguments[1]) has no bus section\n".utf8))
    exit(2)
}
let pty = try PseudoTerminal()
let start = profile.restPosition
let boards = VirtualBoards(
    bus: bus, plant: Simulator(model: profile.plantModel(), seed: 1, initialPosition: start), servoBandwidth: profile.servoBandwidth)

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
let stop = Flag()
Thread {
    _ = FileHandle.standardInput.readDataToEndOfFile()
    stop.set()
}.start()
FileHandle.standardOutput.write(Data("\(pty.slavePath)\n".utf8))
try boards.serve(POSIXTransport(fileDescriptor: dup(pty.master), path: pty.slavePath)) { stop.isSet }
