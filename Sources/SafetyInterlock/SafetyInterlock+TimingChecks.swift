import MotionTypes

// H15 control-loop deadline overruns.
extension SafetyInterlock {
    /// Any overrun holds; `maxOverruns` overruns within `overrunWindow` ticks stop the arm.
    mutating func checkTiming(_ tick: Tick, _ inputs: MonitorInputs) {
        guard let maxOverruns = limits.maxOverruns, inputs.overruns > 0 else { return }
        for _ in 0..<inputs.overruns {
            overrunTicks[overrunCursor] = tick.value
            overrunCursor = (overrunCursor + 1) % 64
        }
        var recent = 0
        let recorded = overrunTicks.span
        for i in 0..<64 where recorded[i] > tick.value - limits.overrunWindow { recent += 1 }
        // The ring keeps the last 64; more in one tick (a long stall) all fall in the window.
        recent += max(0, inputs.overruns - 64)
        // Profiles allow 1…64 (the ring's size); the min keeps a hand-made limit within it.
        let response: Response = recent >= min(maxOverruns, 64) ? .protectiveStop : .hold
        trips.append(
            Trip(check: response == .hold ? .deadline : .deadlineStop, joint: -1, measured: Double(recent),
                threshold: Double(maxOverruns), response: response))
    }
}

// H04: remote centre of motion.
extension SafetyInterlock {
    /// The shaft strays from the RCM: hold (once per episode); by more than twice the limit:
    /// protective stop. In Cartesian modes, an insertion shallower than the minimum holds; held
    /// for more than `stop_after` without a resume: protective stop.
    /// A distance or depth that is not a number (the geometry of non-finite readings) fails
    /// safe: it is treated as beyond every limit.
    mutating func checkRemoteCenter(_ inputs: MonitorInputs) {
        guard let maxDistance = limits.maxShaftDistance else { return }
        let beyond = !(inputs.shaftDistance <= maxDistance)
        let newEpisode = episodes.starts(Slot.remoteCenter, beyond)
        // Hold → protective stop: a shaft that stays beyond the distance (a resume that does not
        // bring it back included) stops the arm once it has lasted more than `stop_after`.
        if let stopAfter = limits.remoteCenterStopAfter, remoteCenterCount.update(0, beyond, persistence: stopAfter) {
            trips.append(
                Trip(check: .remoteCenterStop, joint: -1, measured: Double(stopAfter + 1), threshold: Double(stopAfter), response: .protectiveStop))
        }
        if !(inputs.shaftDistance <= 2 * maxDistance) {
            trips.append(Trip(check: .remoteCenterDistance, joint: -1, measured: inputs.shaftDistance, threshold: 2 * maxDistance, response: .protectiveStop))
        } else if newEpisode {
            trips.append(Trip(check: .remoteCenterDistance, joint: -1, measured: inputs.shaftDistance, threshold: maxDistance, response: .hold))
        }
        let shallow = !(inputs.insertionDepth >= limits.minInsertionDepth)
        if episodes.starts(Slot.insertion, inputs.cartesian && shallow) {
            trips.append(Trip(check: .insertionDepth, joint: -1, measured: inputs.insertionDepth, threshold: limits.minInsertionDepth, response: .hold))
            insertionHeld = true
        }
        // Hold → protective stop: an arm that insertion_depth holds stops once it has been held
        // for more than `stop_after` without a `resume` (the depth itself is not judged while
        // held: the hold ends the Cartesian motion, and an arm held at the minimum reads either
        // side of it from one encoder count to the next).
        if let stopAfter = limits.remoteCenterStopAfter, remoteCenterCount.update(1, insertionHeld, persistence: stopAfter) {
            trips.append(
                Trip(check: .insertionDepthStop, joint: -1, measured: Double(stopAfter + 1), threshold: Double(stopAfter), response: .protectiveStop))
        }
    }
}

// H22: forged or replayed commands.
extension SafetyInterlock {
    /// Each proposal is stamped with the tick it is for. One for another tick (replayed: older;
    /// forged: ahead) is dropped: the last accepted setpoint, power and brake requests stand for
    /// this tick, no current is commanded, and the arm stops.
    mutating func checkCommandSequence(_ command: inout ActuatorCommand, tick: Tick, _ sensors: SensorFrame) {
        let expected = UInt64(truncatingIfNeeded: tick.value)
        guard command.sequence == expected else {
            trips.append(
                Trip(check: .commandSequence, joint: -1, measured: Double(command.sequence), threshold: Double(expected), response: .protectiveStop))
            command.position = lastPosition ?? withinLimits(sensors.encoder)
            // Never more than the last accepted proposal asked, nor more than this one asks.
            command.powerOn = lastAcceptedPower && command.powerOn
            command.releaseBrakes = lastAcceptedBrakes && command.releaseBrakes
            command.current = JointVector(count: command.current.count)
            return
        }
        lastAcceptedPower = command.powerOn
        lastAcceptedBrakes = command.releaseBrakes
    }
}

// H09–H11: the bus to the boards.
extension SafetyInterlock {
    /// More than `maxBusFaults` consecutive failed bus cycles: protective stop (the boards' own
    /// watchdog stops them too); re-armed once a cycle succeeds. A cycle slower than the budget
    /// holds; more than `maxBusFaults` slow cycles in a row stop the arm. A failed cycle whose
    /// replies that came were on time (or none came) measured no round trip: it neither
    /// continues nor breaks a run of slow cycles, so slow and lost replies taking turns still
    /// reach the stop.
    mutating func checkCommunication(_ sensors: SensorFrame) {
        if let maxFaults = limits.maxBusFaults,
            episodes.starts(Slot.busFaults, sensors.busFaults > Int32(maxFaults))
        {
            trips.append(
                Trip(check: .communication, joint: -1, measured: Double(sensors.busFaults), threshold: Double(maxFaults), response: .protectiveStop))
        }
        if let budget = limits.maxRoundTripMicroseconds {
            let late = Int(sensors.roundTripMicroseconds) > budget
            if sensors.busFaults > 0 && !late { return }
            lateCycles = late ? lateCycles + 1 : 0
            if episodes.starts(Slot.roundTrip, late) {
                trips.append(
                    Trip(check: .roundTrip, joint: -1, measured: Double(sensors.roundTripMicroseconds), threshold: Double(budget), response: .hold))
            }
            if let maxFaults = limits.maxBusFaults, lateCycles == maxFaults + 1 {
                trips.append(
                    Trip(check: .roundTrip, joint: -1, measured: Double(sensors.roundTripMicroseconds), threshold: Double(budget), response: .protectiveStop))
            }
        }
    }
}
