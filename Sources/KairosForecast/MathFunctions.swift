import RealModule

// Thin wrappers so model code reads like the formulas and uses swift-numerics' portable
// elementary functions rather than the platform C library.

@inline(__always) func _exp(_ x: Double) -> Double { Double.exp(x) }
@inline(__always) func _log(_ x: Double) -> Double { Double.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Double.cos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Double.sin(x) }
@inline(__always) func _tanh(_ x: Double) -> Double { Double.tanh(x) }

/// The logistic function, written to stay finite for large |x|.
@inline(__always) func _sigmoid(_ x: Double) -> Double {
    if x >= 0 {
        return 1 / (1 + Double.exp(-x))
    }
    let e = Double.exp(x)
    return e / (1 + e)
}
