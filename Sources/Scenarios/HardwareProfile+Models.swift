public import ControlLoop
public import MotionTypes
public import Simulator
import Kinematics

extension HardwareProfile {
    /// Every joint at 0, or at the limit nearest 0: where virtual boards start the arm.
    public var restPosition: JointVector { JointVector(joints.map { min(max(0, $0.lower), $0.upper) }) }

    /// The interlock's thresholds from the profile's safety section (disabled checks: nil).
    public func safetyLimits() -> SafetyLimits {
        let n = jointCount
        var lower = JointVector(count: n), upper = JointVector(count: n), currentMax = JointVector(count: n)
        var braked: UInt8 = 0
        for j in 0..<n {
            lower[j] = joints[j].lower
            upper[j] = joints[j].upper
            currentMax[j] = actuators[j].currentMax
            if actuators[j].hasBrake { braked |= 1 << UInt8(j) }
        }
        var l = SafetyLimits(lower: lower, upper: upper, currentMax: currentMax, braked: braked)
        let s = safety
        l.commandStep = s.commandStep.threshold?.values
        if let i = s.idleMotion.threshold {
            l.idleMotion = i.value.values
            l.idleSettle = Int64(i.ticks)
        }
        l.trackingError = s.trackingError.threshold?.values
        l.jointVelocity = s.jointVelocity.threshold?.values
        if let t = s.tipSpeed.threshold {
            l.tipSpeed = t.limit
            l.tipSpeedHoldAfter = Int64(t.holdAfter)
        }
        if let r = s.remoteCenter.threshold {
            l.maxShaftDistance = r.maxShaftDistance
            l.remoteCenterStopAfter = Int64(r.stopAfter)
            l.minInsertionDepth = r.minInsertionDepth
        }
        l.jointLimitMargin = s.jointLimitMargin.threshold?.values
        if let e = s.encoderPotentiometer.threshold {
            l.encoderPotentiometer = e.value.values
            l.encoderPotentiometerLatency = Int64(e.ticks)
        }
        if let e = s.encoderStall.threshold {
            l.encoderStallCurrent = e.value.values
            l.encoderStallPersistence = Int64(e.ticks)
        }
        l.sensorMaxAge = s.sensorFreshness.threshold.map(Int64.init)
        if let o = s.overcurrent.threshold {
            l.overcurrentFactor = o.factor
            l.overcurrentMargin = o.margin
            l.overcurrentPersistence = Int64(o.ticks)
        }
        if let t = s.temperature.threshold {
            l.temperatureWarning = t.warning
            l.temperatureError = t.error
        }
        if let b = s.brakeSlip.threshold {
            l.brakeSlip = b.value.values
            l.brakeSlipPersistence = Int64(b.ticks)
        }
        if let d = s.deadline.threshold {
            l.maxOverruns = d.maxOverruns
            l.overrunWindow = Int64(d.window)
        }
        if let v = s.supplyVoltage.threshold {
            l.minSupplyVoltage = v.value
            l.supplyPersistence = Int64(v.ticks)
        }
        l.emergencyStopCategory = s.emergencyStop.threshold
        l.operatorMaxStep = s.operatorStep.threshold
        if let d = s.operatorDropout.threshold {
            l.operatorHoldAfter = Int64(d.holdAfter)
            l.operatorStopAfter = Int64(d.stopAfter)
        }
        if let c = s.communication.threshold {
            l.maxBusFaults = c.maxConsecutiveErrors
            l.maxRoundTripMicroseconds = Int((c.maxRoundTrip * 1e6).rounded())
        }
        l.frozenInputTicks = s.monitorInputs.threshold.map(Int64.init)
        // A controlled stop gets 20 ms to come to rest before power is removed.
        l.stopTicks = max(1, Int64((0.02 * rate).rounded()))
        return l
    }

    /// The simulated plant for this arm.
    public func plantModel() -> PlantModel {
        let plantJoints = joints.indices.map { j -> PlantModel.Joint in
            let a = actuators[j]
            return PlantModel.Joint(
                prismatic: joints[j].kind == .prismatic, inertia: a.dynamics.inertia,
                viscousFriction: a.dynamics.viscousFriction, coulombFriction: a.dynamics.coulombFriction,
                gravity: a.dynamics.gravity, brakeTorque: a.dynamics.brakeTorque, reduction: a.reduction,
                torqueConstant: a.torqueConstant, currentMax: a.currentMax,
                encoderCountsPerRevolution: a.encoderCountsPerRevolution, potentiometerNoise: a.potentiometer?.noise,
                windingResistance: a.thermal.windingResistance, thermalResistance: a.thermal.thermalResistance,
                thermalTimeConstant: a.thermal.timeConstant)
        }
        return PlantModel(
            joints: plantJoints, rate: rate, substeps: simulation.substeps, supplyVoltage: simulation.supplyVoltage,
            ambientTemperature: simulation.ambientTemperature, currentNoise: simulation.currentNoise,
            temperatureNoise: simulation.temperatureNoise, watchdogTicks: safety.boardWatchdog.threshold.map(Int64.init) ?? PlantModel.noWatchdog,
            minimumDriveVoltage: simulation.brownoutVoltage)
    }

    /// The control loop's model of the arm.
    public func loopConfiguration() -> LoopConfiguration {
        let n = jointCount
        var v = JointVector(count: n), a = JointVector(count: n), inertia = JointVector(count: n)
        var gravity = JointVector(count: n), friction = JointVector(count: n), perAmp = JointVector(count: n)
        var prismatic: UInt8 = 0
        let limits = safetyLimits()
        for j in 0..<n {
            v[j] = joints[j].maxVelocity
            a[j] = joints[j].maxAcceleration
            inertia[j] = actuators[j].dynamics.inertia
            gravity[j] = actuators[j].dynamics.gravity
            friction[j] = actuators[j].dynamics.viscousFriction
            perAmp[j] = actuators[j].torqueConstant * actuators[j].reduction
            if joints[j].kind == .prismatic { prismatic |= 1 << UInt8(j) }
        }
        return LoopConfiguration(
            rate: rate, kinematics: kinematics, lower: limits.lower, upper: limits.upper, maxVelocity: v,
            maxAcceleration: a, inertia: inertia, gravity: gravity, viscousFriction: friction, prismatic: prismatic,
            effortPerAmp: perAmp, currentMax: limits.currentMax, servoBandwidth: servoBandwidth, limits: limits)
    }
}
