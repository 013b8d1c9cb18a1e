import MotionTypes
import Testing

@Suite struct JointVectorTests {
    @Test func holdsUpToEightJointsInline() {
        var v = JointVector(count: 8, repeating: 1.5)
        #expect(v.count == 8)
        #expect(v.allSatisfy { $0 == 1.5 })
        v[7] = -2
        #expect(v[7] == -2)
        #expect(MemoryLayout<JointVector>.size <= 8 * 8 + 8, "stored inline, not behind a pointer")
    }

    @Test func arithmeticIsElementWise() {
        let a = JointVector([1, 2, 3])
        let b = JointVector([0.5, -1, 4])
        #expect(a + b == JointVector([1.5, 1, 7]))
        #expect(a - b == JointVector([0.5, 3, -1]))
        #expect(2 * a == JointVector([2, 4, 6]))
    }

    @Test func equalityComparesOnlyTheUsedJoints() {
        #expect(JointVector([1, 2]) != JointVector([1, 2, 0]))
        #expect(JointVector(count: 3) == JointVector([0, 0, 0]))
        #expect(JointVector([.nan]) != JointVector([.nan]))
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteElementsAreDetected(_ bad: Double) {
        var v = JointVector([0.1, 0.2, 0.3])
        #expect(v.isFinite)
        v[1] = bad
        #expect(!v.isFinite)
    }

    @Test func maxMagnitude() {
        #expect(JointVector([0.1, -3, 2]).maxMagnitude == 3)
        #expect(JointVector(count: 0).maxMagnitude == 0)
        #expect(JointVector([1, .nan]).maxMagnitude.isNaN)
    }

    @Test func ticksCount() {
        let t = Tick(10)
        #expect(t + 5 == Tick(15))
        #expect(Tick(15) - t == 5)
        #expect(Tick.zero < t)
    }
}

@Suite struct PoseTests {
    /// A rotation of `angle` about z, written out by hand.
    func rotZ(_ c: Double, _ s: Double) -> Rotation3 { Rotation3(c, -s, 0, s, c, 0, 0, 0, 1) }

    @Test func compositionAppliesTheRightTransformFirst() {
        // B in A: rotate 90° about z and move 1 m along x. C in B: move 1 m along x.
        let ab = Pose(rotation: rotZ(0, 1), translation: Vector3(1, 0, 0))
        let bc = Pose(translation: Vector3(1, 0, 0))
        let ac = ab * bc
        #expect(ac.translation == Vector3(1, 1, 0))
        #expect(ab.apply(Vector3(1, 0, 0)) == Vector3(1, 1, 0))
    }

    @Test func inverseUndoesThePose() {
        let c = 0.6, s = 0.8
        let pose = Pose(rotation: rotZ(c, s), translation: Vector3(0.1, -0.2, 0.3))
        let identity = pose * pose.inverse
        let rows = identity.matrixRows
        for i in 0..<4 {
            for j in 0..<4 {
                #expect(abs(rows[i][j] - (i == j ? 1 : 0)) < 1e-15)
            }
        }
    }

    @Test func vectorAlgebra() {
        let x = Vector3(1, 0, 0), y = Vector3(0, 1, 0)
        #expect(x.cross(y) == Vector3(0, 0, 1))
        #expect(x.dot(y) == 0)
        #expect(Vector3(3, 4, 12).norm == 13)
    }
}
