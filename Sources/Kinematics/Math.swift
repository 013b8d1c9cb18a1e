#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Sines and cosines are Vigil's own (`Elementary`, fast and the same on every machine); the
// C math library (libm) gives the arc cosine.
import MotionTypes

@inline(__always) func sine(_ x: Double) -> Double { Elementary.sin(x) }
@inline(__always) func cosine(_ x: Double) -> Double { Elementary.cos(x) }
@inline(__always) func arcCosine(_ x: Double) -> Double { acos(x) }
