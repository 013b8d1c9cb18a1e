import MotionTypes

// The tick's trigonometry: Vigil's own (see `Elementary`), not the C library's.
@inline(__always) func sin(_ x: Double) -> Double { Elementary.sin(x) }
@inline(__always) func sinCos(_ x: Double) -> (sin: Double, cos: Double) { Elementary.sinCos(x) }
