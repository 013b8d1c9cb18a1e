import Glibc
import MotionTypes
import Testing

/// `Elementary` against the C library: the tick's sine, cosine, exponential, logarithm and tanh
/// must agree with glibc to within an ulp or two, and handle the special values the same way.
@Suite struct ElementaryTests {
    /// |a − b| in units in the last place of b.
    func ulps(_ a: Double, _ b: Double) -> Double {
        if a == b { return 0 }
        if !a.isFinite || !b.isFinite { return .infinity }
        return Swift.abs(a - b) / b.ulp
    }

    /// Arguments: uniform over ±span, log-uniform magnitudes, and points next to multiples of π/2.
    func arguments(span: Double, count: Int, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        var xs: [Double] = []
        for _ in 0..<count { xs.append((2 * g.nextUnit() - 1) * span) }
        for _ in 0..<count / 4 {
            let magnitude = Glibc.pow(10, -300 + 306 * g.nextUnit())
            xs.append(g.next() & 1 == 0 ? magnitude : -magnitude)
        }
        for k in 1...4000 {
            let m = Double(k) * Double.pi / 2
            xs += [m, m.nextUp, m.nextDown, -m, m * (1 + 1e-12)]
        }
        return xs
    }

    @Test func sineAndCosineWithinOneUlpOfGlibc() {
        var worstSin = 0.0, worstCos = 0.0
        for x in arguments(span: 4 * Double.pi, count: 1_000_000, seed: 1) + arguments(span: 1.5e6, count: 200_000, seed: 2) {
            let (s, c) = Elementary.sinCos(x)
            worstSin = max(worstSin, ulps(s, Glibc.sin(x)))
            worstCos = max(worstCos, ulps(c, Glibc.cos(x)))
        }
        #expect(worstSin <= 1, "sin: \(worstSin) ulp")
        #expect(worstCos <= 1, "cos: \(worstCos) ulp")
    }

    @Test func sineAndCosineSpecialValues() {
        #expect(Elementary.sin(0) == 0 && Elementary.sin(-0.0).sign == .minus)
        #expect(Elementary.cos(0) == 1 && Elementary.cos(-0.0) == 1)
        for bad in [Double.nan, .infinity, -.infinity] {
            #expect(Elementary.sin(bad).isNaN && Elementary.cos(bad).isNaN)
        }
        // Beyond the exact reduction: still the right value to about |x|·4e-17.
        for x in [1.7e6, -3.3e7, 1e9] {
            #expect(Swift.abs(Elementary.sin(x) - Glibc.sin(x)) < Swift.abs(x) * 4e-16)
            #expect(Swift.abs(Elementary.cos(x) - Glibc.cos(x)) < Swift.abs(x) * 4e-16)
        }
        // A tiny argument is its own sine.
        #expect(Elementary.sin(1e-200) == 1e-200)
    }

    @Test func exponentialFunctionsWithinAFewUlpOfGlibc() {
        var g = SeededGenerator(seed: 3)
        var worstExp = 0.0, worstExpm1 = 0.0, worstTanh = 0.0
        for i in 0..<600_000 {
            let x: Double
            switch i % 3 {
            case 0: x = -745 + 1454 * g.nextUnit()
            case 1: x = (2 * g.nextUnit() - 1) * 2
            default: x = (g.next() & 1 == 0 ? 1 : -1) * Glibc.pow(10, -300 + 300 * g.nextUnit())
            }
            if x > -708 { worstExp = max(worstExp, ulps(Elementary.exp(x), Glibc.exp(x))) }
            worstExpm1 = max(worstExpm1, ulps(Elementary.expm1(x), Glibc.expm1(x)))
            worstTanh = max(worstTanh, ulps(Elementary.tanh(x), Glibc.tanh(x)))
        }
        #expect(worstExp <= 2, "exp: \(worstExp) ulp")
        #expect(worstExpm1 <= 2, "expm1: \(worstExpm1) ulp")
        // tanh carries expm1's last-bit error through t/(t + 2), which can double it near 0.4.
        #expect(worstTanh <= 4, "tanh: \(worstTanh) ulp")
    }

    @Test func logarithmWithinOneUlpOfGlibc() {
        var g = SeededGenerator(seed: 4)
        var worst = 0.0
        for i in 0..<600_000 {
            let x = i % 2 == 0 ? Glibc.pow(2, -1074 + 2097 * g.nextUnit()) : 0.5 + 1.5 * g.nextUnit()
            worst = max(worst, ulps(Elementary.log(x), Glibc.log(x)))
        }
        #expect(worst <= 1, "log: \(worst) ulp")
        #expect(Elementary.log(1) == 0)
        #expect(Elementary.log(0) == -.infinity)
        #expect(Elementary.log(-1).isNaN && Elementary.log(.nan).isNaN)
        #expect(Elementary.log(.infinity) == .infinity)
        #expect(Elementary.log(Double.leastNonzeroMagnitude) == Glibc.log(Double.leastNonzeroMagnitude))
    }

    @Test func roundingDownMatchesTheStandardLibrary() {
        var g = SeededGenerator(seed: 5)
        var values: [Double] = [0, -0.0, 0.5, -0.5, 1, -1, 2.5, -2.5, 0x1p51 - 0.5, -0x1p51 + 0.5, 0x1p51, 0x1p60, -0x1p60, .nan, .infinity, -.infinity]
        for _ in 0..<200_000 { values.append((2 * g.nextUnit() - 1) * Glibc.pow(2, 60 * g.nextUnit())) }
        for _ in 0..<10_000 { values.append(Double(Int64(truncatingIfNeeded: g.next()) >> 20)) }
        for v in values {
            let mine = Elementary.roundedDown(v), reference = v.rounded(.down)
            #expect(mine == reference || (mine.isNaN && reference.isNaN), "\(v): \(mine) vs \(reference)")
            #expect(mine.isNaN || mine.sign == reference.sign, "\(v): the sign of \(mine)")
        }
    }

    @Test func exponentialSpecialValues() {
        #expect(Elementary.exp(0) == 1 && Elementary.expm1(0) == 0)
        #expect(Elementary.exp(-800) == 0 && Elementary.exp(710) == .infinity)
        #expect(Elementary.exp(-744) > 0 && Elementary.exp(-744) < Double.leastNormalMagnitude)
        #expect(Elementary.expm1(-50) == -1 && Elementary.expm1(800) == .infinity)
        #expect(Elementary.exp(.nan).isNaN && Elementary.expm1(.nan).isNaN && Elementary.tanh(.nan).isNaN)
        #expect(Elementary.tanh(25) == 1 && Elementary.tanh(-25) == -1 && Elementary.tanh(0) == 0)
        #expect(Elementary.tanh(0).sign == .plus && Elementary.tanh(-0.0).sign == .minus)
        // Near the top of the range expm1 is finite up to ln(greatest finite double).
        for x in [709.0, 709.5, 709.78] {
            #expect(ulps(Elementary.expm1(x), Glibc.expm1(x)) <= 2, "expm1(\(x))")
            #expect(ulps(Elementary.exp(x), Glibc.exp(x)) <= 2, "exp(\(x))")
        }
        #expect(Elementary.expm1(709.79) == .infinity)
        #expect(Elementary.tanh(.infinity) == 1 && Elementary.tanh(-.infinity) == -1)
        // tanh is exactly ±1 in double precision from |x| = 20 on, in glibc too.
        #expect(Elementary.tanh(19.999) == Glibc.tanh(19.999))
    }
}

/// The ziggurat's samples against the standard normal distribution.
@Suite struct NormalSamplerTests {
    func Phi(_ x: Double) -> Double { 0.5 * Glibc.erfc(-x / 2.0.squareRoot()) }

    @Test func momentsAndShapeMatchTheStandardNormal() {
        let n = 1_000_000
        var g = SeededGenerator(seed: 42)
        var samples = [Double](repeating: 0, count: n)
        var sum = 0.0, sum2 = 0.0, sum3 = 0.0, sum4 = 0.0
        var beyondTail = 0, beyondFour = 0
        for i in 0..<n {
            let x = g.nextGaussian()
            samples[i] = x
            sum += x
            sum2 += x * x
            sum3 += x * x * x
            sum4 += x * x * x * x
            if Swift.abs(x) > NormalZiggurat.tailStart { beyondTail += 1 }
            if Swift.abs(x) > 4 { beyondFour += 1 }
        }
        let mean = sum / Double(n)
        let variance = sum2 / Double(n) - mean * mean
        // Standard errors at n = 10⁶: mean 0.001, variance 0.0014, skewness 0.0024, kurtosis 0.0049.
        #expect(Swift.abs(mean) < 0.005)
        #expect(Swift.abs(variance - 1) < 0.007)
        #expect(Swift.abs(sum3 / Double(n)) < 0.012)
        #expect(Swift.abs(sum4 / Double(n) - 3) < 0.025)
        // The tail algorithm is used, as often as the distribution says: 2·(1 − Φ(3.4426)) =
        // 5.76e-4, so 576 ± 24 samples; beyond 4: 63 ± 8.
        let expectedTail = 2 * (1 - Phi(NormalZiggurat.tailStart)) * Double(n)
        #expect(Swift.abs(Double(beyondTail) - expectedTail) < 5 * expectedTail.squareRoot(), "\(beyondTail) vs \(expectedTail)")
        #expect(beyondFour > 30 && beyondFour < 100, "\(beyondFour) beyond 4")
        // Kolmogorov–Smirnov: below the 1 % critical value 1.63/√n.
        samples.sort()
        var d = 0.0
        for (i, x) in samples.enumerated() {
            let f = Phi(x)
            d = max(d, Swift.abs(f - Double(i) / Double(n)), Swift.abs(Double(i + 1) / Double(n) - f))
        }
        #expect(d < 1.63 / Double(n).squareRoot(), "KS distance \(d)")
    }

    @Test func sameSeedSameSamples() {
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7), c = SeededGenerator(seed: 8)
        var differs = false
        for _ in 0..<10_000 {
            let x = a.nextGaussian()
            #expect(x.bitPattern == b.nextGaussian().bitPattern)
            if x != c.nextGaussian() { differs = true }
        }
        #expect(differs)
    }
}
