/// Formats `value` with exactly `decimals` digits after the point (or fewer when `trimZeros`), without Foundation,
/// so output is the same under every locale.
public func formatNumber(_ value: Double, decimals: Int, trimZeros: Bool = false) -> String {
    precondition(decimals >= 0 && decimals <= 12, "decimals must be in 0...12")
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9.0e15 else { return String(value) }
    let units = UInt64(scaled)
    let integerPart = units / UInt64(scale)
    let fraction = units % UInt64(scale)
    var text = String(integerPart)
    if decimals > 0 {
        var digits = String(fraction)
        digits = String(repeating: "0", count: decimals - digits.count) + digits
        if trimZeros {
            while digits.last == "0" { digits.removeLast() }
        }
        if !digits.isEmpty { text += "." + digits }
    }
    return (value < 0 && units != 0 ? "-" : "") + text
}
