public import ActuatorInterface
public import MotionTypes
public import SafetyInterlock

/// The deterministic plant behind ``ActuatorBackend``: per-joint motor, gear and load dynamics
/// (inertia, viscous and Coulomb friction, gravity, current limit), sensors (quantised encoder,
/// noisy potentiometer, current, temperature, supply), brakes, amplifier enable and a board
/// watchdog. Integrated with a fixed sub-step; noise from a ``SeededGenerator``. Same model, seed
/// and command sequence ⇒ the same frames, bit for bit.
public struct Simulator: ActuatorBackend, Sendable {
    public let model: PlantModel
    var random: SeededGenerator
    /// Per-joint figures the tick needs, worked out once from the model.
    let terms: InlineArray<8, JointTerms>
    /// 1 / (rate · substeps), s.
    let substep: Double

    // Plant state.
    public private(set) var position: JointVector
    public private(set) var velocity: JointVector
    public private(set) var temperature: JointVector
    public private(set) var motorCurrent: JointVector
    public private(set) var amplifiersOn = false
    public private(set) var brakesEngaged: UInt8
    /// The board watchdog removed power (no command for too long while powered). Latched, as
    /// real boards do: commands that ask for power do not bring it back; a command without power
    /// (the host acknowledging the stop) clears it, and the next one may power up again.
    public private(set) var watchdogExpired = false

    var command: ActuatorCommand
    /// Every joint's bit, and the bits of the joints that have a brake (fixed by the model).
    let allBrakes: UInt8
    let brakeMask: UInt8
    var lastWriteTick: Tick?
    var sequence: UInt64 = 0
    var disturbance: PlantDisturbance

    public init(model: PlantModel, seed: UInt64, initialPosition: JointVector) {
        precondition(initialPosition.count == model.jointCount)
        self.model = model
        random = SeededGenerator(seed: seed)
        position = initialPosition
        velocity = JointVector(count: model.jointCount)
        temperature = JointVector(count: model.jointCount, repeating: model.ambientTemperature)
        motorCurrent = JointVector(count: model.jointCount)
        allBrakes = UInt8(truncatingIfNeeded: (1 << model.jointCount) - 1)
        brakesEngaged = allBrakes
        var mask: UInt8 = 0
        for j in 0..<model.jointCount where model.joints[j].brakeTorque > 0 { mask |= 1 << UInt8(j) }
        brakeMask = mask
        substep = 1 / (model.rate * Double(model.substeps))
        var terms = InlineArray<8, JointTerms>(repeating: JointTerms())
        for j in 0..<model.jointCount { terms[j] = JointTerms(model.joints[j], rate: model.rate, substep: substep) }
        self.terms = terms
        _ = NormalZiggurat.shared  // its tables are built now, not in the first tick
        command = ActuatorCommand(jointCount: model.jointCount)
        disturbance = PlantDisturbance(jointCount: model.jointCount)
    }

    public mutating func start() throws(BackendError) {
        amplifiersOn = false
        brakesEngaged = allBrakes
    }

    public mutating func stop() {
        command = ActuatorCommand(jointCount: model.jointCount)
        amplifiersOn = false
        brakesEngaged = allBrakes
    }

    public var truePosition: JointVector? { position }

    public mutating func disturb(_ disturbance: PlantDisturbance) {
        self.disturbance = disturbance
    }

    public mutating func write(_ gated: GatedCommand) {
        command = gated.command
        lastWriteTick = gated.tick
        if !gated.command.powerOn { watchdogExpired = false }
    }

    /// For virtual boards only: the servos' own firmware driving their motors for one control
    /// period. The host's commands reach that firmware over the bus, gated by the host's
    /// interlock; this is the far side of the bus. `scripts/check-architecture` allows only the
    /// BoardEmulator module to call it.
    public mutating func stepBoard(current: JointVector, powered: Bool, tick: Tick) -> SensorFrame {
        var c = ActuatorCommand(jointCount: model.jointCount)
        c.current = current
        c.powerOn = powered
        c.releaseBrakes = powered
        command = c
        lastWriteTick = nil
        var frame = SensorFrame(jointCount: model.jointCount)
        read(into: &frame, tick: tick)
        return frame
    }

    public var boardWatchdogExpired: Bool? { watchdogExpired }

    /// A period in which the host neither read nor wrote: the boards and the plant run on.
    public mutating func idle(tick: Tick) {
        _ = advance(tick)
    }

    /// One control period of the boards and the plant: the board watchdog, the amplifiers and
    /// brakes, the dynamics. Returns the supply voltage the boards see and whether they drive.
    mutating func advance(_ tick: Tick) -> (supply: Double, powered: Bool) {
        // The board watchdog: no command for more than its timeout removes power from boards that
        // had it (unpowered ones have nothing to remove).
        if command.powerOn, let last = lastWriteTick, tick - last > model.watchdogTicks { watchdogExpired = true }
        let supply = disturbance.supplyVoltage ?? model.supplyVoltage
        let powered = command.powerOn && !watchdogExpired && !disturbance.emergencyStop && supply >= model.minimumDriveVoltage
        amplifiersOn = powered
        brakesEngaged = powered && command.releaseBrakes ? 0 : allBrakes
        integrate(powered: powered)
        return (supply, powered)
    }

    public mutating func read(into frame: inout SensorFrame, tick: Tick) {
        let (supply, powered) = advance(tick)

        frame.sequence = sequence
        sequence &+= 1
        for j in 0..<model.jointCount {
            let t = terms[j]
            let counts = Elementary.roundedDown(position[j] * t.countsPerUnit)
            frame.encoder[j] = counts / t.countsPerUnit
            if t.potentiometerNoise.isNaN {
                frame.potentiometer[j] = frame.encoder[j]
            } else {
                frame.potentiometer[j] = position[j] + t.potentiometerNoise * random.nextGaussian()
            }
            frame.current[j] = motorCurrent[j] + model.currentNoise * random.nextGaussian()
            frame.temperature[j] = temperature[j] + model.temperatureNoise * random.nextGaussian()
        }
        frame.supplyVoltage = supply
        frame.emergencyStop = disturbance.emergencyStop
        frame.amplifiersEnabled = powered
        frame.brakesEngaged = brakesEngaged & brakeMask
    }


    /// Advances the plant by one control period in `substeps` semi-implicit Euler steps. The
    /// joints are independent, so each sub-step runs over all of them in turn: seven short
    /// dependency chains the processor can overlap, rather than one long one per joint.
    mutating func integrate(powered: Bool) {
        let h = substep
        let n = model.jointCount
        var drive = JointVector(count: n)
        var holding = JointVector(count: n)
        for j in 0..<n {
            let t = terms[j]
            var amps = 0.0
            if powered {
                let stuck = disturbance.amplifierCurrent[j]
                let delivered = stuck.isNaN ? command.current[j] * disturbance.amplifierGain[j] : stuck
                amps = min(max(delivered, -t.currentMax), t.currentMax)
            }
            motorCurrent[j] = amps
            drive[j] = t.effortPerAmp * amps
            holding[j] = t.brakeTorque * disturbance.brakeHolding[j]
            // First-order thermal model: I²R heating against cooling to ambient.
            temperature[j] += amps * amps * t.heatingPerTick - (temperature[j] - model.ambientTemperature) * t.coolingPerTick
        }
        let braked = brakesEngaged & brakeMask
        var q = position
        var v = velocity
        for _ in 0..<model.substeps {
            for j in 0..<n {
                let t = terms[j]
                var vj = v[j]
                // No sine without a gravity load (Elementary.tanh returns ±1 from |x| = 20 on by itself).
                let gravity = t.prismatic ? t.gravity : t.gravity == 0 ? 0 : -t.gravity * Elementary.sin(q[j])
                let x = vj * 1e3
                let friction = t.viscousFriction * vj + t.coulombFriction * Elementary.tanh(x)
                let driveNow = drive[j] + gravity
                var net = driveNow - friction
                if braked & (1 << UInt8(j)) != 0 {
                    let hold = holding[j]
                    if abs(vj) < 1e-9 && abs(driveNow) <= hold {
                        v[j] = 0
                        continue
                    }
                    net -= (vj != 0 ? (vj > 0 ? 1 : -1) : (driveNow > 0 ? 1 : -1)) * hold
                    let vNext = vj + net * t.substepOverInertia
                    // The brake cannot reverse the motion: it stops it.
                    if vj != 0 && (vNext > 0) != (vj > 0) && abs(driveNow) <= hold {
                        v[j] = 0
                        continue
                    }
                    vj = vNext
                } else {
                    vj += net * t.substepOverInertia
                }
                v[j] = vj
                q[j] += h * vj
            }
        }
        position = q
        velocity = v
    }
}

/// One joint's plant figures as the tick uses them (divisions done once, at start-up).
struct JointTerms: BitwiseCopyable {
    var prismatic = false
    var gravity = 0.0
    var viscousFriction = 0.0
    var coulombFriction = 0.0
    var brakeTorque = 0.0
    var currentMax = 0.0
    var effortPerAmp = 0.0
    /// substep / inertia.
    var substepOverInertia = 0.0
    var countsPerUnit = 1.0
    /// NaN: no potentiometer.
    var potentiometerNoise = Double.nan
    /// Temperature rise per tick per A², and the fraction of the excess over ambient lost per tick.
    var heatingPerTick = 0.0
    var coolingPerTick = 0.0

    init() {}

    init(_ joint: PlantModel.Joint, rate: Double, substep: Double) {
        prismatic = joint.prismatic
        gravity = joint.gravity
        viscousFriction = joint.viscousFriction
        coulombFriction = joint.coulombFriction
        brakeTorque = joint.brakeTorque
        currentMax = joint.currentMax
        effortPerAmp = joint.effortPerAmp
        substepOverInertia = substep / joint.inertia
        countsPerUnit = joint.countsPerUnit
        potentiometerNoise = joint.potentiometerNoise ?? .nan
        // C dT/dt = I²R − (T − ambient)/Rth with C = τ/Rth, per tick of 1/rate s.
        let capacity = joint.thermalTimeConstant / joint.thermalResistance
        heatingPerTick = joint.windingResistance / capacity / rate
        coolingPerTick = 1 / joint.thermalResistance / capacity / rate
    }
}
