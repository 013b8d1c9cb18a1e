/// Sine, cosine, exponential, logarithm and hyperbolic tangent written in Swift, for the tick.
///
/// Two reasons not to call the C library here. Speed: the simulator, the controller and the
/// kinematics take a dozen sines and cosines per tick, and a `sin` and a `cos` from libm cost
/// about 20 ns each where `sinCos` costs a few. Determinism: these are plain IEEE-754 arithmetic
/// with a fixed order of operations, so a seed gives the same bits on every machine and C
/// library, not only on the one that wrote the log.
///
/// The algorithms are the classic fdlibm ones: Cody–Waite reduction by π/2 in three parts and
/// the fdlibm kernel polynomials on [−π/4, π/4]; `exp`, `expm1` and `log` reduce by ln 2 and
/// use series with enough terms for double precision. Against glibc: sine, cosine and log
/// within 1 ulp, exp and expm1 within 2, tanh within 4 (it carries expm1's last bit through a
/// division).
/// The tests compare every function with the C library over millions of arguments.
/// Beyond ±1.6 million radians (no joint, no phase of a motion pattern) the reduction is by the
/// double nearest 2π and loses about |x|·4·10⁻¹⁷ of absolute accuracy.
public enum Elementary {
    // π/2 in three 33-bit parts and their tails (fdlibm's pio2_1, pio2_1t …).
    @usableFromInline static let twoOverPi = 6.36619772367581382433e-01
    @usableFromInline static let pio2_1 = 1.57079632673412561417e+00
    @usableFromInline static let pio2_2 = 6.07710050630396597660e-11
    @usableFromInline static let pio2_2t = 2.02226624879595063154e-21
    @usableFromInline static let pio2_3 = 2.02226624871116645580e-21
    @usableFromInline static let pio2_3t = 8.47842766036889956997e-32

    /// Sine and cosine of `x` (radians) together, for the price of about one.
    @inlinable
    public static func sinCos(_ x: Double) -> (sin: Double, cos: Double) {
        let a = Swift.abs(x)
        if a <= 0.785398163397448279 {  // π/4: no reduction
            return (kernelSin(x, 0), kernelCos(x, 0))
        }
        guard a < 1.6e6 else {
            if !x.isFinite { return (.nan, .nan) }
            // Far out: reduce by the double nearest 2π (fmod is exact), which costs about
            // |x|·4·10⁻¹⁷ of absolute accuracy. No joint or motion phase comes here.
            return sinCos(x.truncatingRemainder(dividingBy: 2 * Double.pi))
        }
        // n = nearest integer to |x|·2/π; r = |x| − n·π/2 as a double-double (y0 + y1).
        let fn = roundedToNearest(a * twoOverPi)
        let n = Int(fn)
        let r0 = a - fn * pio2_1  // exact: fn has at most 21 bits, pio2_1 33
        var w = fn * pio2_2
        var r = r0 - w
        w = fn * pio2_2t - ((r0 - r) - w)
        var y0 = r - w
        if exponentBits(a) - exponentBits(y0) > 49 {
            // Heavy cancellation (x very near a multiple of π/2): one more third of π/2.
            let t = r
            w = fn * pio2_3
            r = t - w
            w = fn * pio2_3t - ((t - r) - w)
            y0 = r - w
        }
        let y1 = (r - y0) - w
        let s = kernelSin(y0, y1), c = kernelCos(y0, y1)
        let sign: Double = x < 0 ? -1 : 1
        switch n & 3 {
        case 0: return (sign * s, c)
        case 1: return (sign * c, -s)
        case 2: return (-sign * s, -c)
        default: return (-sign * c, s)
        }
    }

    /// `x` rounded to the nearest integer, ties to even, for |x| < 2⁵¹: adding and taking away
    /// 1.5·2⁵² leaves no fraction bits. The generic x86-64 target has no rounding instruction,
    /// and `rounded()` there is a call into the C library.
    @inlinable @inline(__always)
    static func roundedToNearest(_ x: Double) -> Double {
        let magic = 6_755_399_441_055_744.0
        return (x + magic) - magic
    }

    /// `x` rounded down to an integer (`x.rounded(.down)`), without a C library call for
    /// |x| < 2⁵¹. The simulator's encoders quantise with it.
    @inlinable
    public static func roundedDown(_ x: Double) -> Double {
        guard Swift.abs(x) < 0x1p51 else { return x.rounded(.down) }
        if x == 0 { return x }  // keeps the sign of zero
        let r = roundedToNearest(x)
        return r > x ? r - 1 : r
    }

    /// The biased exponent field (0 for zero and subnormals): cheaper than `Double.exponent`.
    @inlinable static func exponentBits(_ x: Double) -> Int { Int(truncatingIfNeeded: (x.bitPattern >> 52) & 0x7FF) }

    @inlinable public static func sin(_ x: Double) -> Double { sinCos(x).sin }
    @inlinable public static func cos(_ x: Double) -> Double { sinCos(x).cos }

    /// fdlibm's __kernel_sin on [−π/4, π/4]; `y` is the tail of `x`.
    @inlinable @inline(__always)
    static func kernelSin(_ x: Double, _ y: Double) -> Double {
        let s1 = -1.66666666666666324348e-01, s2 = 8.33333333332248946124e-03
        let s3 = -1.98412698298579493134e-04, s4 = 2.75573137070700676789e-06
        let s5 = -2.50507602534068634195e-08, s6 = 1.58969099521155010221e-10
        let z = x * x
        let v = z * x
        let r = s2 + z * (s3 + z * (s4 + z * (s5 + z * s6)))
        return x - ((z * (0.5 * y - v * r) - y) - v * s1)
    }

    /// fdlibm's __kernel_cos on [−π/4, π/4]; `y` is the tail of `x`.
    @inlinable @inline(__always)
    static func kernelCos(_ x: Double, _ y: Double) -> Double {
        let c1 = 4.16666666666666019037e-02, c2 = -1.38888888888741095749e-03
        let c3 = 2.48015872894767294178e-05, c4 = -2.75573143513906633035e-07
        let c5 = 2.08757232129817482790e-09, c6 = -1.13596475577881948265e-11
        let z = x * x
        var w = z * z
        let r = z * (c1 + z * (c2 + z * c3)) + w * w * (c4 + z * (c5 + z * c6))
        let hz = 0.5 * z
        w = 1 - hz
        return w + (((1 - w) - hz) + (z * r - x * y))
    }

    // ln 2 in two parts: the first has 32 bits, so k · ln2Hi is exact for |k| < 2²¹.
    @usableFromInline static let ln2Hi = 6.93147180369123816490e-01
    @usableFromInline static let ln2Lo = 1.90821492927058770002e-10
    @usableFromInline static let invLn2 = 1.44269504088896338700e+00

    /// x = k·ln 2 + r with |r| ≤ ln 2 / 2, and e^r − 1 to double precision. |x| ≤ 746.
    @inlinable
    static func reduceExp(_ x: Double) -> (k: Int, em1: Double) {
        let k = roundedToNearest(x * invLn2)
        let hi = x - k * ln2Hi
        let lo = k * ln2Lo
        let r = hi - lo
        let c = (hi - r) - lo  // the rounding of r, carried into the series
        // e^r − 1 = r + r²/2! + … + r¹⁴/14! (|r| ≤ 0.347: the next term is below 2⁻⁶⁰).
        // In Estrin's order (pairs, then pairs of pairs): a third of Horner's latency.
        let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
        let q0 = 1.0 / 2 + r * (1.0 / 6), q1 = 1.0 / 24 + r * (1.0 / 120)
        let q2 = 1.0 / 720 + r * (1.0 / 5_040), q3 = 1.0 / 40_320 + r * (1.0 / 362_880)
        let q4 = 1.0 / 3_628_800 + r * (1.0 / 39_916_800), q5 = 1.0 / 479_001_600 + r * (1.0 / 6_227_020_800)
        let q6 = 1.0 / 87_178_291_200
        let p = (q0 + r2 * q1 + r4 * (q2 + r2 * q3)) + r8 * (q4 + r2 * q5 + r4 * q6)
        return (Int(k), r + (r * r * p + c * (1 + r)))  // e^(r+c) − 1 to first order in c
    }

    /// eˣ − 1, accurate near 0 (where eˣ − 1 would lose the digits that matter).
    @inlinable
    public static func expm1(_ x: Double) -> Double {
        guard x > -40 else { return x.isNaN ? x : -1 }
        guard x < 709.782712893384 else { return x.isNaN ? x : .infinity }  // ln(greatest finite)
        let (k, em1) = reduceExp(x)
        if k == 0 { return em1 }
        // Far above 0 the − 1 is below the last bit; scaling as `exp` does avoids forming 2^1024.
        if k >= 53 { return Double(sign: .plus, exponent: k, significand: 1 + em1) - 1 }
        let scale = Double(sign: .plus, exponent: k, significand: 1)
        // 2^k·(1 + em1) − 1 = 2^k·em1 + (2^k − 1); 2^k − 1 is exact while k < 53.
        if k > 0 && k < 53 { return scale * em1 + (scale - 1) }
        return (scale * em1 + scale) - 1
    }

    /// eˣ (0 below −745.2, +∞ above 709.78).
    @inlinable
    public static func exp(_ x: Double) -> Double {
        guard x > -745.2 else { return x.isNaN ? x : 0 }
        guard x < 709.79 else { return x.isNaN ? x : .infinity }
        let (k, em1) = reduceExp(x)
        // (1 + em1)·2^k: one rounding for a normal result; a subnormal one may be 1 ulp off.
        return Double(sign: .plus, exponent: k, significand: 1 + em1)
    }

    /// tanh x, through expm1 (accurate near 0, and exactly ±1 from |x| = 20 on).
    @inlinable
    public static func tanh(_ x: Double) -> Double {
        let a = Swift.abs(x)
        guard a < 20 else { return x.isNaN ? x : (x > 0 ? 1 : -1) }
        if a == 0 { return x }  // ±0 keeps its sign
        // fdlibm's split: below 1, −t/(t + 2) with t = e^(−2|x|) − 1; above, 1 − 2/(e^(2|x|) + 1).
        let y: Double
        if a < 1 {
            let t = expm1(-2 * a)
            y = -t / (t + 2)
        } else {
            y = 1 - 2 / (expm1(2 * a) + 2)
        }
        return x < 0 ? -y : y
    }

    /// The natural logarithm (NaN below 0, −∞ at 0).
    @inlinable
    public static func log(_ x: Double) -> Double {
        guard x > 0, x.isFinite else {
            if x == 0 { return -.infinity }
            return x.isNaN || x < 0 ? .nan : x
        }
        // x = m · 2^e with m in [√½, √2); log m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172.
        var m = x.significand  // [1, 2), subnormals included
        var e = Double(x.exponent)
        if m > 1.41421356237309504880 {
            m *= 0.5
            e += 1
        }
        let f = m - 1
        let s = f / (2 + f)
        let z = s * s
        // log(1 + f) = 2s + 2s³/3 + 2s⁵/5 + … = f − s·(f − R), R = z·(2/3 + 2z/5 + …); fdlibm's
        // arrangement f − (½f² − s·(½f² + R)) keeps every bit of the leading f.
        var p = 2.0 / 25
        p = 2.0 / 23 + z * p
        p = 2.0 / 21 + z * p
        p = 2.0 / 19 + z * p
        p = 2.0 / 17 + z * p
        p = 2.0 / 15 + z * p
        p = 2.0 / 13 + z * p
        p = 2.0 / 11 + z * p
        p = 2.0 / 9 + z * p
        p = 2.0 / 7 + z * p
        p = 2.0 / 5 + z * p
        p = 2.0 / 3 + z * p
        let r = z * p
        let hf = 0.5 * f * f
        let logm = f - (hf - s * (hf + r))
        return e * ln2Hi + (logm + e * ln2Lo)
    }
}
