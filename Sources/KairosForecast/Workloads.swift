/// Synthetic series: the paper's three-user workload and a realistic traffic generator.
public enum Workloads {
    /// Seed 000's workload (Table 2): three users sending uniform integer volumes in 3-100,
    /// 19-25 and 15-45 per interval, independently. Target = their sum; covariates = the users.
    /// It is i.i.d. noise: no model can beat the mean here, which is the point of including it.
    public static func paperThreeUsers(count: Int, seed: UInt64) -> SeriesData {
        precondition(count >= 1)
        var g = SeededGenerator(seed: seed)
        let ranges: [ClosedRange<Int>] = [3...100, 19...25, 15...45]
        let users = ranges.map { range in (0..<count).map { _ in Double(Int.random(in: range, using: &g)) } }
        let total = (0..<count).map { t in users.reduce(0) { $0 + $1[t] } }
        return SeriesData(name: "paper3users", target: total, covariates: users, covariateNames: ["user1", "user2", "user3"])
    }

    /// Shape of the realistic traffic generator.
    public struct TrafficShape: Sendable {
        /// Intervals per day (288 for 5-minute intervals).
        public var stepsPerDay = 288
        /// Mean volume per interval at the start.
        public var baseVolume = 100.0
        /// Daily swing as a fraction of the level (peak in the afternoon, trough at night).
        public var dailyAmplitude = 0.6
        /// Weekend dip as a fraction of the level.
        public var weekendDip = 0.3
        /// Growth of the level per day, as a fraction of the base volume.
        public var trendPerDay = 0.003
        /// Multiplicative noise (standard deviation, fraction of the level), AR(1)-correlated.
        public var noise = 0.08
        /// Autocorrelation of the noise from one interval to the next.
        public var noiseCorrelation = 0.5
        /// Chance per interval that a burst starts.
        public var burstProbability = 0.002
        /// Peak extra volume of a burst, as a fraction of the level.
        public var burstSize = 1.0
        /// Intervals for a burst to decay to about a third.
        public var burstDecaySteps = 6.0

        /// Creates the default shape.
        public init() {}
    }

    /// Traffic with daily and weekly seasonality, trend, correlated noise and decaying bursts.
    public static func realisticTraffic(count: Int, shape: TrafficShape = TrafficShape(), seed: UInt64) -> SeriesData {
        precondition(count >= 1 && shape.stepsPerDay >= 2)
        var g = SeededGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(count)
        var noiseState = 0.0
        var burst = 0.0
        let decay = _exp(-1 / shape.burstDecaySteps)
        for t in 0..<count {
            let day = Double(t) / Double(shape.stepsPerDay)
            let phase = 2 * Double.pi * (day - day.rounded(.down))
            // Peak around 15:00, trough around 03:00; a second harmonic sharpens the working day.
            let daily = 1 + shape.dailyAmplitude * (0.8 * _sin(phase - Double.pi / 2 - 0.5) + 0.2 * _sin(2 * phase))
            let weekday = Int(day) % 7
            let weekly = weekday >= 5 ? 1 - shape.weekendDip : 1
            let level = shape.baseVolume * (1 + shape.trendPerDay * day) * daily * weekly
            noiseState = shape.noiseCorrelation * noiseState
                + (1 - shape.noiseCorrelation * shape.noiseCorrelation).squareRoot() * g.normal()
            burst *= decay
            if g.nextUnit() < shape.burstProbability { burst += shape.burstSize * g.uniform(0.5, 1.5) }
            values.append(max(0, (level * (1 + shape.noise * noiseState + burst)).rounded()))
        }
        return SeriesData(name: "traffic", target: values)
    }
}
