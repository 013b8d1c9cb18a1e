public import MotionTypes

extension KinematicModel {
    /// Moves `frame` (the parent's, in the base frame) through `link` at joint value `q`: the
    /// parent's axes turned by the link's two rotations column by column, which is cheaper than
    /// multiplying full matrices (12 products per rotation instead of 27).
    @inline(__always)
    func advance(_ frame: inout Pose, link: Link, _ q: Double) {
        var d = link.d
        let st: Double, ct: Double
        switch link.kind {
        case .revolute: (st, ct) = Elementary.sinCos(link.theta + (q + link.offset))
        case .prismatic:
            d += q + link.offset
            (st, ct) = (link.fixedSin, link.fixedCos)
        }
        let ca = link.cosAlpha, sa = link.sinAlpha
        let c0 = frame.rotation.xAxis, c1 = frame.rotation.yAxis, c2 = frame.rotation.zAxis
        let x: Vector3, y: Vector3, z: Vector3
        switch convention {
        case .modifiedDH:
            // RotX(alpha) · TransX(a) · RotZ(theta) · TransZ(d)
            let y1 = ca * c1 + sa * c2
            z = ca * c2 - sa * c1
            x = ct * c0 + st * y1
            y = ct * y1 - st * c0
            frame.translation = frame.translation + link.a * c0 + d * z
        case .standardDH:
            // RotZ(theta) · TransZ(d) · TransX(a) · RotX(alpha)
            x = ct * c0 + st * c1
            let y1 = ct * c1 - st * c0
            y = ca * y1 + sa * c2
            z = ca * c2 - sa * y1
            frame.translation = frame.translation + d * c2 + link.a * x
        }
        frame.rotation = Rotation3(x.x, y.x, z.x, x.y, y.y, z.y, x.z, y.z, z.z)
    }

    /// The base and the first `count` link frames at joints `q`, into `scratch.frames[0…count]`;
    /// returns the last.
    @inline(__always)
    func chain(_ q: JointVector, count: Int, scratch: inout KinematicScratch) -> Pose {
        var frame = base
        scratch.frames[0] = frame
        for i in 0..<count {
            advance(&frame, link: links[i], q[i])
            scratch.frames[i + 1] = frame
        }
        return frame
    }

    /// Forward kinematics: the tool frame in the base frame at joints `q` (radians / metres;
    /// `q.count` ≥ ``jointCount``). Fills `scratch.frames` with every link frame.
    @discardableResult
    public func forward(_ q: JointVector, scratch: inout KinematicScratch) -> Pose {
        precondition(q.count >= links.count, "need a value for every joint of the chain")
        let toolFrame = chain(q, count: links.count, scratch: &scratch) * tool
        scratch.toolFrame = toolFrame
        return toolFrame
    }

    /// The tool point in the base frame at joints `q`: `forward(q).translation`, bit for bit,
    /// without keeping the link frames or turning the tool's axes (the tick's tip checks and
    /// the excursion need the point only).
    public func tipPosition(_ q: JointVector) -> Vector3 {
        precondition(q.count >= links.count, "need a value for every joint of the chain")
        var frame = base
        for i in 0..<links.count { advance(&frame, link: links[i], q[i]) }
        return frame.rotation * tool.translation + frame.translation  // as `Pose *` computes it
    }

    /// The frame whose z axis is joint `j`'s axis, after a `forward` call on `scratch`.
    func jointAxisFrame(_ j: Int, _ scratch: KinematicScratch) -> Pose {
        scratch.frames.span[framesForAxis(j)]  // a span read copies nothing
    }

    /// How many link frames `jointAxisFrame(j)` needs.
    func framesForAxis(_ j: Int) -> Int {
        switch convention {
        case .modifiedDH: return j + 1
        case .standardDH: return j
        }
    }
}
