import Foundation
import Kinematics
import MotionTypes
import Scenarios
import Testing

@Suite struct ShippedProfileTests {
    let degree = Double.pi / 180

    @Test(arguments: ["dvrk-psm.yaml", "bench-3dof.yaml"])
    func shippedProfilesAreValid(_ name: String) throws {
        let profile = try ProfileLoader.load(path: shippedProfilePath(name))
        #expect(profile.rate == 1000)
        #expect(profile.actuators.count == profile.jointCount)
    }

    @Test func psmCarriesTheReferenceFigures() throws {
        let p = try ProfileLoader.load(path: shippedProfilePath("dvrk-psm.yaml"))
        #expect(p.joints.map(\.name) == [
            "outer_yaw", "outer_pitch", "outer_insertion", "outer_roll", "outer_wrist_pitch", "outer_wrist_yaw", "jaw",
        ])
        #expect(p.chainJointCount == 6)
        #expect(p.kinematics.convention == .modifiedDH)
        #expect(abs(p.joints[0].upper - 4.71239) < 1e-5)
        #expect(abs(p.joints[1].upper - 0.925025) < 1e-5)
        #expect(p.joints[2].lower == 0 && p.joints[2].upper == 0.24)
        #expect(abs(p.joints[6].lower - -0.698132) < 1e-6 && abs(p.joints[6].upper - 1.39626) < 1e-5)
        #expect(p.joints.map(\.maxEffort) == [4.97, 4.97, 14.81, 0.33, 0.25, 0.20, 0.16])
        #expect(p.actuators.map(\.currentMax) == [1.34, 1.34, 0.67, 0.67, 0.67, 0.67, 0.67])
        #expect(p.coupling?.joints == [3, 4, 5, 6])
        #expect(p.coupling?.actuatorToJoint[2] == [0, -0.8306, 0.6089, 0.6089])

        let s = p.safety
        #expect(s.trackingError.threshold?.values == JointVector([0.5, 0.5, 0.05, 0.6, 0.6, 0.6, 0.6]))
        let encPot = try #require(s.encoderPotentiometer.threshold)
        #expect(encPot.ticks == 10)
        #expect(abs(encPot.value.values[0] - 5 * degree) < 1e-15)
        #expect(abs(encPot.value.values[2] - 0.005) < 1e-15)
        let overcurrent = try #require(s.overcurrent.threshold)
        #expect(overcurrent.factor == 1.2 && overcurrent.margin == 0.05 && overcurrent.ticks == 100)
        let temperature = try #require(s.temperature.threshold)
        #expect(temperature.warning == 60 && temperature.error == 65)
        #expect(s.boardWatchdog.threshold == 30)
        let dropout = try #require(s.operatorDropout.threshold)
        #expect(dropout.holdAfter == 50 && dropout.stopAfter == 500)
        #expect(s.disabledChecks.isEmpty)
        #expect(p.bus?.servos.count == 7)
    }

    @Test func psmProfileKinematicsPutTheTip113_5mmBelowTheRCM() throws {
        let p = try ProfileLoader.load(path: shippedProfilePath("dvrk-psm.yaml"))
        var scratch = KinematicScratch()
        let tip = p.kinematics.forward(JointVector([0, 0, 0.12, 0, 0, 0, 0]), scratch: &scratch).translation
        #expect(abs(tip.x) < 1e-12 && abs(tip.y) < 1e-12)
        #expect(abs(tip.z - -0.1135) < 1e-12)
        #expect(p.kinematics.remoteCenter?.shaftJoint == 3)
    }

    @Test func benchDisablesItsInapplicableChecksWithReasons() throws {
        let p = try ProfileLoader.load(path: shippedProfilePath("bench-3dof.yaml"))
        #expect(p.safety.disabledChecks.map(\.check) == ["remote_center", "encoder_potentiometer", "brake_slip", "monitor_inputs"])
        #expect(p.safety.disabledChecks.allSatisfy { !$0.reason.isEmpty })
        let bus = try #require(p.bus)
        #expect(bus.port == "/dev/ttyUSB0" && bus.baud == 4_500_000)
        #expect(bus.servos.map(\.id) == [1, 2, 3])
        #expect(bus.servos.map(\.joint) == [0, 1, 2])
        #expect(bus.servos.allSatisfy { $0.modelNumber == 1020 && $0.zeroPosition == 2048 && $0.direction == 1 })
        #expect(p.kinematics.convention == .standardDH)
        #expect(p.actuators.allSatisfy { $0.potentiometer == nil && !$0.hasBrake })
    }
}
