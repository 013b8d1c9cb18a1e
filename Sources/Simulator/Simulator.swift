public import ActuatorInterface
public import MotionTypes
public import SafetyInterlock

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The deterministic plant behind ``ActuatorBackend``: per-joint motor, gear and load dynamics
/// (inertia, viscous and Coulomb friction, gravity, current limit), sensors (quantised encoder,
/// noisy potentiometer, current, temperature, supply), brakes, amplifier enable and a board
/// watchdog. Integrated with a fixed sub-step; noise from a ``SeededGenerator``. Same model, seed
/// and command sequence ⇒ the same frames, bit for bit.
public struct Simulator: ActuatorBackend, Sendable {
    public let model: PlantModel
    var random: SeededGenerator
    /// The second sample of the last Box–Muller transform, not yet used.
    var spareGaussian: Double?

    // Plant state.
    public private(set) var position: JointVector
    public private(set) var velocity: JointVector
    public private(set) var temperature: JointVector
    public private(set) var motorCurrent: JointVector
    public private(set) var amplifiersOn = false
    public private(set) var brakesEngaged: UInt8
    /// The board watchdog removed power (no command for too long); cleared by the next command.
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

    public mutating func disturb(_ disturbance: PlantDisturbance) {
        self.disturbance = disturbance
    }

    public mutating func write(_ gated: GatedCommand) {
        command = gated.command
        lastWriteTick = gated.tick
        watchdogExpired = false
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

    public mutating func read(into frame: inout SensorFrame, tick: Tick) {
        // The board watchdog: no command for more than its timeout removes power.
        if let last = lastWriteTick, tick - last > model.watchdogTicks { watchdogExpired = true }
        let supply = disturbance.supplyVoltage ?? model.supplyVoltage
        let powered = command.powerOn && !watchdogExpired && !disturbance.emergencyStop && supply >= model.minimumDriveVoltage
        amplifiersOn = powered
        brakesEngaged = powered && command.releaseBrakes ? 0 : allBrakes

        integrate(powered: powered)

        frame.sequence = sequence
        sequence &+= 1
        for j in 0..<model.jointCount {
            let joint = model.joints[j]
            let counts = (position[j] * joint.countsPerUnit).rounded(.down)
            frame.encoder[j] = counts / joint.countsPerUnit
            if let noise = joint.potentiometerNoise {
                frame.potentiometer[j] = position[j] + noise * gaussian()
            } else {
                frame.potentiometer[j] = frame.encoder[j]
            }
            frame.current[j] = motorCurrent[j] + model.currentNoise * gaussian()
            frame.temperature[j] = temperature[j] + model.temperatureNoise * gaussian()
        }
        frame.supplyVoltage = supply
        frame.emergencyStop = disturbance.emergencyStop
        frame.amplifiersEnabled = powered
        frame.brakesEngaged = brakesEngaged & brakeMask
    }


    /// Advances the plant by one control period in `substeps` semi-implicit Euler steps.
    mutating func integrate(powered: Bool) {
        let h = 1 / (model.rate * Double(model.substeps))
        for j in 0..<model.jointCount {
            let joint = model.joints[j]
            var amps = 0.0
            if powered {
                let stuck = disturbance.amplifierCurrent[j]
                let delivered = stuck.isNaN ? command.current[j] * disturbance.amplifierGain[j] : stuck
                amps = min(max(delivered, -joint.currentMax), joint.currentMax)
            }
            motorCurrent[j] = amps
            let braked = brakesEngaged & (1 << UInt8(j)) != 0 && joint.brakeTorque > 0
            let holding = joint.brakeTorque * disturbance.brakeHolding[j]
            var q = position[j]
            var v = velocity[j]
            for _ in 0..<model.substeps {
                // Bit-identical shortcuts: no sine without a gravity load, and tanh is exactly
                // ±1 in double precision beyond |x| = 20.
                let gravity = joint.prismatic ? joint.gravity : joint.gravity == 0 ? 0 : -joint.gravity * sin(q)
                let x = v / 1e-3
                let friction = joint.viscousFriction * v + joint.coulombFriction * (x > 20 ? 1 : x < -20 ? -1 : tanh(x))
                let drive = joint.effortPerAmp * amps + gravity
                var net = drive - friction
                if braked {
                    if abs(v) < 1e-9 && abs(drive) <= holding {
                        v = 0
                        continue
                    }
                    net -= (v != 0 ? (v > 0 ? 1 : -1) : (drive > 0 ? 1 : -1)) * holding
                    let vNext = v + h * net / joint.inertia
                    // The brake cannot reverse the motion: it stops it.
                    if v != 0 && (vNext > 0) != (v > 0) && abs(drive) <= holding {
                        v = 0
                        continue
                    }
                    v = vNext
                } else {
                    v += h * net / joint.inertia
                }
                q += h * v
            }
            position[j] = q
            velocity[j] = v
            // First-order thermal model: I²R heating against cooling to ambient.
            let capacity = joint.thermalTimeConstant / joint.thermalResistance
            let heat = amps * amps * joint.windingResistance
            let cooling = (temperature[j] - model.ambientTemperature) / joint.thermalResistance
            temperature[j] += (heat - cooling) / capacity / model.rate
        }
    }

    /// A standard normal sample (Box–Muller). Each transform gives two independent samples;
    /// the second is kept for the next call, which halves the logarithms, roots and sines.
    mutating func gaussian() -> Double {
        if let spare = spareGaussian {
            spareGaussian = nil
            return spare
        }
        let u1 = max(random.nextUnit(), 0x1.0p-53)
        let u2 = random.nextUnit()
        let r = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareGaussian = r * sin(angle)
        return r * cos(angle)
    }
}
