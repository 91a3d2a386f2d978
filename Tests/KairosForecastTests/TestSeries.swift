import Foundation
@testable import KairosForecast

/// Synthetic series shared by the forecasting tests.
enum TestSeries {
    /// Social-media-like counts: a small daily cycle, mostly quiet, with rare bursts that jump
    /// to many times the usual level and die away within a few steps.
    static func bursty(count: Int, season: Int = 24, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        var burst = 0.0
        return (0..<count).map { t in
            let phase = 2 * Double.pi * Double(t % season) / Double(season)
            let daily = 3 + 2 * sin(phase)
            burst *= 0.55
            if g.nextUnit() < 0.02 { burst += g.uniform(20, 80) }
            return max(0, (daily + burst + 1.5 * g.normal()).rounded())
        }
    }

    /// A Gaussian random walk starting at 100.
    static func randomWalk(count: Int, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        var level = 100.0
        return (0..<count).map { _ in level += g.normal(); return level }
    }

    /// A noisy sine with trend, for seasonal models.
    static func seasonal(count: Int, season: Int, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { t -> Double in
            let phase = 2 * Double.pi * Double(t % season) / Double(season)
            return 100 + 0.05 * Double(t) + 20 * sin(phase) + g.normal()
        }
    }

    /// Settings with a small, quick LSTM.
    static func quickSettings(seasons: [Int]) -> ModelSettings {
        var s = ModelSettings()
        s.seasonLengths = seasons
        s.lstm.layers = 1
        s.lstm.hiddenSize = 4
        s.lstm.lookback = 8
        s.lstm.training.epochs = 3
        return s
    }
}
