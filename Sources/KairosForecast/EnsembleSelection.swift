/// How `auto` picks: rank models by validation MSE, then try each single model, the equal
/// mean of the best 2-4, and their inverse-MSE weighted mean; keep the lowest validation MSE
/// after a complexity charge of `memberPenalty` (1%) of MSE per member beyond the first. The charge
/// makes a combination earn its place: on taylor a 4-model blend was 0.6% better than AR on
/// validation (MSE) and 9% worse on test, while on bank_calls a 2-model blend won on both.
public enum EnsembleSelection {
    /// Relative MSE charged per extra member.
    public static let memberPenalty = 0.01

    /// The chosen members (indices into the candidates), weights summing to 1 and a label.
    public struct Selection: Sendable, Equatable {
        /// Indices into the candidate list.
        public var indices: [Int]
        /// Weights of those members, summing to 1.
        public var weights: [Double]
        /// Validation MSE of the combination.
        public var meanSquaredError: Double
        /// For example `hw` or `mean(hw,ar)` or `weighted(hw:0.61,ar:0.39)`.
        public var description: String
    }

    /// Picks the combination with the lowest validation MSE.
    public static func select(_ runs: [ValidationRun], names: [String]) -> Selection {
        precondition(!runs.isEmpty && runs.count == names.count)
        let errors = runs.map(\.meanSquaredError)
        let ranked = errors.indices.filter { errors[$0].isFinite }.sorted { errors[$0] < errors[$1] }
        guard !ranked.isEmpty else {
            return Selection(indices: [0], weights: [1], meanSquaredError: errors[0], description: names[0])
        }
        var options: [([Int], [Double], String)] = ranked.map { ([$0], [1], names[$0]) }
        if ranked.count >= 2 {
            for k in 2...min(4, ranked.count) {
                let top = Array(ranked.prefix(k))
                options.append((top, Array(repeating: 1 / Double(k), count: k), "mean(\(top.map { names[$0] }.joined(separator: ",")))"))
                let inverse = top.map { 1 / max(errors[$0], 1e-300) }
                let total = inverse.reduce(0, +)
                let w = inverse.map { $0 / total }
                let label = zip(top, w).map { "\(names[$0]):\(String(format2: $1))" }.joined(separator: ",")
                options.append((top, w, "weighted(\(label))"))
            }
        }
        var best: (selection: Selection, charged: Double)?
        for (indices, weights, label) in options {
            let combined = combine(indices.map { runs[$0].forecasts }, weights: weights)
            let mse = ValidationRun(forecasts: combined, actuals: runs[indices[0]].actuals).meanSquaredError
            let charged = mse * (1 + memberPenalty * Double(indices.count - 1))
            if best == nil || charged < best!.charged {
                best = (Selection(indices: indices, weights: weights, meanSquaredError: mse, description: label), charged)
            }
        }
        return best!.selection
    }

    /// Σ weight · forecasts, element by element.
    public static func combine(_ forecasts: [[[Double]]], weights: [Double]) -> [[Double]] {
        precondition(forecasts.count == weights.count && !forecasts.isEmpty)
        var out = forecasts[0].map { $0.map { $0 * weights[0] } }
        for m in 1..<forecasts.count {
            for i in out.indices { for h in out[i].indices { out[i][h] += weights[m] * forecasts[m][i][h] } }
        }
        return out
    }
}

extension String {
    /// A number with two decimals, without Foundation.
    init(format2 value: Double) {
        let scaled = (value * 100).rounded()
        let whole = Int(scaled) / 100, frac = abs(Int(scaled) % 100)
        self = "\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }
}
