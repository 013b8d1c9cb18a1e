public import MotionTypes

/// Settings for ``KinematicModel/inverse(position:seed:scratch:options:)``.
public struct IKOptions: Sendable, Equatable {
    /// Converged when the tip is this close to the target, metres.
    public var positionTolerance: Double = 1e-9
    /// Converged when the orientation error is below this, radians (pose targets only).
    public var orientationTolerance: Double = 1e-9
    /// Metres of position error one radian of orientation error is worth (pose targets only).
    public var orientationWeight: Double = 0.1
    /// Damped-least-squares iterations per attempt.
    public var maxIterations: Int = 100
    /// Further rounds when the first attempt (a constrained descent from the caller's seed)
    /// does not converge: the first from the seed itself, the rest from deterministic points
    /// spread over the joint box. 0 keeps the search local: the answer then stays on the seed's
    /// branch, which is what a servo loop tracking a moving target needs.
    public var restarts: Int = 64
    /// The most iterations over all attempts together: bounds the worst-case time of a query
    /// whose target cannot be reached (every round then runs in full).
    public var iterationBudget: Int = .max
    /// The largest change of any joint in one iteration (radians or metres).
    public var maxStep: Double = 0.2

    public init() {}

    /// For a target that moves a little every tick (`servo_cp`): a constrained descent from the
    /// previous joints only. No restarts, so the answer never jumps to another branch of the
    /// arm or a whole turn away; a target out of reach gives the closest point the descent
    /// finds (`converged` false). At most `maxIterations` iterations.
    public static var tracking: IKOptions {
        var options = IKOptions()
        options.restarts = 0
        return options
    }

    /// For a one-off target solved inside a control tick (`move_cp`) of a loop running at `rate`
    /// Hz: the full search, with the iterations over all rounds capped at one per microsecond of
    /// the period (1000 at 1 kHz, 250 at 4 kHz; at least 100), so that a target that cannot be
    /// reached costs a bounded time. One iteration of the PSM takes about 0.5 µs on the
    /// development machine (`vigil bench`: `ik_unreachable_move_us`).
    public static func withinTick(rate: Double) -> IKOptions {
        var options = IKOptions()
        options.iterationBudget = Swift.max(100, Int((1e6 / rate).rounded(.down)))
        return options
    }
}

/// The result of an inverse-kinematics query: always within joint limits; `converged` says
/// whether it reaches the target within the tolerances.
public struct IKSolution: Sendable, Equatable {
    public var joints: JointVector
    /// Distance from the tip to the target position, metres.
    public var positionError: Double
    /// Orientation error, radians (0 for position-only targets).
    public var orientationError: Double
    /// Iterations used in total, over all attempts.
    public var iterations: Int
    public var converged: Bool
}

extension KinematicModel {
    /// Damped-least-squares inverse kinematics for a tip position (the tool orientation is
    /// free). Joint limits are respected: joints are clamped every iteration, and a joint held
    /// at a limit is removed from the step so the others make up for it. Extra joints of `seed`
    /// beyond the chain are returned unchanged.
    public func inverse(
        position target: Vector3,
        seed: JointVector,
        scratch: inout KinematicScratch,
        options: IKOptions = IKOptions()
    ) -> IKSolution {
        solve(IKTarget(position: target, rotation: nil), seed: seed, scratch: &scratch, options: options)
    }

    /// Damped-least-squares inverse kinematics for a full tool pose. Near a singular
    /// configuration (for the PSM: the wrist withdrawn to the RCM) convergence slows and the
    /// result may miss the tolerances; `converged` then says so.
    public func inverse(
        pose target: Pose,
        seed: JointVector,
        scratch: inout KinematicScratch,
        options: IKOptions = IKOptions()
    ) -> IKSolution {
        solve(IKTarget(position: target.translation, rotation: target.rotation), seed: seed, scratch: &scratch, options: options)
    }
}

struct IKTarget {
    var position: Vector3
    var rotation: Rotation3?
}

/// The weighted task-space error at one configuration.
struct IKResidual {
    var position: Vector3
    var orientation: Vector3
    var positionNorm: Double { position.norm }
    var orientationNorm: Double { orientation.norm }
    func cost(_ weight: Double) -> Double { position.squaredNorm + weight * weight * orientation.squaredNorm }
}

extension KinematicModel {
    func solve(_ target: IKTarget, seed: JointVector, scratch: inout KinematicScratch, options: IKOptions) -> IKSolution {
        precondition(seed.count >= links.count, "the seed needs a value for every joint of the chain")
        // 1. Constrained descent from the caller's seed: the usual case, warm-started by a servo
        //    loop, converges in a few iterations to the solution nearest the seed.
        var best = attempt(
            target, from: clamped(seed), constrained: true, limit: options.iterationBudget, scratch: &scratch, options: options)
        var iterations = best.iterations
        var restart = 0
        while !best.converged && restart < options.restarts && iterations < options.iterationBudget {
            // 2. From the seed, then from deterministic points spread over the joint box: an
            //    unconstrained solve (no boundary minima) whose answer is kept when it lies within
            //    the limits, revolute joints taken modulo 2π; else a constrained solve.
            var start = seed
            if restart > 0 {
                for j in 0..<links.count {
                    let f = radicalInverse(restart, base: primes[j])
                    start[j] = links[j].lower + f * (links[j].upper - links[j].lower)
                }
            }
            restart += 1
            let free = attempt(
                target, from: start, constrained: false, limit: options.iterationBudget - iterations, scratch: &scratch,
                options: options)
            iterations += free.iterations
            if free.converged, let inside = withinLimits(free.joints) {
                var candidate = evaluate(target, inside, scratch: &scratch, options: options)
                if candidate.converged {
                    candidate.iterations = 0
                    best = candidate
                    break
                }
            }
            guard iterations < options.iterationBudget else { break }
            let bounded = attempt(
                target, from: clamped(start), constrained: true, limit: options.iterationBudget - iterations,
                scratch: &scratch, options: options)
            iterations += bounded.iterations
            if bounded.converged || isBetter(bounded, than: best, options) { best = bounded }
        }
        best.iterations = iterations
        return best
    }

    /// `q` with revolute joints moved by whole turns into their limits, and values within 1e-12
    /// of a limit snapped onto it; nil when some joint cannot be brought inside.
    private func withinLimits(_ q: JointVector) -> JointVector? {
        var r = q
        let turn = 2 * Double.pi
        for j in 0..<links.count {
            let link = links[j]
            if link.kind == .revolute && (r[j] < link.lower || r[j] > link.upper) {
                let turns = ((link.lower - r[j]) / turn).rounded(.up)
                r[j] += turns * turn
            }
            if r[j] < link.lower && r[j] > link.lower - 1e-12 { r[j] = link.lower }
            if r[j] > link.upper && r[j] < link.upper + 1e-12 { r[j] = link.upper }
            guard r[j] >= link.lower && r[j] <= link.upper else { return nil }
        }
        return r
    }

    private func evaluate(_ target: IKTarget, _ q: JointVector, scratch: inout KinematicScratch, options: IKOptions) -> IKSolution {
        let r = residual(target, q, scratch: &scratch)
        return IKSolution(
            joints: q, positionError: r.positionNorm,
            orientationError: target.rotation == nil ? 0 : r.orientationNorm, iterations: 0,
            converged: isConverged(r, target, options))
    }

    private func isBetter(_ a: IKSolution, than b: IKSolution, _ options: IKOptions) -> Bool {
        let w = options.orientationWeight
        let ca = a.positionError * a.positionError + w * w * a.orientationError * a.orientationError
        let cb = b.positionError * b.positionError + w * w * b.orientationError * b.orientationError
        return ca < cb
    }

    private func residual(_ target: IKTarget, _ q: JointVector, scratch: inout KinematicScratch) -> IKResidual {
        let pose = forward(q, scratch: &scratch)
        var r = IKResidual(position: target.position - pose.translation, orientation: .zero)
        if let desired = target.rotation {
            r.orientation = rotationLog(desired * pose.rotation.transposed)
        }
        return r
    }

    private func isConverged(_ r: IKResidual, _ target: IKTarget, _ options: IKOptions) -> Bool {
        r.positionNorm <= options.positionTolerance
            && (target.rotation == nil || r.orientationNorm <= options.orientationTolerance)
    }

    /// One Levenberg–Marquardt-damped least-squares descent from `start`, of at most
    /// `min(limit, options.maxIterations)` iterations. When `constrained`, `start` must be
    /// within the limits and every iterate stays there.
    private func attempt(
        _ target: IKTarget, from start: JointVector, constrained: Bool, limit: Int, scratch: inout KinematicScratch,
        options: IKOptions
    ) -> IKSolution {
        let n = links.count
        let rows = target.rotation == nil ? 3 : 6
        let w = options.orientationWeight
        var q = start
        var r = residual(target, q, scratch: &scratch)
        var lambda = 1e-3
        var iteration = 0
        let iterationLimit = Swift.min(limit, options.maxIterations)
        while iteration < iterationLimit && !isConverged(r, target, options) {
            iteration += 1
            // `residual` left the frames of q in scratch.
            let jac = jacobianAfterForward(tip: scratch.toolFrame.translation, scratch: &scratch)
            var error: InlineArray<6, Double> = [r.position.x, r.position.y, r.position.z, 0, 0, 0]
            if rows == 6 {
                error[3] = w * r.orientation.x
                error[4] = w * r.orientation.y
                error[5] = w * r.orientation.z
            }
            // Active set: a joint at a limit whose gradient Jᵀe points outward cannot help.
            var locked: UInt8 = 0
            for j in 0..<n where constrained && (q[j] <= links[j].lower || q[j] >= links[j].upper) {
                var g = 0.0
                for row in 0..<rows { g += (row < 3 ? jac[row, j] : w * jac[row, j]) * error[row] }
                if (q[j] <= links[j].lower && g < 0) || (q[j] >= links[j].upper && g > 0) { locked |= 1 << j }
            }
            var step = JointVector(count: q.count)
            var passes = 0
            while true {
                passes += 1
                step = dampedStep(jac, rows: rows, weight: w, error: error, lambda: lambda, locked: locked)
                let largest = step.maxMagnitude
                if largest > options.maxStep {
                    step = (options.maxStep / largest) * step
                }
                // Lock joints at a limit that the step would push further out; solve again.
                var newlyLocked: UInt8 = 0
                for j in 0..<n where constrained && locked & (1 << j) == 0 {
                    if (q[j] <= links[j].lower && step[j] < 0) || (q[j] >= links[j].upper && step[j] > 0) {
                        newlyLocked |= 1 << j
                    }
                }
                if newlyLocked == 0 || passes > n { break }
                locked |= newlyLocked
            }
            var candidate = q
            for j in 0..<n where locked & (1 << j) == 0 { candidate[j] += step[j] }
            if constrained { candidate = clamped(candidate) }
            let rc = residual(target, candidate, scratch: &scratch)
            if rc.cost(w) < r.cost(w) {
                q = candidate
                r = rc
                lambda = Swift.max(lambda * 0.25, 1e-12)
            } else {
                lambda *= 8
                if lambda > 1e4 { break }
                // Restore the frames of q for the next Jacobian.
                r = residual(target, q, scratch: &scratch)
            }
        }
        return IKSolution(
            joints: q,
            positionError: r.positionNorm,
            orientationError: target.rotation == nil ? 0 : r.orientationNorm,
            iterations: iteration,
            converged: isConverged(r, target, options)
        )
    }

    /// Δq = Jᵀ (J Jᵀ + λ² I)⁻¹ e over the unlocked joints, via a Cholesky solve of size `rows`.
    /// The entries (0 in a locked column, weighted in the orientation rows) are worked out once
    /// into a local table; the sums run in the same order as ever, so the step is the same to
    /// the bit.
    private func dampedStep(
        _ jac: Jacobian, rows: Int, weight: Double, error: InlineArray<6, Double>, lambda: Double, locked: UInt8
    ) -> JointVector {
        let n = links.count
        // entries[row * 8 + col]: J with the locked columns zeroed and the orientation rows weighted.
        var entries = InlineArray<48, Double>(repeating: 0)
        for col in 0..<n where locked & (1 << col) == 0 {
            for row in 0..<rows { entries[row * 8 + col] = row < 3 ? jac[row, col] : weight * jac[row, col] }
        }
        // A = J Jᵀ + λ² I (symmetric positive definite), row-major, lower triangle used.
        var normal = InlineArray<36, Double>(repeating: 0)
        var rhs = InlineArray<6, Double>(repeating: 0)
        for a in 0..<rows {
            for b in 0...a {
                var s = 0.0
                for j in 0..<n { s += entries[a * 8 + j] * entries[b * 8 + j] }
                if a == b { s += lambda * lambda }
                normal[a * 6 + b] = s
            }
            rhs[a] = error[a]
        }
        // In-place Cholesky A = L Lᵀ (lower triangle).
        for a in 0..<rows {
            for b in 0...a {
                var s = normal[a * 6 + b]
                for k in 0..<b { s -= normal[a * 6 + k] * normal[b * 6 + k] }
                if a == b {
                    normal[a * 6 + a] = s > 0 ? s.squareRoot() : 1e-300
                } else {
                    normal[a * 6 + b] = s / normal[b * 6 + b]
                }
            }
        }
        // Solve L y = e, then Lᵀ x = y.
        for a in 0..<rows {
            var s = rhs[a]
            for k in 0..<a { s -= normal[a * 6 + k] * rhs[k] }
            rhs[a] = s / normal[a * 6 + a]
        }
        for a in stride(from: rows - 1, through: 0, by: -1) {
            var s = rhs[a]
            for k in (a + 1)..<rows { s -= normal[k * 6 + a] * rhs[k] }
            rhs[a] = s / normal[a * 6 + a]
        }
        var step = JointVector(count: JointVector.capacity)
        for j in 0..<n {
            var s = 0.0
            for a in 0..<rows { s += entries[a * 8 + j] * rhs[a] }
            step[j] = s
        }
        return step
    }
}

private let primes: InlineArray<8, Int> = [2, 3, 5, 7, 11, 13, 17, 19]

/// The van der Corput radical inverse of `index` in `base`: a low-discrepancy fraction in (0, 1).
private func radicalInverse(_ index: Int, base: Int) -> Double {
    var i = index
    var f = 1.0 / Double(base)
    var r = 0.0
    while i > 0 {
        r += f * Double(i % base)
        i /= base
        f /= Double(base)
    }
    return r
}

/// The rotation vector (axis × angle, radians) of a rotation matrix: the matrix logarithm.
func rotationLog(_ r: Rotation3) -> Vector3 {
    let cosAngle = Swift.min(1, Swift.max(-1, (r.trace - 1) / 2))
    let angle = arcCosine(cosAngle)
    let skew = Vector3(r.r21 - r.r12, r.r02 - r.r20, r.r10 - r.r01)
    if angle < 1e-6 {
        return 0.5 * skew
    }
    let s = sine(angle)
    if s > 1e-6 {
        return (angle / (2 * s)) * skew
    }
    // Angle near π: the axis is the dominant column of (R + I) / 2.
    let xx = (r.r00 + 1) / 2, yy = (r.r11 + 1) / 2, zz = (r.r22 + 1) / 2
    var axis: Vector3
    if xx >= yy && xx >= zz {
        let x = xx.squareRoot()
        axis = Vector3(x, (r.r01 + r.r10) / (4 * x), (r.r02 + r.r20) / (4 * x))
    } else if yy >= zz {
        let y = yy.squareRoot()
        axis = Vector3((r.r01 + r.r10) / (4 * y), y, (r.r12 + r.r21) / (4 * y))
    } else {
        let z = zz.squareRoot()
        axis = Vector3((r.r02 + r.r20) / (4 * z), (r.r12 + r.r21) / (4 * z), z)
    }
    axis = (1 / axis.norm) * axis
    if axis.dot(skew) < 0 { axis = -axis }
    return angle * axis
}
