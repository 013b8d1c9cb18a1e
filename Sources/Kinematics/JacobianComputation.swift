public import MotionTypes

extension KinematicModel {
    /// The geometric Jacobian of the tool point at joints `q`, in the base frame.
    public func jacobian(_ q: JointVector, scratch: inout KinematicScratch) -> Jacobian {
        let tip = forward(q, scratch: &scratch).translation
        return jacobianAfterForward(tip: tip, scratch: &scratch)
    }

    /// The Jacobian from the frames left in `scratch` by the last `forward` call. (`inout` only
    /// so the 1.3 KB scratch is not copied per call; nothing is written.)
    func jacobianAfterForward(tip: Vector3, scratch: inout KinematicScratch) -> Jacobian {
        var jac = Jacobian(columns: links.count)
        for j in 0..<links.count {
            let axisFrame = jointAxisFrame(j, scratch)
            let z = axisFrame.rotation.zAxis
            switch links[j].kind {
            case .revolute:
                let v = z.cross(tip - axisFrame.translation)
                jac[0, j] = v.x
                jac[1, j] = v.y
                jac[2, j] = v.z
                jac[3, j] = z.x
                jac[4, j] = z.y
                jac[5, j] = z.z
            case .prismatic:
                jac[0, j] = z.x
                jac[1, j] = z.y
                jac[2, j] = z.z
            }
        }
        return jac
    }
}
