public import MotionTypes

extension KinematicModel {
    /// The transform of link `i` (0-based) at joint value `q`.
    func linkTransform(_ i: Int, _ q: Double) -> Pose {
        let link = links[i]
        var theta = link.theta
        var d = link.d
        switch link.kind {
        case .revolute: theta += q + link.offset
        case .prismatic: d += q + link.offset
        }
        let ct = cosine(theta), st = sine(theta)
        let ca = link.cosAlpha, sa = link.sinAlpha
        switch convention {
        case .modifiedDH:
            // RotX(alpha) · TransX(a) · RotZ(theta) · TransZ(d)
            return Pose(
                rotation: Rotation3(ct, -st, 0, ca * st, ca * ct, -sa, sa * st, sa * ct, ca),
                translation: Vector3(link.a, -sa * d, ca * d)
            )
        case .standardDH:
            // RotZ(theta) · TransZ(d) · TransX(a) · RotX(alpha)
            return Pose(
                rotation: Rotation3(ct, -st * ca, st * sa, st, ct * ca, -ct * sa, 0, sa, ca),
                translation: Vector3(link.a * ct, link.a * st, d)
            )
        }
    }

    /// Forward kinematics: the tool frame in the base frame at joints `q` (radians / metres;
    /// `q.count` ≥ ``jointCount``). Fills `scratch.frames` with every link frame.
    @discardableResult
    public func forward(_ q: JointVector, scratch: inout KinematicScratch) -> Pose {
        precondition(q.count >= links.count, "need a value for every joint of the chain")
        var frame = base
        scratch.frames[0] = frame
        for i in 0..<links.count {
            frame = frame * linkTransform(i, q[i])
            scratch.frames[i + 1] = frame
        }
        let toolFrame = frame * tool
        scratch.toolFrame = toolFrame
        return toolFrame
    }

    /// The frame whose z axis is joint `j`'s axis, after a `forward` call on `scratch`.
    func jointAxisFrame(_ j: Int, _ scratch: KinematicScratch) -> Pose {
        switch convention {
        case .modifiedDH: return scratch.frames[j + 1]
        case .standardDH: return scratch.frames[j]
        }
    }
}
