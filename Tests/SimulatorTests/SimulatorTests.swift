import ActuatorInterface
import MotionTypes
import SafetyInterlock
import Simulator
import Testing

/// A one-joint revolute plant: 0.05 kg·m², 1 N·m/A at the joint, 2 A, brake 3 N·m.
func plant(gravity: Double = 0, brake: Double = 3, potNoise: Double? = 0.001, watchdog: Int64 = 30) -> PlantModel {
    PlantModel(
        joints: [
            .init(
                prismatic: false, inertia: 0.05, viscousFriction: 0.01, coulombFriction: 0, gravity: gravity,
                brakeTorque: brake, reduction: 10, torqueConstant: 0.1, currentMax: 2, encoderCountsPerRevolution: 4096,
                potentiometerNoise: potNoise, windingResistance: 2, thermalResistance: 5, thermalTimeConstant: 10)
        ],
        rate: 1000, substeps: 4, supplyVoltage: 24, ambientTemperature: 25, currentNoise: 0.001, temperatureNoise: 0,
        watchdogTicks: watchdog, minimumDriveVoltage: 12)
}

/// Gated commands come only from the interlock: a permissive one (no checks) makes them here.
struct Driver {
    var interlock = SafetyInterlock(limits: SafetyLimits(lower: JointVector([-10]), upper: JointVector([10]), currentMax: JointVector([2])))
    var tick: Int64 = 0

    mutating func gate(current: Double, power: Bool = true, brakesReleased: Bool = true) -> GatedCommand {
        var c = ActuatorCommand(jointCount: 1)
        c.current[0] = current
        c.powerOn = power
        c.releaseBrakes = brakesReleased
        c.sequence = UInt64(tick)
        var sensors = SensorFrame(jointCount: 1)
        sensors.sequence = UInt64(tick)
        defer { tick += 1 }
        return interlock.step(tick: Tick(tick), sensors: sensors, inputs: MonitorInputs(jointCount: 1), proposed: c).gated
    }
}

@Suite struct SimulatorTests {
    func run(_ sim: inout Simulator, _ driver: inout Driver, ticks: Int, current: Double, power: Bool = true, write: Bool = true) -> SensorFrame {
        var frame = SensorFrame(jointCount: 1)
        for _ in 0..<ticks {
            let k = driver.tick
            sim.read(into: &frame, tick: Tick(k))
            let gated = driver.gate(current: current, power: power)
            if write { sim.write(gated) }
        }
        return frame
    }

    @Test func sameSeedGivesTheSameFramesBitForBit() {
        func trace(seed: UInt64) -> [Double] {
            var sim = Simulator(model: plant(), seed: seed, initialPosition: JointVector([0.1]))
            var d = Driver()
            var values: [Double] = []
            var frame = SensorFrame(jointCount: 1)
            for _ in 0..<200 {
                sim.read(into: &frame, tick: Tick(d.tick))
                values += [frame.encoder[0], frame.potentiometer[0], frame.current[0]]
                sim.write(d.gate(current: 0.3))
            }
            return values
        }
        #expect(trace(seed: 7) == trace(seed: 7))
        #expect(trace(seed: 7) != trace(seed: 8), "another seed gives other noise")
    }

    @Test func currentAcceleratesTheJointAsTorqueOverInertia() {
        var sim = Simulator(model: plant(brake: 0, potNoise: nil), seed: 1, initialPosition: JointVector([0]))
        var d = Driver()
        // Write once so power is on for the next 100 ticks of integration.
        sim.write(d.gate(current: 0.5))
        _ = run(&sim, &d, ticks: 100, current: 0.5)
        // 0.5 A × 1 N·m/A = 0.5 N·m on 0.05 kg·m² = 10 rad/s², minus a little viscous friction.
        #expect(abs(sim.velocity[0] - 1.0) < 0.02, "v = a t = 1 rad/s after 0.1 s, got \(sim.velocity[0])")
    }

    @Test func currentIsLimitedByTheAmplifier() {
        var sim = Simulator(model: plant(brake: 0), seed: 1, initialPosition: JointVector([0]))
        var frame = SensorFrame(jointCount: 1)
        sim.read(into: &frame, tick: Tick(0))
        var big = ActuatorCommand(jointCount: 1)
        big.powerOn = true
        big.releaseBrakes = true
        // The interlock would refuse 5 A; feed the plant through a permissive cap of 10 A.
        var wide = SafetyInterlock(limits: SafetyLimits(lower: JointVector([-10]), upper: JointVector([10]), currentMax: JointVector([10])))
        big.current[0] = 5
        sim.write(wide.step(tick: Tick(0), sensors: frame, inputs: MonitorInputs(jointCount: 1), proposed: big).gated)
        sim.read(into: &frame, tick: Tick(1))
        #expect(sim.motorCurrent[0] == 2)
    }

    @Test func encoderIsQuantised() {
        var sim = Simulator(model: plant(), seed: 1, initialPosition: JointVector([0.123456]))
        var frame = SensorFrame(jointCount: 1)
        sim.read(into: &frame, tick: Tick(0))
        let countsPerRadian = 4096.0 * 10 / (2 * Double.pi)
        let counts = frame.encoder[0] * countsPerRadian
        #expect(abs(counts - counts.rounded()) < 1e-6, "a whole number of counts")
        #expect(abs(frame.encoder[0] - 0.123456) < 1 / countsPerRadian)
    }

    @Test func brakeHoldsAgainstGravityWithPowerOff() {
        var sim = Simulator(model: plant(gravity: 1, brake: 3), seed: 1, initialPosition: JointVector([0.5]))
        var d = Driver()
        _ = run(&sim, &d, ticks: 500, current: 0, power: false)
        #expect(sim.position[0] == 0.5, "braked and unpowered: no motion")
        #expect(sim.brakesEngaged == 1)
    }

    @Test func aSlippingBrakeLetsGravityWin() {
        var sim = Simulator(model: plant(gravity: 1, brake: 3), seed: 1, initialPosition: JointVector([0.5]))
        var d = Driver()
        var disturbance = PlantDisturbance(jointCount: 1)
        disturbance.brakeHolding[0] = 0.1
        sim.disturb(disturbance)
        _ = run(&sim, &d, ticks: 200, current: 0, power: false)
        #expect(sim.position[0] < 0.45, "0.3 N·m of brake cannot hold 0.48 N·m of gravity")
    }

    /// Amplifier faults change the current really driven, which the current sensor reads: a
    /// weakened drive delivers its share, a stuck one its own current (within current_max, only
    /// while powered).
    @Test(arguments: [(1.0, Double.nan, 0.5), (0.6, .nan, 0.3), (0, .nan, 0), (1, 1.5, 1.5), (1, 5, 2), (1, -0.4, -0.4)])
    func amplifierFaultsSetTheCurrentDriven(_ gain: Double, _ stuck: Double, _ expected: Double) {
        var sim = Simulator(model: plant(), seed: 1, initialPosition: JointVector([0]))
        var d = Driver()
        var disturbance = PlantDisturbance(jointCount: 1)
        disturbance.amplifierGain[0] = gain
        disturbance.amplifierCurrent[0] = stuck
        sim.disturb(disturbance)
        _ = run(&sim, &d, ticks: 5, current: 0.5)
        #expect(abs(sim.motorCurrent[0] - expected) < 1e-12)
        _ = run(&sim, &d, ticks: 5, current: 0.5, power: false)
        #expect(sim.motorCurrent[0] == 0, "an unpowered amplifier drives nothing, stuck or not")
    }

    @Test func boardWatchdogRemovesPowerWhenCommandsStop() {
        var sim = Simulator(model: plant(watchdog: 30), seed: 1, initialPosition: JointVector([0]))
        var d = Driver()
        _ = run(&sim, &d, ticks: 10, current: 0.1)
        #expect(sim.amplifiersOn)
        // The host goes silent: 30 ticks are tolerated, the 31st is not.
        _ = run(&sim, &d, ticks: 30, current: 0.1, write: false)
        #expect(sim.amplifiersOn && !sim.watchdogExpired)
        let frame = run(&sim, &d, ticks: 1, current: 0.1, write: false)
        #expect(sim.watchdogExpired)
        #expect(!sim.amplifiersOn && !frame.amplifiersEnabled)
        #expect(frame.brakesEngaged == 1)
    }

    @Test func idlePeriodsRunThePlantAndTheBoardWatchdogWithoutAFrame() {
        // A host that neither reads nor writes: the plant runs on under the last command, and
        // the board watchdog counts the silent periods exactly as it does between reads.
        var sim = Simulator(model: plant(watchdog: 30), seed: 1, initialPosition: JointVector([0]))
        var d = Driver()
        let before = run(&sim, &d, ticks: 10, current: 0.1)
        let moving = sim.position[0]
        for k in 10..<40 { sim.idle(tick: Tick(Int64(k))) }
        #expect(sim.boardWatchdogExpired == false && sim.amplifiersOn)
        #expect(sim.position[0] > moving, "the last current still drives the joint")
        sim.idle(tick: Tick(40))
        #expect(sim.boardWatchdogExpired == true && !sim.amplifiersOn, "the 31st silent period removes power")
        var frame = SensorFrame(jointCount: 1)
        sim.read(into: &frame, tick: Tick(41))
        #expect(frame.sequence == before.sequence + 1, "idle periods produce no frame")
    }

    @Test func theBoardWatchdogLatchesUntilTheHostCommandsPowerOff() {
        var sim = Simulator(model: plant(watchdog: 30), seed: 1, initialPosition: JointVector([0]))
        var d = Driver()
        _ = run(&sim, &d, ticks: 10, current: 0.1)
        _ = run(&sim, &d, ticks: 31, current: 0.1, write: false)
        #expect(sim.watchdogExpired)
        // The host comes back asking for power: the boards stay off.
        var frame = run(&sim, &d, ticks: 5, current: 0.1)
        #expect(sim.watchdogExpired && !frame.amplifiersEnabled, "a command with power does not clear it")
        // The host acknowledges with power off; then power may come back.
        sim.write(d.gate(current: 0, power: false))
        #expect(!sim.watchdogExpired)
        frame = run(&sim, &d, ticks: 2, current: 0.1)
        #expect(frame.amplifiersEnabled)
    }

    @Test func anUnpoweredBoardHasNoPowerForItsWatchdogToRemove() {
        var sim = Simulator(model: plant(watchdog: 30), seed: 1, initialPosition: JointVector([0]))
        var d = Driver()
        sim.write(d.gate(current: 0, power: false))
        for k in 1..<100 { sim.idle(tick: Tick(Int64(k))) }
        #expect(sim.boardWatchdogExpired == false)
    }

    @Test func aSupplyBelowBrownoutCannotDrive() {
        var sim = Simulator(model: plant(brake: 0), seed: 1, initialPosition: JointVector([0]))
        var d = Driver()
        var disturbance = PlantDisturbance(jointCount: 1)
        disturbance.supplyVoltage = 11
        sim.disturb(disturbance)
        let frame = run(&sim, &d, ticks: 50, current: 1)
        #expect(sim.position[0] == 0)
        #expect(frame.supplyVoltage == 11)
        #expect(!frame.amplifiersEnabled)
    }

    @Test func emergencyStopChainCutsPowerAndReadsAsserted() {
        var sim = Simulator(model: plant(), seed: 1, initialPosition: JointVector([0]))
        var d = Driver()
        var disturbance = PlantDisturbance(jointCount: 1)
        disturbance.emergencyStop = true
        sim.disturb(disturbance)
        let frame = run(&sim, &d, ticks: 5, current: 1)
        #expect(frame.emergencyStop && !frame.amplifiersEnabled)
    }

    @Test func windingsHeatUpUnderCurrent() {
        var sim = Simulator(model: plant(brake: 0, potNoise: nil), seed: 1, initialPosition: JointVector([0]))
        var d = Driver()
        // Stall against nothing: 2 A into 2 Ω is 8 W; after 1 s with τ = 10 s, C = 2 J/K: ~ +3.8 K.
        _ = run(&sim, &d, ticks: 1000, current: 0)
        #expect(sim.temperature[0] == 25)
        var hot = Simulator(model: plant(brake: 0, potNoise: nil), seed: 1, initialPosition: JointVector([0]))
        var d2 = Driver()
        _ = run(&hot, &d2, ticks: 1000, current: 2)
        #expect(hot.temperature[0] > 28 && hot.temperature[0] < 29.5, "got \(hot.temperature[0])")
    }

    @Test func sequenceAdvancesEveryRead() {
        var sim = Simulator(model: plant(), seed: 1, initialPosition: JointVector([0]))
        var frame = SensorFrame(jointCount: 1)
        sim.read(into: &frame, tick: Tick(0))
        let first = frame.sequence
        sim.read(into: &frame, tick: Tick(1))
        #expect(frame.sequence == first + 1)
    }
}
