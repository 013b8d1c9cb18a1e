import MotionTypes
import SafetyInterlock
import Testing

/// Every value threshold: limit − ε does not trip, the limit itself does not trip, limit + ε trips.
@Suite struct ThresholdBoundaryTests {
    @Test(arguments: boundary(0.01))
    func commandStep(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.commandStep = JointVector([0.01, 0.01]) }
        h.step()
        h.proposed.position[1] = value
        let v = h.step()
        #expect((v.tripped(.commandStep) != nil) == trips)
        if trips {
            #expect(v.tripped(.commandStep) == Trip(check: .commandStep, joint: 1, measured: value, threshold: 0.01, response: .protectiveStop))
            #expect(v.gated.command.position[1] == 0, "the jump is refused")
        } else {
            #expect(v.gated.command.position[1] == value)
        }
    }

    @Test(arguments: boundary(0.5))
    func trackingError(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.trackingError = JointVector([0.5, 0.5]) }
        h.inputs.reference[0] = value
        let v = h.step()
        #expect((v.tripped(.trackingError)?.response == .powerOff) == trips)
        #expect(h.isFaulted == trips)
        if trips { #expect(!v.gated.command.powerOn, "power off at once") }
    }

    @Test(arguments: boundary(3.0))
    func jointVelocity(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.jointVelocity = JointVector([3, 3]) }
        h.inputs.velocity[1] = -value
        #expect((h.step().tripped(.jointVelocity)?.joint == 1) == trips)
    }

    @Test(arguments: boundary(0.1))
    func tipSpeedClamps(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.tipSpeed = 0.1; $0.tipSpeedHoldAfter = 20 }
        h.step()
        h.proposed.position[0] = 0.004
        h.inputs.tipSpeed = value
        let v = h.step()
        #expect((v.tripped(.tipSpeed)?.response == .clamp) == trips)
        if trips {
            #expect(abs(v.gated.command.position[0] - 0.004 * 0.1 / value) < 1e-15, "the step is scaled to the limit")
        }
        #expect(v.state == .normal)
    }

    @Test(arguments: boundary(0.001))
    func remoteCenterDistance(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.maxShaftDistance = 0.001 }
        h.inputs.shaftDistance = value
        let v = h.step()
        #expect((v.tripped(.remoteCenterDistance)?.response == .hold) == trips)
        #expect((v.state == .holding) == trips)
    }

    /// H04: beyond twice the distance the hold becomes a protective stop.
    @Test(arguments: boundary(0.002))
    func remoteCenterDistanceStop(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.maxShaftDistance = 0.001 }
        h.inputs.shaftDistance = value
        let v = h.step()
        #expect((v.tripped(.remoteCenterDistance)?.response == .protectiveStop) == trips)
        #expect(v.tripped(.remoteCenterDistance)?.response == (trips ? .protectiveStop : .hold), "over the distance, it holds at least")
    }

    /// H04: in Cartesian modes, an insertion shallower than the minimum holds. Mirrored: the
    /// value is the depth, and shallower (smaller) trips.
    @Test(arguments: boundary(0.035))
    func insertionDepth(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.maxShaftDistance = 0.001; $0.minInsertionDepth = 0.035 }
        h.inputs.shaftDistance = 0
        h.inputs.cartesian = true
        h.inputs.insertionDepth = 0.07 - value
        let v = h.step()
        #expect((v.tripped(.insertionDepth)?.response == .hold) == trips)
    }

    @Test func insertionDepthIsOnlyCheckedInCartesianModes() {
        var h = Harness { $0.maxShaftDistance = 0.001; $0.minInsertionDepth = 0.035 }
        h.inputs.shaftDistance = 0
        h.inputs.insertionDepth = 0.01
        #expect(h.step().tripped(.insertionDepth) == nil)
    }

    @Test(arguments: boundary(1.05))
    func measuredJointLimitWithMargin(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.jointLimitMargin = JointVector([0.05, 0.05]) }
        h.sensors.encoder[0] = value
        #expect((h.step().tripped(.jointLimitMeasured)?.response == .protectiveStop) == trips)
    }

    @Test(arguments: boundary(1.0))
    func commandedJointLimitIsClamped(_ value: Double, _ trips: Bool) {
        var h = Harness()
        h.proposed.position[1] = -value
        let v = h.step()
        #expect((v.tripped(.jointLimitCommand)?.response == .clamp) == trips)
        #expect(v.gated.command.position[1] == max(-value, -1))
        #expect(v.state == .normal)
    }

    @Test(arguments: boundary(0.0873))
    func encoderPotentiometerDistance(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.encoderPotentiometer = JointVector([0.0873, 0.0873]); $0.encoderPotentiometerLatency = 0 }
        h.sensors.potentiometer[1] = value
        #expect((h.step().tripped(.encoderPotentiometer)?.response == .powerOff) == trips)
    }

    @Test(arguments: boundary(0.5))
    func encoderStallCurrent(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.encoderStallCurrent = JointVector([0.5, 0.5]); $0.encoderStallPersistence = 0 }
        h.inputs.encoderStill = 0b01
        h.proposed.current[0] = value
        h.sensors.current[1] = 0.9  // a large reading on a still joint that is not driven: not a stall
        h.inputs.encoderStill = 0b11
        #expect((h.step().tripped(.encoderStall) != nil) == trips)
    }

    @Test(arguments: boundary(1.2 * 1 + 0.05))
    func overcurrent(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.overcurrentFactor = 1.2; $0.overcurrentMargin = 0.05; $0.overcurrentPersistence = 0 }
        h.proposed.current[0] = 0.3
        h.sensors.current[0] = value
        let v = h.step()
        #expect((v.tripped(.overcurrent)?.response == .protectiveStop) == trips)
        #expect(v.gated.command.current[0] == (trips ? 0 : 0.3), "zero + protective stop")
    }

    @Test(arguments: boundary(1.0))
    func currentCommandHardCap(_ value: Double, _ trips: Bool) {
        var h = Harness()
        h.proposed.current[1] = value
        let v = h.step()
        #expect((v.tripped(.commandCurrent) != nil) == trips)
        #expect(v.gated.command.current[1] == (trips ? 0 : value))
    }

    @Test(arguments: boundary(60.0))
    func temperatureWarning(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.temperatureWarning = 60; $0.temperatureError = 65 }
        h.sensors.temperature[1] = value
        let v = h.step()
        #expect((v.tripped(.temperatureWarning)?.response == .clamp) == trips)
        #expect(v.state == .normal)
    }

    /// A warning episode ends only when the reading falls 1 degC below the warning: noise
    /// around 60 degC is one warning. Below 59 degC − ε it ends, and 60 + ε warns again.
    @Test func temperatureWarningEpisodeHasHysteresis() {
        var h = Harness { $0.temperatureWarning = 60; $0.temperatureError = 65 }
        let epsilon = 60 * 1e-9
        var warnings: [Int64] = []
        for value in [60 + epsilon, 59.5, 60.3, 59 + epsilon, 60.3, 59 - epsilon, 59.9, 60 + epsilon] {
            h.sensors.temperature[0] = value
            let tick = h.tick
            if h.step().tripped(.temperatureWarning) != nil { warnings.append(tick) }
        }
        // Ticks 0 (first crossing) and 7 (above again after falling below 59 − ε at tick 5).
        #expect(warnings == [0, 7])
    }

    @Test(arguments: boundary(65.0))
    func temperatureError(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.temperatureWarning = 60; $0.temperatureError = 65 }
        h.sensors.temperature[0] = value
        #expect((h.step().tripped(.temperature)?.response == .powerOff) == trips)
        #expect(h.isFaulted == trips)
    }

    @Test(arguments: boundary(0.01))
    func brakeSlip(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.brakeSlip = JointVector([0.01, 0.01]); $0.brakeSlipPersistence = 0 }
        h.sensors.brakesEngaged = 0b10
        h.step()
        h.sensors.encoder[1] = value
        #expect((h.step().tripped(.brakeSlip) != nil) == trips)
    }

    @Test(arguments: boundary(20.0))
    func supplyVoltage(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.minSupplyVoltage = 20; $0.supplyPersistence = 0 }
        // Below the minimum trips: mirror the boundary around the limit.
        h.sensors.supplyVoltage = 40 - value
        #expect((h.step().tripped(.supplyVoltage)?.response == .powerOff) == trips)
    }

    @Test(arguments: boundary(0.0001))
    func operatorStep(_ value: Double, _ trips: Bool) {
        var h = Harness { $0.operatorMaxStep = 0.0001; $0.operatorHoldAfter = 50; $0.operatorStopAfter = 500 }
        h.inputs.teleoperation = true
        h.inputs.operatorStep = value
        let v = h.step()
        #expect((v.tripped(.operatorStep)?.response == .hold) == trips)
        #expect(v.operatorSampleRejected == trips)
    }
    /// H11: a bus cycle's round trip is counted in whole microseconds; 900 µs is within a
    /// 900 µs budget, 901 µs is a slow cycle (hold).
    @Test(arguments: [(899, false), (900, false), (901, true)] as [(Int32, Bool)])
    func roundTripBudget(_ microseconds: Int32, _ trips: Bool) {
        var h = Harness { $0.maxRoundTripMicroseconds = 900; $0.maxBusFaults = 2 }
        h.sensors.roundTripMicroseconds = microseconds
        let v = h.step()
        #expect((v.tripped(.roundTrip)?.response == .hold) == trips)
        #expect((v.state == .holding) == trips)
    }
    /// A reading or command that is not a number is beyond every threshold: each check trips
    /// with its own response (the comparisons are written `!(value <= limit)`, which NaN fails).
    enum NotANumber: CaseIterable {
        case velocity, measuredPosition, stallCurrent, measuredCurrent, commandedCurrent, temperature, brakedPosition, supply
    }

    @Test(arguments: NotANumber.allCases)
    func aValueThatIsNotANumberTrips(_ input: NotANumber) {
        var h: Harness
        let check: CheckID
        let response: Response
        switch input {
        case .velocity:
            h = Harness { $0.jointVelocity = JointVector([3, 3]) }
            h.inputs.velocity[1] = .nan
            (check, response) = (.jointVelocity, .powerOff)
        case .measuredPosition:
            h = Harness { $0.jointLimitMargin = JointVector([0.05, 0.05]) }
            h.sensors.encoder[0] = .nan
            (check, response) = (.jointLimitMeasured, .protectiveStop)
        case .stallCurrent:
            h = Harness { $0.encoderStallCurrent = JointVector([0.5, 0.5]); $0.encoderStallPersistence = 0 }
            h.inputs.encoderStill = 0b11
            h.proposed.current[0] = .nan
            (check, response) = (.encoderStall, .powerOff)
        case .measuredCurrent:
            h = Harness { $0.overcurrentFactor = 1.2; $0.overcurrentMargin = 0.05; $0.overcurrentPersistence = 0 }
            h.sensors.current[0] = .nan
            (check, response) = (.overcurrent, .protectiveStop)
        case .commandedCurrent:
            h = Harness()
            h.proposed.current[1] = .nan
            (check, response) = (.commandNonFinite, .protectiveStop)  // and every current zeroed
        case .temperature:
            h = Harness { $0.temperatureWarning = 60; $0.temperatureError = 65 }
            h.sensors.temperature[0] = .nan
            (check, response) = (.temperature, .powerOff)
        case .brakedPosition:
            h = Harness { $0.brakeSlip = JointVector([0.01, 0.01]); $0.brakeSlipPersistence = 0 }
            h.sensors.brakesEngaged = 0b10
            h.step()
            h.sensors.encoder[1] = .nan
            (check, response) = (.brakeSlip, .protectiveStop)
        case .supply:
            h = Harness { $0.minSupplyVoltage = 20; $0.supplyPersistence = 0 }
            h.sensors.supplyVoltage = .nan
            (check, response) = (.supplyVoltage, .powerOff)
        }
        let v = h.step()
        #expect(v.tripped(check)?.response == response, "\(input): \(v.trips.count) trips")
        #expect(v.gated.command.isFinite, "nothing that is not a number reaches an actuator")
        if input == .commandedCurrent { #expect(v.gated.command.current == JointVector([0, 0])) }
    }
}
