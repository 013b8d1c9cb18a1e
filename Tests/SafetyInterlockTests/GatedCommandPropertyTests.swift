import MotionTypes
import PropertyBased
import SafetyInterlock
import Testing

/// Whatever the sensors and the controller say — including NaN and infinities — the gated
/// command is finite, within the joint limits and within the current limits.
@Suite struct GatedCommandPropertyTests {
    static let wild: [Double] = [.nan, .infinity, -.infinity, 1e308, -1e308, 0]

    static func value() -> Generator<Double, some SendableSequenceType> {
        Gen.double(in: -3...3).map { $0 }
    }

    @Test func gatedCommandIsAlwaysFiniteAndWithinLimits() async {
        let gen = Gen.double(in: 0...1).array(of: 24)
        await propertyCheck(count: 2000, input: gen) { r in
            var h = Harness {
                $0.commandStep = JointVector([0.1, 0.1])
                $0.trackingError = JointVector([0.5, 0.5])
                $0.jointVelocity = JointVector([3, 3])
                $0.tipSpeed = 0.1
                $0.tipSpeedHoldAfter = 5
                $0.jointLimitMargin = JointVector([0.05, 0.05])
                $0.encoderPotentiometer = JointVector([0.1, 0.1])
                $0.overcurrentFactor = 1.2
                $0.temperatureError = 65
                $0.minSupplyVoltage = 20
            }
            // Map the fractions onto ordinary values, with a few wild ones.
            func pick(_ f: Double, scale: Double) -> Double {
                f < 0.05 ? Self.wild[Int(f * 120) % Self.wild.count] : (f - 0.5) * 2 * scale
            }
            for round in 0..<3 {
                let o = round * 8
                h.sensors.encoder = JointVector([pick(r[o], scale: 2), pick(r[o + 1], scale: 2)])
                h.sensors.potentiometer = JointVector([pick(r[o + 2], scale: 2), h.sensors.encoder[1]])
                h.sensors.current = JointVector([pick(r[o + 3], scale: 2), 0])
                h.proposed.position = JointVector([pick(r[o + 4], scale: 3), pick(r[o + 5], scale: 3)])
                h.proposed.current = JointVector([pick(r[o + 6], scale: 2), pick(r[o + 7], scale: 2)])
                h.inputs.tipSpeed = pick(r[o + 4], scale: 1)
                h.proposed.powerOn = r[o + 5] > 0.2
                let v = h.step()
                let c = v.gated.command
                #expect(c.isFinite, "gated command not finite for inputs \(r)")
                for j in 0..<2 {
                    #expect(c.position[j] >= -1 && c.position[j] <= 1, "position outside limits for \(r)")
                    #expect(abs(c.current[j]) <= 1, "current above the cap for \(r)")
                }
                if case .faulted = v.state {
                    #expect(!c.powerOn && c.current == JointVector(count: 2))
                }
            }
        }
    }
}
