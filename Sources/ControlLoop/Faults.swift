public import MotionTypes
public import ActuatorInterface

/// Where a fault is injected.
public enum FaultTarget: String, Sendable, CaseIterable {
    case encoder
    case potentiometer
    case currentSensor = "current_sensor"
    case temperatureSensor = "temperature_sensor"
    /// The supply (plant: the amplifiers lose drive; the voltage reading follows).
    case power
    /// The emergency-stop input (sensor side: what the host reads).
    case emergencyStop = "emergency_stop"
    /// A brake's holding torque (plant).
    case brake
    /// The position setpoint after the controller.
    case command
    /// The current command after the controller.
    case commandCurrent = "command_current"
    /// The operator (teleoperation) input stream.
    case `operator`
    /// The whole sensor frame (stale data).
    case sensorFrame = "sensor_frame"
    /// The loop's own timing.
    case loopTiming = "loop_timing"
    /// The interlock's own copy of the potentiometer readings: a latent fault of the monitor,
    /// invisible to the controller.
    case monitorPotentiometer = "monitor_potentiometer"
    /// The bus cycle that carries the sensor replies to the host (H09-H11): lost, corrupted or
    /// late replies.
    case bus
    /// The port the shaft passes through (H04): displaced from the model's remote centre.
    case remoteCenter = "remote_center"
    /// A joint's amplifier (plant): the current it really drives.
    case amplifier
}

/// What a fault does to its signal.
public enum FaultKind: Sendable, Equatable {
    /// value + magnitude.
    case offset(Double)
    /// value + rate × (time since onset, s).
    case ramp(perSecond: Double)
    /// Frozen at the value seen at onset.
    case stuck
    /// value × factor.
    case gain(Double)
    /// −value.
    case signFlip
    /// Replaced by a constant.
    case set(Double)
    /// value + Gaussian noise of this standard deviation.
    case noise(Double)
    /// value + magnitude for one tick at onset.
    case spike(Double)
    /// NaN.
    case nonFinite
    /// The signal is absent and reads 0 (a disconnected sensor).
    case off
    /// The value the signal had `ticks` ticks earlier.
    case delay(ticks: Int)
    /// Updated only every `every` ticks (a slow sensor): sample and hold.
    case slow(every: Int)
    /// No samples at all (operator stream, sensor frame).
    case dropout
    /// A binary input asserted.
    case asserted
    /// The brake keeps only this fraction of its holding torque.
    case slip(Double)
    /// One deadline overrun per tick.
    case overrun
    /// The host is frozen (loop timing): it reads, judges and writes nothing while the fault
    /// lasts; the boards run on by themselves. The periods it missed reach the interlock as
    /// overruns when it runs again, as a real-time runner measures them.
    case stall
    /// The command of `ticks` ticks earlier is sent again, sequence number and all (H22).
    case replay(ticks: Int)
    /// The bus cycle's replies are lost: the host keeps its previous frame and counts a failed
    /// cycle.
    case drop
    /// The replies arrive with bit errors, which their CRC rejects: dropped and counted as a
    /// failed cycle.
    case corrupt
    /// The bus cycle completes this many microseconds after its request (round-trip time).
    case late(microseconds: Double)

    public var name: String {
        switch self {
        case .offset: return "offset"
        case .ramp: return "ramp"
        case .stuck: return "stuck"
        case .gain: return "gain"
        case .signFlip: return "sign_flip"
        case .set: return "set"
        case .noise: return "noise"
        case .spike: return "spike"
        case .nonFinite: return "non_finite"
        case .dropout: return "dropout"
        case .asserted: return "asserted"
        case .slip: return "slip"
        case .overrun: return "overrun"
        case .stall: return "stall"
        case .replay: return "replay"
        case .drop: return "drop"
        case .corrupt: return "corrupt"
        case .late: return "delay"
        case .off: return "off"
        case .delay: return "delay"
        case .slow: return "slow"
        }
    }

    /// The kind's numeric parameter, if it has one (SI units; ticks for delay and slow).
    public var parameter: Double? {
        switch self {
        case let .offset(v), let .gain(v), let .set(v), let .noise(v), let .spike(v), let .slip(v): return v
        case let .ramp(perSecond): return perSecond
        case let .delay(ticks), let .replay(ticks): return Double(ticks)
        case let .late(microseconds): return microseconds
        case let .slow(every): return Double(every)
        default: return nil
        }
    }

    /// The same kind with its parameter replaced (a value drawn from a distribution).
    public func with(parameter v: Double) -> FaultKind {
        switch self {
        case .offset: return .offset(v)
        case .gain: return .gain(v)
        case .set: return .set(v)
        case .noise: return .noise(Swift.max(0, v))
        case .spike: return .spike(v)
        case .slip: return .slip(Swift.min(1, Swift.max(0, v)))
        case .ramp: return .ramp(perSecond: v)
        case .delay: return .delay(ticks: Swift.max(1, Int(v.rounded())))
        case .replay: return .replay(ticks: Swift.max(1, Int(v.rounded())))
        case .late: return .late(microseconds: Swift.max(0, v))
        case .slow: return .slow(every: Swift.max(1, Int(v.rounded())))
        default: return self
        }
    }
}

/// A fault parameter given as a seeded distribution, so one scenario describes a Monte Carlo
/// family: each run draws its value from the run's seed.
public enum ParameterDistribution: Sendable, Equatable {
    case uniform(Double, Double)
    /// Normal, clamped into [min, max].
    case normal(mean: Double, sd: Double, min: Double, max: Double)

    /// The same distribution in another unit (every value multiplied by `k` > 0).
    public func scaled(_ k: Double) -> ParameterDistribution {
        switch self {
        case let .uniform(a, b): return .uniform(a * k, b * k)
        case let .normal(mean, sd, lo, hi): return .normal(mean: mean * k, sd: sd * k, min: lo * k, max: hi * k)
        }
    }

    func draw(_ random: inout SeededGenerator) -> Double {
        switch self {
        case let .uniform(a, b):
            return a + random.nextUnit() * (b - a)
        case let .normal(mean, sd, lo, hi):
            return Swift.min(hi, Swift.max(lo, mean + sd * random.nextGaussian()))
        }
    }
}

/// One scheduled fault: target, kind, joint, and its window in ticks.
public struct Fault: Sendable, Equatable {
    public var target: FaultTarget
    public var kind: FaultKind
    /// Joint index, or nil for every joint / a non-joint target.
    public var joint: Int?
    public var onset: Int64
    /// First tick after the fault (nil: until the end of the run).
    public var end: Int64?
    /// Intermittent: inside its window the fault acts on a tick with this probability (1: always).
    public var probability: Double
    /// The kind's parameter drawn per run from this distribution (nil: the fixed value).
    public var distribution: ParameterDistribution?

    public init(
        target: FaultTarget, kind: FaultKind, joint: Int?, onset: Int64, end: Int64?, probability: Double = 1,
        distribution: ParameterDistribution? = nil
    ) {
        self.target = target
        self.kind = kind
        self.joint = joint
        self.onset = onset
        self.end = end
        self.probability = probability
        self.distribution = distribution
    }

    @inlinable public func isActive(at tick: Int64) -> Bool { tick >= onset && (end.map { tick < $0 } ?? true) }
}

/// Applies a scheduled list of faults to signals, tick by tick. Allocation-free after init.
public struct FaultInjector: Sendable {
    /// The faults of this run, with any distributed parameter drawn from the run's seed.
    public let faults: [Fault]
    let rate: Double
    var random: SeededGenerator
    /// Values captured at onset for `stuck` faults (and held by `slow` ones), per fault.
    var captured: [JointVector]
    var capturedValid: [Bool]
    var lastFrame: SensorFrame?
    /// Consecutive bus cycles failed by injected `drop` / `corrupt` faults.
    var failedCycles: Int32 = 0
    /// Which faults act this tick (window and, for intermittent faults, the tick's draw).
    var active: [Bool]
    /// Per fault, a ring of past values for `delay` faults (allocated at start-up).
    var history: [[JointVector]]
    var historyCount: [Int]
    let jointCount: Int

    // This tick's effects that depend on no measured value, worked out by `beginTick`. Stored,
    // so the loop reads a few bytes instead of calling a method on (and copying) the injector.

    /// Plant disturbances acting this tick.
    public private(set) var disturbance: PlantDisturbance
    /// How many ticks old the command sent this tick is, by an active `replay` fault (0: fresh).
    public private(set) var commandReplayAge: UInt64 = 0
    /// Overruns injected this tick (H15).
    public private(set) var injectedOverruns = 0
    /// A `loop_timing` `stall` acts this tick: the host does not run.
    public private(set) var hostStalled = false
    /// The displacement of the port from the model's RCM this tick (H04), metres; 0 when no
    /// `remote_center` fault acts.
    public private(set) var portDisplacement = 0.0

    public init(faults: [Fault], rate: Double, seed: UInt64, jointCount: Int) {
        var random = SeededGenerator(seed: seed ^ 0x5EED_FA17)
        // Draw distributed parameters first, in fault order, so the draw depends on the seed only.
        self.faults = faults.map { fault in
            var f = fault
            if let d = fault.distribution { f.kind = fault.kind.with(parameter: d.draw(&random)) }
            return f
        }
        self.rate = rate
        self.random = random
        captured = Array(repeating: JointVector(count: jointCount), count: faults.count)
        capturedValid = Array(repeating: false, count: faults.count)
        active = Array(repeating: false, count: faults.count)
        history = self.faults.map { f in
            switch f.kind {
            case let .delay(ticks), let .replay(ticks): return Array(repeating: JointVector(count: jointCount), count: ticks + 1)
            default: break
            }
            return []
        }
        historyCount = Array(repeating: 0, count: faults.count)
        self.jointCount = jointCount
        disturbance = PlantDisturbance(jointCount: jointCount)
    }

    /// Decides which faults act at `tick`; call once at the start of every tick.
    public mutating func beginTick(_ tick: Int64) {
        for i in faults.indices {
            let inWindow = faults[i].isActive(at: tick)
            active[i] = inWindow && (faults[i].probability >= 1 || random.nextUnit() < faults[i].probability)
            if !inWindow {
                capturedValid[i] = false
                historyCount[i] = 0
            }
        }
        workOutEffects()
        // A replayed command is at most as old as the run: a `by` drawn beyond the tick (the
        // decoder refuses a fixed one) would stamp a tick before 0.
        commandReplayAge = Swift.min(commandReplayAge, UInt64(Swift.max(0, tick)))
    }

    /// Applies `fault` (index `i`) to one joint value.
    mutating func apply(_ i: Int, _ value: Double, joint j: Int, tick: Int64) -> Double {
        let fault = faults[i]
        switch fault.kind {
        case let .offset(m): return value + m
        case let .ramp(perSecond): return value + perSecond * Double(tick - fault.onset) / rate
        case .stuck:
            return captured[i][j]
        case let .gain(k): return value * k
        case .signFlip: return -value
        case let .set(v): return v
        case let .noise(sigma): return value + sigma * gaussian()
        case let .spike(m): return tick == fault.onset ? value + m : value
        case .nonFinite: return .nan
        case .off: return 0
        case .dropout, .asserted, .slip, .overrun, .stall, .delay, .slow, .drop, .corrupt, .late, .replay: return value
        }
    }

    /// Applies every active fault on `target` to the joint values in `values`.
    mutating func apply(_ target: FaultTarget, _ values: inout JointVector, tick: Int64) {
        for i in faults.indices where faults[i].target == target && faults[i].isActive(at: tick) {
            switch faults[i].kind {
            case let .delay(ticks), let .replay(ticks):
                // Keep every value of the window; act (on this tick's draw) with the oldest.
                let ring = ticks + 1
                history[i][historyCount[i] % ring] = values
                historyCount[i] += 1
                guard active[i] else { continue }
                let oldest = historyCount[i] >= ring ? historyCount[i] % ring : 0
                let delayed = history[i][oldest]
                for j in 0..<values.count where faults[i].joint == nil || faults[i].joint == j { values[j] = delayed[j] }
                continue
            case let .slow(every):
                if (tick - faults[i].onset) % Int64(every) == 0 || !capturedValid[i] {
                    captured[i] = values
                    capturedValid[i] = true
                }
                guard active[i] else { continue }
                for j in 0..<values.count where faults[i].joint == nil || faults[i].joint == j { values[j] = captured[i][j] }
                continue
            default:
                break
            }
            guard active[i] else { continue }
            if faults[i].kind == .stuck && !capturedValid[i] {
                captured[i] = values
                capturedValid[i] = true
            }
            for j in 0..<values.count where faults[i].joint == nil || faults[i].joint == j {
                values[j] = apply(i, values[j], joint: j, tick: tick)
            }
        }
    }

    /// Sensor-side injection: edits the frame the loop sees.
    public mutating func applySensors(_ frame: inout SensorFrame, tick: Int64) {
        // Bus faults first: a lost or corrupt reply means the host never sees this tick's frame.
        var cycleFailed = false
        var roundTrip = frame.roundTripMicroseconds
        for i in faults.indices where faults[i].target == .bus && active[i] {
            switch faults[i].kind {
            case .drop, .corrupt: cycleFailed = true
            case let .late(microseconds): roundTrip = Swift.max(roundTrip, Int32(Swift.min(microseconds.rounded(), Double(Int32.max))))
            default: break
            }
        }
        if cycleFailed, var last = lastFrame {
            failedCycles += 1
            last.busFaults = Swift.max(frame.busFaults, failedCycles)
            // No reply came: no round trip was measured (as on the serial backend).
            last.roundTripMicroseconds = 0
            frame = last
            lastFrame = frame
            return
        }
        failedCycles = 0
        frame.roundTripMicroseconds = roundTrip
        for i in faults.indices where faults[i].target == .sensorFrame && active[i] {
            if let last = lastFrame {
                frame = last
                return
            }
        }
        apply(.encoder, &frame.encoder, tick: tick)
        apply(.potentiometer, &frame.potentiometer, tick: tick)
        apply(.currentSensor, &frame.current, tick: tick)
        apply(.temperatureSensor, &frame.temperature, tick: tick)
        for i in faults.indices where faults[i].target == .emergencyStop && active[i] {
            frame.emergencyStop = true
        }
        lastFrame = frame
    }

    /// Latent monitor faults: edits the interlock's copy of the frame only.
    public mutating func applyMonitor(_ frame: inout SensorFrame, tick: Int64) {
        apply(.monitorPotentiometer, &frame.potentiometer, tick: tick)
    }

    /// Command-path injection, after the controller and before the interlock.
    public mutating func applyCommand(_ command: inout ActuatorCommand, tick: Int64) {
        applyCommand(position: &command.position, tick: tick)
        applyCommand(current: &command.current, tick: tick)
    }

    /// Faults on the position setpoint (target `command`).
    public mutating func applyCommand(position: inout JointVector, tick: Int64) {
        apply(.command, &position, tick: tick)
    }

    /// Faults on the current command (target `command_current`), after the servo.
    public mutating func applyCommand(current: inout JointVector, tick: Int64) {
        apply(.commandCurrent, &current, tick: tick)
    }

    /// Operator-stream injection on a Cartesian step; nil when the sample is dropped.
    public mutating func applyOperator(_ step: Vector3, tick: Int64) -> Vector3? {
        var s = step
        for i in faults.indices where faults[i].target == .operator && active[i] {
            switch faults[i].kind {
            case .dropout: return nil
            case .nonFinite: s = Vector3(.nan, s.y, s.z)
            case let .spike(m) where tick == faults[i].onset:
                let n = s.norm
                let direction = n > 0 ? (1 / n) * s : Vector3(1, 0, 0)
                s = s + m * direction
            case let .offset(m): s = s + Vector3(m, 0, 0)
            default: break
            }
        }
        return s
    }

    /// The tick's value-free effects, from the faults that act (see `beginTick`).
    mutating func workOutEffects() {
        var d = PlantDisturbance(jointCount: jointCount)
        var age = 0
        var overruns = 0
        var stalled = false
        var displacement = 0.0
        for (i, fault) in faults.enumerated() where active[i] {
            switch (fault.target, fault.kind) {
            case let (.power, .set(v)): d.supplyVoltage = v
            case (.emergencyStop, _): d.emergencyStop = true
            case let (.brake, .slip(fraction)):
                for j in 0..<jointCount where fault.joint == nil || fault.joint == j { d.brakeHolding[j] = fraction }
            case let (.amplifier, .gain(k)):
                for j in 0..<jointCount where fault.joint == nil || fault.joint == j { d.amplifierGain[j] *= k }
            case (.amplifier, .off):
                for j in 0..<jointCount where fault.joint == nil || fault.joint == j { d.amplifierGain[j] = 0 }
            case let (.amplifier, .set(amps)):
                for j in 0..<jointCount where fault.joint == nil || fault.joint == j { d.amplifierCurrent[j] = amps }
            case let (.command, .replay(ticks)): age = Swift.max(age, ticks)
            case (.loopTiming, .overrun): overruns += 1
            case (.loopTiming, .stall): stalled = true
            case let (.remoteCenter, .offset(m)): displacement += m
            default: break
            }
        }
        disturbance = d
        commandReplayAge = UInt64(age)
        injectedOverruns = overruns
        hostStalled = stalled
        portDisplacement = displacement
    }

    mutating func gaussian() -> Double {
        // Irwin–Hall approximation (sum of 12 uniforms − 6): no libm needed, deterministic.
        var s = 0.0
        for _ in 0..<12 { s += random.nextUnit() }
        return s - 6
    }
}
