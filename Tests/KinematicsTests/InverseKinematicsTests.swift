import Kinematics
import MotionTypes
import PropertyBased
import Testing

@Suite struct InverseKinematicsTests {
    /// Random reachable configuration → FK → IK (from the default seed) → FK: the tip must land
    /// within 1e-6 m of the target, inside the joint limits.
    @Test(arguments: ["psm", "bench", "scara"])
    func positionRoundTrip(_ name: String) async {
        let model = name == "psm" ? Models.psm() : name == "bench" ? Models.bench() : Models.scara()
        await propertyCheck(count: 500, input: jointValues(model)) { values in
            var scratch = KinematicScratch()
            let target = model.forward(JointVector(values), scratch: &scratch).translation
            let seed = model.clamped(JointVector(count: model.jointCount))
            let solution = model.inverse(position: target, seed: seed, scratch: &scratch)
            #expect(solution.converged, "no solution for a reachable target from q = \(values)")
            let reached = model.forward(solution.joints, scratch: &scratch).translation
            #expect((reached - target).norm < 1e-6, "tip error for q = \(values)")
            #expect(solution.positionError < 1e-6)
            for (j, link) in model.links.enumerated() {
                #expect(solution.joints[j] >= link.lower && solution.joints[j] <= link.upper, "joint \(j) out of limits")
            }
        }
    }

    /// Full-pose IK over the clinical workspace. With the wrist withdrawn to the RCM (insertion
    /// near 15.6 mm) the 6×6 Jacobian is singular — yaw/pitch and the wrist give the same
    /// rotations — and pose IK converges only to ~1e-7 m there; dVRK refuses Cartesian motion
    /// with the tip within 45 mm of the RCM for the same reason. So insertion starts at 50 mm here.
    @Test func poseRoundTripForThePSM() async {
        let model = Models.psm()
        let clinical = jointValues(model).map { q -> [Double] in
            var q = q
            q[2] = 0.05 + q[2] / 0.24 * 0.19
            return q
        }
        await propertyCheck(count: 300, input: clinical) { values in
            var scratch = KinematicScratch()
            let target = model.forward(JointVector(values), scratch: &scratch)
            // Seed near the answer, as a servo loop would (previous tick's joints).
            var seed = JointVector(values)
            for j in 0..<seed.count { seed[j] += 0.05 }
            let solution = model.inverse(pose: target, seed: model.clamped(seed), scratch: &scratch)
            #expect(solution.converged, "q = \(values)")
            let reached = model.forward(solution.joints, scratch: &scratch)
            #expect((reached.translation - target.translation).norm < 1e-6)
            let r = reached.rotation * target.rotation.transposed
            #expect(abs(r.trace - 3) < 1e-9, "orientation error at q = \(values)")
        }
    }

    @Test func unreachableTargetIsReportedAndStaysWithinLimits() {
        let model = Models.psm()
        var scratch = KinematicScratch()
        // Half a metre below the RCM: the insertion stage tops out at 0.24 m.
        let solution = model.inverse(position: Vector3(0, 0, -0.5), seed: JointVector(count: 6), scratch: &scratch)
        #expect(!solution.converged)
        #expect(solution.positionError > 0.2)
        for (j, link) in model.links.enumerated() {
            #expect(solution.joints[j] >= link.lower && solution.joints[j] <= link.upper)
        }
        // The closest point is at full insertion, straight down the shaft.
        #expect(abs(solution.joints[2] - 0.24) < 1e-6)
    }

    @Test func aJointAtItsLimitLeavesTheWorkToTheOthers() {
        // Yaw limited to [0, 0]: the target must be reached with pitch and insertion only.
        var links = Models.psm().links
        links[0].lower = 0
        links[0].upper = 0
        let model = try! KinematicModel(convention: .modifiedDH, links: links, tool: Models.psm().tool)
        var scratch = KinematicScratch()
        let q = JointVector([0, 0.3, 0.15, 0.2, 0.1, 0])
        let target = model.forward(q, scratch: &scratch).translation
        let solution = model.inverse(position: target, seed: JointVector([0, 0, 0.1, 0, 0, 0]), scratch: &scratch)
        #expect(solution.converged)
        #expect(solution.joints[0] == 0)
    }

    /// Found by `positionRoundTrip` in CI: the bench arm's elbow folded back to 2° from its
    /// shoulder, the tip 15 mm from the shoulder axis. From the zero seed the constrained descent
    /// stops on the shoulder's lower limit 1 mm short, and sixteen restart points all did too.
    static let foldedBenchArm = JointVector([-0.22228738432407313, -1.3053012664080854, -1.6104735800475816])

    @Test func theFoldedBenchArmIsFoundFromTheZeroSeed() {
        let model = Models.bench()
        var scratch = KinematicScratch()
        let target = model.forward(Self.foldedBenchArm, scratch: &scratch).translation
        let solution = model.inverse(position: target, seed: JointVector(count: 3), scratch: &scratch)
        #expect(solution.converged)
        #expect(solution.positionError < 1e-9)
        for j in 0..<3 { #expect(abs(solution.joints[j] - Self.foldedBenchArm[j]) < 1e-6, "joint \(j): the only solution within the limits") }
    }

    /// `tracking` (servo_cp's options) searches from the seed only: where the full search finds the
    /// folded arm after restarts, tracking stays local, spends at most `maxIterations`, and reports
    /// that it did not converge.
    @Test func trackingMakesNoRestarts() {
        let model = Models.bench()
        var scratch = KinematicScratch()
        let target = model.forward(Self.foldedBenchArm, scratch: &scratch).translation
        let seed = JointVector(count: 3)
        let full = model.inverse(position: target, seed: seed, scratch: &scratch)
        let local = model.inverse(position: target, seed: seed, scratch: &scratch, options: .tracking)
        #expect(full.converged && full.iterations > IKOptions().maxIterations)
        #expect(!local.converged)
        #expect(local.iterations <= IKOptions.tracking.maxIterations)
        for j in 0..<3 { #expect(local.joints[j] >= model.links[j].lower && local.joints[j] <= model.links[j].upper) }
        // A target near the seed's tip is found in a few iterations, on the seed's branch.
        let near = model.forward(JointVector([0.1, 0.3, -0.4]), scratch: &scratch).translation + Vector3(0, 0, 1e-4)
        let step = model.inverse(position: near, seed: JointVector([0.1, 0.3, -0.4]), scratch: &scratch, options: .tracking)
        #expect(step.converged && step.iterations < 10)
        #expect(abs(step.joints[2] - -0.4) < 0.01, "the elbow stays on its side")
    }

    /// `withinTick(rate:)` (move_cp's options) caps the iterations of all rounds together at one
    /// per microsecond of the period, at least 100: an unreachable target costs no more.
    @Test(arguments: [(1000.0, 1000), (4000.0, 250), (100_000.0, 100)])
    func theInTickSearchKeepsToItsBudget(_ rate: Double, _ budget: Int) {
        let model = Models.psm()
        var scratch = KinematicScratch()
        let options = IKOptions.withinTick(rate: rate)
        #expect(options.iterationBudget == budget)
        #expect(options.restarts == IKOptions().restarts)
        let far = model.inverse(position: Vector3(0, 0, -0.5), seed: JointVector(count: 6), scratch: &scratch, options: options)
        #expect(!far.converged)
        #expect(far.iterations <= budget && far.iterations > budget - options.maxIterations, "\(far.iterations) iterations")
        let unlimited = model.inverse(position: Vector3(0, 0, -0.5), seed: JointVector(count: 6), scratch: &scratch)
        #expect(unlimited.iterations > 5 * budget, "without the budget every round runs: \(unlimited.iterations)")
        // A reachable target is still found.
        let target = model.forward(JointVector([0.2, -0.1, 0.12, 0.3, 0.2, 0.1]), scratch: &scratch).translation
        #expect(model.inverse(position: target, seed: JointVector(count: 6), scratch: &scratch, options: options).converged)
    }

    /// The in-tick budget is a real limit: a target the full search finds only after the budget
    /// is refused at 1 kHz (1000 iterations) and found at 500 Hz (2000). Found in review.
    @Test func aTargetNeedingALongSearchIsFoundOnlyWithTheBudgetForIt() {
        let model = Models.bench()
        var scratch = KinematicScratch()
        let seed = JointVector([-0.0954, 1.3336, -0.5534])
        let target = Vector3(-0.014426439396540942, -0.0018022529236297372, 0.07521873654308295)
        let full = model.inverse(position: target, seed: seed, scratch: &scratch)
        #expect(full.converged && full.iterations > 1000 && full.iterations <= 2000, "\(full.iterations) iterations")
        let at1kHz = model.inverse(position: target, seed: seed, scratch: &scratch, options: .withinTick(rate: 1000))
        #expect(!at1kHz.converged && at1kHz.iterations <= 1000)
        let at500Hz = model.inverse(position: target, seed: seed, scratch: &scratch, options: .withinTick(rate: 500))
        #expect(at500Hz.converged)
        #expect(at500Hz.joints == full.joints, "the budget cuts the same search short; it does not change it")
    }

    @Test func extraJointsOfTheSeedAreKept() {
        let model = Models.psm()
        var scratch = KinematicScratch()
        let target = model.forward(JointVector([0.1, 0.1, 0.12, 0, 0, 0]), scratch: &scratch).translation
        let solution = model.inverse(position: target, seed: JointVector([0, 0, 0.1, 0, 0, 0, 0.7]), scratch: &scratch)
        #expect(solution.converged)
        #expect(solution.joints.count == 7)
        #expect(solution.joints[6] == 0.7)
    }
}
