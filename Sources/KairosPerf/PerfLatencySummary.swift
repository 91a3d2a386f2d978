/// The latency percentiles a perf run reports, in milliseconds, with fixed JSON keys (p50, p95, p99, p999, max).
struct PerfLatencySummary: Codable, Sendable, Equatable {
    var p50: Double
    var p95: Double
    var p99: Double
    var p999: Double
    var max: Double
    /// The mean; printed in the text summary, left out of the JSON object.
    var avg: Double

    private enum CodingKeys: String, CodingKey { case p50, p95, p99, p999, max }

    /// Reads the percentiles out of `histogram` (microseconds in, milliseconds out).
    init(histogram: PerfLatencyHistogram) {
        func ms(_ micros: UInt64) -> Double { Double(micros) / 1_000 }
        p50 = ms(histogram.valueAtPercentile(50))
        p95 = ms(histogram.valueAtPercentile(95))
        p99 = ms(histogram.valueAtPercentile(99))
        p999 = ms(histogram.valueAtPercentile(99.9))
        max = ms(histogram.maxMicros)
        avg = histogram.meanMicros / 1_000
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        p50 = try container.decode(Double.self, forKey: .p50)
        p95 = try container.decode(Double.self, forKey: .p95)
        p99 = try container.decode(Double.self, forKey: .p99)
        p999 = try container.decode(Double.self, forKey: .p999)
        max = try container.decode(Double.self, forKey: .max)
        avg = 0
    }

    /// `50th 1.23 ms, 95th ..., max ... ms`, the text form.
    var text: String {
        String(format: "%.2f ms avg latency, %.2f ms 50th, %.2f ms 95th, %.2f ms 99th, %.2f ms 99.9th, %.2f ms max",
               avg, p50, p95, p99, p999, max)
    }
}
