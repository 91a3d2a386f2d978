/// How `auto` picks, on the validation tail alone (never on test data): rank models by
/// validation MSE, then try each single model, the equal mean of the best 2-4, and their
/// inverse-MSE weighted mean; keep the lowest validation MSE after a charge of `penalty` × MSE
/// per member beyond the first. Single models carry no charge, so whatever is kept has a
/// validation MSE no higher than the best single model's.
///
/// The charge makes a blend earn its place. Its size is itself chosen on the validation tail:
/// the tail is cut in two (earlier and later origins), each penalty in `penaltyGrid` selects on
/// the earlier half, and the penalty whose selection scores the lowest MSE on the later half is
/// used (the smallest on a tie) to select on the whole tail.
public enum EnsembleSelection {
    /// Relative MSE charges per extra member tried by the inner split.
    public static let penaltyGrid: [Double] = [0, 0.005, 0.01, 0.02, 0.05, 0.1]
    /// Fewest validation origins for the inner split; with fewer, no charge is applied.
    public static let minimumOriginsForPenaltySplit = 8

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
        /// The per-member charge the selection was made with.
        public var penalty: Double = 0
    }

    /// Picks the combination with the lowest charged validation MSE, the charge chosen on an
    /// inner split of the same validation runs (see the type's summary).
    public static func select(_ runs: [ValidationRun], names: [String]) -> Selection {
        precondition(!runs.isEmpty && runs.count == names.count)
        return select(runs, names: names, penalty: innerSplitPenalty(runs, names: names))
    }

    /// The penalty from `penaltyGrid` whose choice on the earlier half of the validation origins
    /// does best on the later half; 0 when there are too few origins to split.
    public static func innerSplitPenalty(_ runs: [ValidationRun], names: [String]) -> Double {
        let count = runs[0].forecasts.count
        guard count >= minimumOriginsForPenaltySplit, runs.allSatisfy({ $0.forecasts.count == count }) else { return 0 }
        let half = count / 2
        let early = runs.map { $0.slice(0..<half) }, late = runs.map { $0.slice(half..<count) }
        var best: (penalty: Double, error: Double)?
        for penalty in penaltyGrid {
            let choice = select(early, names: names, penalty: penalty)
            let combined = combine(choice.indices.map { late[$0].forecasts }, weights: choice.weights)
            let error = ValidationRun(forecasts: combined, actuals: late[0].actuals).meanSquaredError
            if error.isFinite, best == nil || error < best!.error { best = (penalty, error) }
        }
        return best?.penalty ?? 0
    }

    /// Picks the combination with the lowest validation MSE after charging `penalty` × MSE per
    /// member beyond the first.
    public static func select(_ runs: [ValidationRun], names: [String], penalty: Double) -> Selection {
        precondition(!runs.isEmpty && runs.count == names.count && penalty >= 0)
        let errors = runs.map(\.meanSquaredError)
        let ranked = errors.indices.filter { errors[$0].isFinite }.sorted { errors[$0] < errors[$1] }
        guard !ranked.isEmpty else {
            return Selection(indices: [0], weights: [1], meanSquaredError: errors[0], description: names[0], penalty: penalty)
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
            let charged = mse * (1 + penalty * Double(indices.count - 1))
            if best == nil || charged < best!.charged {
                best = (Selection(indices: indices, weights: weights, meanSquaredError: mse, description: label, penalty: penalty), charged)
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
