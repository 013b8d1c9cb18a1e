import Kinematics
import MotionTypes
import PropertyBased
import Testing

@Suite struct RemoteCenterTests {
    /// The PSM is a mechanical RCM: whatever the joints, the shaft passes through the port.
    @Test func psmShaftAlwaysPassesThroughTheRCM() async {
        let model = Models.psm()
        await propertyCheck(count: 300, input: jointValues(model)) { values in
            var scratch = KinematicScratch()
            let geometry = model.remoteCenterGeometry(JointVector(values), scratch: &scratch)!
            #expect(geometry.shaftDistance < 1e-12)
            // The wrist sits at insertion − (0.4318 − 0.4162) m along the shaft.
            #expect(abs(geometry.insertionDepth - (values[2] - 0.0156)) < 1e-12)
        }
    }

    /// The loop's per-tick check computes only the links up to the shaft (`shaftGeometry`); it
    /// must give exactly what the full computation gives, in both DH conventions.
    @Test func shaftGeometryEqualsTheFullComputation() async {
        let offset = Vector3(0.001, -0.0005, 0.0002)
        let scara = Models.scara()
        let standard = try! KinematicModel(
            convention: .standardDH, links: scara.links, base: scara.base, tool: scara.tool,
            remoteCenter: .init(point: Vector3(0.4, 0.2, 0.1), shaftJoint: 2))
        for model in [Models.psm(), standard] {
            await propertyCheck(count: 200, input: jointValues(model)) { values in
                var full = KinematicScratch(), partial = KinematicScratch()
                let q = JointVector(values)
                let g = model.remoteCenterGeometry(q, portOffset: offset, scratch: &full)!
                let s = model.shaftGeometry(q, portOffset: offset, scratch: &partial)!
                #expect(s.shaftDistance == g.shaftDistance && s.insertionDepth == g.insertionDepth)
                #expect(s.shaftDirection == g.shaftDirection && s.tipDistance.isNaN)
            }
        }
    }

    @Test func tipDistanceAtTheReferenceConfiguration() {
        var scratch = KinematicScratch()
        let g = Models.psm().remoteCenterGeometry(JointVector([0, 0, 0.12, 0, 0, 0]), scratch: &scratch)!
        #expect(abs(g.tipDistance - 0.1135) < 1e-12)
    }

    /// A port that is not where the kinematics put it (H04's fault): the distance is the offset
    /// perpendicular to the shaft.
    @Test func anRCMOffsetShowsAsShaftDistance() {
        var scratch = KinematicScratch()
        let model = Models.psm(remoteCenterPoint: Vector3(0.002, 0, 0))
        // All joints 0: the shaft runs along −z through the origin.
        let g = model.remoteCenterGeometry(JointVector([0, 0, 0.12, 0, 0, 0]), scratch: &scratch)!
        #expect(abs(g.shaftDistance - 0.002) < 1e-12)
    }

    /// The same fault given as where the port really is: across the shaft it is all shaft
    /// distance; along the shaft it changes only the insertion depth.
    @Test func aPortOffsetActsAcrossAndAlongTheShaft() {
        var scratch = KinematicScratch()
        let model = Models.psm()
        let q = JointVector([0.3, -0.2, 0.12, 0.5, 0.1, -0.1])
        let g = model.remoteCenterGeometry(q, scratch: &scratch)!
        let d = g.shaftDirection
        #expect(abs(d.norm - 1) < 1e-12)
        var side = Vector3(1, 0, 0) - d.x * d
        side = (1 / side.norm) * side
        let across = model.remoteCenterGeometry(q, portOffset: 0.0011 * side, scratch: &scratch)!
        #expect(abs(across.shaftDistance - 0.0011) < 1e-12)
        #expect(abs(across.insertionDepth - g.insertionDepth) < 1e-12)
        let along = model.remoteCenterGeometry(q, portOffset: 0.005 * d, scratch: &scratch)!
        #expect(along.shaftDistance < 1e-12)
        #expect(abs(along.insertionDepth - (g.insertionDepth - 0.005)) < 1e-12)
    }

    @Test func modelsWithoutAnRCMHaveNoGeometry() {
        var scratch = KinematicScratch()
        #expect(Models.bench().remoteCenterGeometry(JointVector([0, 0, 0]), scratch: &scratch) == nil)
    }
}

@Suite struct KinematicModelValidationTests {
    let link = KinematicModel.Link(kind: .revolute, alpha: 0, a: 0.1, d: 0, offset: 0, lower: -1, upper: 1)

    @Test func rejectsEmptyAndOversizedChains() {
        #expect(throws: KinematicModelError.self) { try KinematicModel(convention: .modifiedDH, links: []) }
        #expect(throws: KinematicModelError.self) {
            try KinematicModel(convention: .modifiedDH, links: Array(repeating: link, count: 9))
        }
    }

    @Test func rejectsNonFiniteParametersAndInvertedLimits() {
        var bad = link
        bad.a = .nan
        #expect(throws: KinematicModelError.self) { try KinematicModel(convention: .standardDH, links: [bad]) }
        bad = link
        bad.lower = 2
        #expect(throws: KinematicModelError.self) { try KinematicModel(convention: .standardDH, links: [bad]) }
    }

    @Test func rejectsAToolThatIsNotARotation() {
        let skewed = Pose(rotation: Rotation3(1, 0.1, 0, 0, 1, 0, 0, 0, 1))
        #expect(throws: KinematicModelError.self) { try KinematicModel(convention: .standardDH, links: [link], tool: skewed) }
        let mirrored = Pose(rotation: Rotation3(-1, 0, 0, 0, 1, 0, 0, 0, 1))
        #expect(throws: KinematicModelError.self) { try KinematicModel(convention: .standardDH, links: [link], tool: mirrored) }
    }

    @Test func rejectsAShaftJointOutsideTheChain() {
        #expect(throws: KinematicModelError.self) {
            try KinematicModel(convention: .standardDH, links: [link], remoteCenter: .init(point: .zero, shaftJoint: 1))
        }
    }
}
