import Kinematics
import MotionTypes
import PropertyBased
import Testing

@Suite struct ForwardKinematicsTests {
    var scratch = KinematicScratch()

    @Test mutating func psmTipIs113_5mmBelowTheRCMAtInsertion120mm() {
        let model = Models.psm()
        let pose = model.forward(JointVector([0, 0, 0.12, 0, 0, 0]), scratch: &scratch)
        #expect(abs(pose.translation.x) < 1e-12)
        #expect(abs(pose.translation.y) < 1e-12)
        #expect(abs(pose.translation.z - -0.1135) < 1e-12)
        // Tool z points down the shaft, away from the RCM.
        #expect(abs(pose.rotation.zAxis.z - -1) < 1e-12)
    }

    @Test mutating func insertionMovesTheTipAlongTheShaftOnly() {
        let model = Models.psm()
        let a = model.forward(JointVector([0.2, -0.3, 0.10, 0.4, 0.1, -0.2]), scratch: &scratch).translation
        let b = model.forward(JointVector([0.2, -0.3, 0.15, 0.4, 0.1, -0.2]), scratch: &scratch).translation
        #expect(abs((b - a).norm - 0.05) < 1e-12)
    }

    @Test mutating func extraJointsBeyondTheChainAreIgnored() {
        let model = Models.psm()
        let six = model.forward(JointVector([0.1, 0.2, 0.1, 0.3, 0.2, 0.1]), scratch: &scratch)
        let seven = model.forward(JointVector([0.1, 0.2, 0.1, 0.3, 0.2, 0.1, 0.9]), scratch: &scratch)
        #expect(six == seven)
    }

    @Test(arguments: ["psm", "bench", "scara"])
    func matchesPlainMatrixProductsAtRandomConfigurations(_ name: String) async {
        let model = name == "psm" ? Models.psm() : name == "bench" ? Models.bench() : Models.scara()
        await propertyCheck(count: 300, input: jointValues(model)) { q in
            var scratch = KinematicScratch()
            let pose = model.forward(JointVector(q), scratch: &scratch)
            let expected = Reference.forward(model, q)
            let actual = pose.matrixRows
            for i in 0..<4 {
                for j in 0..<4 {
                    #expect(abs(actual[i][j] - expected[i][j]) < 1e-12, "element [\(i)][\(j)] at q = \(q)")
                }
            }
        }
    }

    /// The tick's tip checks and the excursion use `tipPosition`, which keeps no frames: it must
    /// be exactly the translation of the full computation (logs depend on it), in both DH
    /// conventions, with a tool offset.
    @Test(arguments: ["psm", "psm with a tool offset", "bench", "scara"])
    func tipPositionIsTheForwardTranslationBitForBit(_ name: String) async {
        let psm = Models.psm()
        let model =
            switch name {
            case "psm": psm
            case "bench": Models.bench()
            case "scara": Models.scara()
            default:
                try! KinematicModel(
                    convention: .modifiedDH, links: psm.links, base: psm.base,
                    tool: Pose(rotation: psm.tool.rotation, translation: Vector3(0.01, -0.02, 0.03)))
            }
        await propertyCheck(count: 300, input: jointValues(model)) { q in
            var scratch = KinematicScratch()
            let full = model.forward(JointVector(q), scratch: &scratch).translation
            let tip = model.tipPosition(JointVector(q))
            #expect(tip.x.bitPattern == full.x.bitPattern && tip.y.bitPattern == full.y.bitPattern && tip.z.bitPattern == full.z.bitPattern, "at q = \(q)")
        }
    }

    /// `reach` bounds the tip's distance from the base origin everywhere inside the limits
    /// (the profile refuses a tip-speed limit or operator step longer than twice it).
    @Test(arguments: ["psm", "bench", "scara"])
    func reachBoundsTheTipInsideTheLimits(_ name: String) async {
        let model = name == "psm" ? Models.psm() : name == "bench" ? Models.bench() : Models.scara()
        let reach = model.reach
        await propertyCheck(count: 300, input: jointValues(model)) { q in
            var scratch = KinematicScratch()
            let tip = model.forward(JointVector(q), scratch: &scratch).translation - model.base.translation
            #expect(tip.norm <= reach + 1e-12, "at q = \(q): \(tip.norm) m from the base, reach \(reach) m")
        }
    }

    @Test func psmReachIsItsLinksEndToEnd() {
        // a = 9.1 mm (wrist), d = 416.2 mm (tool shaft), insertion offset −431.8 mm at q = 0.
        #expect(abs(Models.psm().reach - 0.8571) < 1e-12)
        // Bench: d 77 mm, a 130 mm and 124 mm, tool 20 mm.
        #expect(abs(Models.bench().reach - 0.351) < 1e-12)
    }

    @Test mutating func benchArmPointsStraightUpAtZero() {
        // Shoulder offset 90°, elbow −90°: upper arm vertical, forearm + tool horizontal.
        let pose = Models.bench().forward(JointVector([0, 0, 0]), scratch: &scratch)
        #expect(abs(pose.translation.x - 0.144) < 1e-12)
        #expect(abs(pose.translation.y) < 1e-12)
        #expect(abs(pose.translation.z - (0.077 + 0.130)) < 1e-12)
    }
}

/// Joint values spread uniformly within each joint's limits (shrinks towards the lower limits).
func jointValues(_ model: KinematicModel) -> Generator<[Double], some SendableSequenceType> {
    let limits = model.links.map { ($0.lower, $0.upper) }
    return Gen.double(in: 0...1).array(of: limits.count).map { fractions in
        zip(fractions, limits).map { f, l in l.0 + f * (l.1 - l.0) }
    }
}
