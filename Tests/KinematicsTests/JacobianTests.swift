import Kinematics
import MotionTypes
import PropertyBased
import Testing

@Suite struct JacobianTests {
    @Test(arguments: ["psm", "bench", "scara"])
    func matchesCentralFiniteDifferences(_ name: String) async {
        let model = name == "psm" ? Models.psm() : name == "bench" ? Models.bench() : Models.scara()
        await propertyCheck(count: 200, input: jointValues(model)) { values in
            var scratch = KinematicScratch()
            let q = JointVector(values)
            let jac = model.jacobian(q, scratch: &scratch)
            let h = 1e-6
            for j in 0..<model.jointCount {
                var plus = q, minus = q
                plus[j] += h
                minus[j] -= h
                let a = model.forward(plus, scratch: &scratch)
                let b = model.forward(minus, scratch: &scratch)
                let linear = (1 / (2 * h)) * (a.translation - b.translation)
                // Angular velocity from the skew-symmetric part of dR/dq · Rᵀ.
                let r = model.forward(q, scratch: &scratch).rotation
                let dr = difference(a.rotation, b.rotation, scale: 1 / (2 * h))
                let w = dr * r.transposed
                let angular = Vector3((w.r21 - w.r12) / 2, (w.r02 - w.r20) / 2, (w.r10 - w.r01) / 2)
                #expect((jac.linear(j) - linear).norm < 1e-7, "linear column \(j) at q = \(values)")
                #expect((jac.angular(j) - angular).norm < 1e-7, "angular column \(j) at q = \(values)")
            }
        }
    }

    @Test func prismaticColumnsHaveNoAngularPart() {
        var scratch = KinematicScratch()
        let jac = Models.psm().jacobian(JointVector([0.3, 0.2, 0.1, 0.4, 0.5, 0.6]), scratch: &scratch)
        #expect(jac.angular(2) == .zero)
        #expect(abs(jac.linear(2).norm - 1) < 1e-12, "insertion moves the tip at 1 m per m")
    }

    func difference(_ a: Rotation3, _ b: Rotation3, scale k: Double) -> Rotation3 {
        Rotation3(
            k * (a.r00 - b.r00), k * (a.r01 - b.r01), k * (a.r02 - b.r02),
            k * (a.r10 - b.r10), k * (a.r11 - b.r11), k * (a.r12 - b.r12),
            k * (a.r20 - b.r20), k * (a.r21 - b.r21), k * (a.r22 - b.r22))
    }
}
