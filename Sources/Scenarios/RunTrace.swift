import FaultLog
public import Foundation
public import ControlLoop
public import MotionTypes

/// A run's per-tick trace: the signals a report plots, in a compact side file next to the log
/// (`<log name>.trace`). The log's header names the file and its summary records the file's
/// SHA-256, inside the hash chain, so the trace is as tamper-evident as the log.
///
/// Format `vigil-trace/1`: one line of JSON (format, rate, ticks, joints, joint kinds, channel
/// names), then `ticks × channels` little-endian IEEE-754 float32 values, tick by tick. Per
/// tick, for each joint: setpoint (the position the interlock let through), true position
/// (the simulator's; NaN on hardware), encoder, potentiometer, motor current, temperature;
/// then the true tool tip x y z, the reference tool tip x y z (metres), and the CRTK state
/// (0 DISABLED, 1 ENABLED, 2 PAUSED, 3 FAULT).
public final class TraceRecorder: @unchecked Sendable {
    public static let format = "vigil-trace/1"
    public static let perJoint = ["setpoint", "true", "encoder", "potentiometer", "current", "temperature"]
    public static let perTick = ["tip_x", "tip_y", "tip_z", "reference_tip_x", "reference_tip_y", "reference_tip_z", "state"]

    /// At most this many values (64 MiB): a longer run keeps every n-th tick (`every_ticks`).
    public static let maxValues = 16 << 20

    let jointNames: [String]
    let jointKinds: [String]
    let rate: Double
    let channels: Int
    /// One sample every `every` ticks.
    public let every: Int
    private let values: UnsafeMutableBufferPointer<Float>
    /// Samples recorded.
    public private(set) var ticks = 0
    private var offered = 0

    /// Room for a run of `capacity` ticks, allocated and touched now: recording never
    /// allocates. A run too long for `maxValues` is sampled every n-th tick.
    public init(jointNames: [String], jointKinds: [String], rate: Double, capacity: Int, maxValues: Int = TraceRecorder.maxValues) {
        self.jointNames = jointNames
        self.jointKinds = jointKinds
        self.rate = rate
        channels = jointNames.count * Self.perJoint.count + Self.perTick.count
        let needed = max(1, capacity) * channels
        every = max(1, (needed + maxValues - 1) / maxValues)
        values = .allocate(capacity: max(1, (capacity + every - 1) / every * channels))
        values.initialize(repeating: .nan)
    }

    deinit { values.deallocate() }

    var capacityTicks: Int { values.count / channels }

    /// One tick's values. `truth` is nil on hardware.
    @inline(__always)
    public func record(
        setpoint: JointVector, truth: JointVector?, frame: SensorFrame, tip: Vector3, referenceTip: Vector3, state: OperatingState
    ) {
        offered += 1
        guard (offered - 1) % every == 0, ticks < capacityTicks else { return }
        var i = ticks * channels
        for j in 0..<jointNames.count {
            values[i] = Float(setpoint[j])
            values[i + 1] = truth.map { Float($0[j]) } ?? .nan
            values[i + 2] = Float(frame.encoder[j])
            values[i + 3] = Float(frame.potentiometer[j])
            values[i + 4] = Float(frame.current[j])
            values[i + 5] = Float(frame.temperature[j])
            i += Self.perJoint.count
        }
        values[i] = Float(tip.x)
        values[i + 1] = Float(tip.y)
        values[i + 2] = Float(tip.z)
        values[i + 3] = Float(referenceTip.x)
        values[i + 4] = Float(referenceTip.y)
        values[i + 5] = Float(referenceTip.z)
        values[i + 6] = Float(Self.stateCode(state))
        ticks += 1
    }

    static func stateCode(_ state: OperatingState) -> Int {
        switch state {
        case .disabled: return 0
        case .enabled: return 1
        case .paused: return 2
        case .fault: return 3
        }
    }

    /// Writes the file (straight from the buffer) and returns its SHA-256.
    public func write(to path: String, sync: Bool = true) throws -> String {
        var header = JSONRecord.object()
        header.add("format", Self.format)
        header.add("rate_hz", rate)
        header.add("every_ticks", every)
        header.add("ticks", ticks)
        header.add("joints", jointNames)
        header.add("joint_kinds", jointKinds)
        header.add("per_joint", Self.perJoint)
        header.add("per_tick", Self.perTick)
        header.add("encoding", "float32le")
        #if !_endian(little)
        #error("the trace is written as little-endian float32 straight from memory")
        #endif
        let head = Data((header.json + "\n").utf8)
        let handle = try FaultLogWriter.create(path)
        defer { try? handle.close() }
        try handle.write(contentsOf: head)
        let bytes = UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: values.prefix(ticks * channels)))
        if let base = bytes.baseAddress, bytes.count > 0 {
            try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count, deallocator: .none))
        }
        if sync { try handle.synchronize() }
        // The hash of what was just written, from memory (reading 200 KB back per run cost a
        // campaign a second copy of every trace).
        return FaultLogWriter.hash(head, bytes)
    }

    /// `<log without .jsonl>.trace`.
    public static func path(forLog log: String) -> String { sibling(ofLog: log, extension: "trace") }

    /// The file beside a log with another extension: `<log without .jsonl>.<ext>`.
    public static func sibling(ofLog log: String, extension ext: String) -> String {
        (log.hasSuffix(".jsonl") ? String(log.dropLast(".jsonl".count)) : log) + "." + ext
    }
}

/// A trace read back, for reports.
public struct RunTrace: Sendable {
    public var rate: Double
    /// Ticks between samples (1: every tick).
    public var every: Int
    /// Samples.
    public var ticks: Int
    public var joints: [String]
    public var jointKinds: [String]
    public var channels: Int
    public var values: [Float]

    public enum ReadError: Error, CustomStringConvertible {
        case malformed(String)
        public var description: String {
            switch self {
            case let .malformed(why): return "not a vigil-trace/1 file: \(why)"
            }
        }
    }

    public init(contentsOf path: String) throws {
        try self.init(data: try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    public init(data: Data) throws {
        guard let newline = data.firstIndex(of: 0x0A) else { throw ReadError.malformed("no header line") }
        guard let header = try JSONSerialization.jsonObject(with: data[data.startIndex..<newline]) as? [String: Any],
            header["format"] as? String == TraceRecorder.format, let rate = header["rate_hz"] as? Double,
            let ticks = header["ticks"] as? Int, let joints = header["joints"] as? [String],
            let kinds = header["joint_kinds"] as? [String], kinds.count == joints.count
        else { throw ReadError.malformed("bad header") }
        self.rate = rate
        every = max(1, header["every_ticks"] as? Int ?? 1)
        self.ticks = ticks
        self.joints = joints
        jointKinds = kinds
        channels = joints.count * TraceRecorder.perJoint.count + TraceRecorder.perTick.count
        let body = data[(newline + 1)...]
        let (values4, overflow) = ticks.multipliedReportingOverflow(by: channels * 4)
        guard ticks >= 0, !overflow, body.count == values4 else {
            throw ReadError.malformed("\(body.count) bytes of values for \(ticks) ticks of \(channels) channels")
        }
        var values = [Float](repeating: 0, count: ticks * channels)
        body.withUnsafeBytes { raw in
            for i in 0..<values.count {
                values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        }
        self.values = values
    }

    /// Channel `name` of joint `joint` (or a per-tick channel when `joint` is nil), every tick.
    public func series(_ name: String, joint: Int? = nil) -> [Float] {
        let offset: Int
        if let joint, let k = TraceRecorder.perJoint.firstIndex(of: name) {
            offset = joint * TraceRecorder.perJoint.count + k
        } else if let k = TraceRecorder.perTick.firstIndex(of: name) {
            offset = joints.count * TraceRecorder.perJoint.count + k
        } else {
            return []
        }
        return (0..<ticks).map { values[$0 * channels + offset] }
    }
}
