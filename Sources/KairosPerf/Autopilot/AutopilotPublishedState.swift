import Foundation
import KairosControl
import NIOConcurrencyHelpers

/// What `autopilot run` serves: the latest decision's k and forecast and the latest per-topic volumes, updated by
/// the control loop and read by every HTTP request. Renders the Prometheus text and KEDA's metrics-api JSON.
final class AutopilotPublishedState: Sendable {
    private struct State {
        var desiredProducers: Int
        var forecast: Double = 0
        var upper: Double = 0
        var observed: [String: Double]
        var decisions = 0
    }

    private let intervalMs: Int64
    private let state: NIOLockedValueBox<State>

    /// Before the first decision: `producers.min` producers, forecasts 0, every topic at 0.
    init(intervalMs: Int64, initialProducers: Int, topics: [String]) {
        self.intervalMs = intervalMs
        state = NIOLockedValueBox(State(desiredProducers: initialProducers,
                                        observed: Dictionary(uniqueKeysWithValues: topics.map { ($0, 0) })))
    }

    /// After a decision: what it published and what each topic received in the interval.
    func update(_ publication: ForecastPublication, observed: [String: Double]) {
        state.withLockedValue { s in
            s.desiredProducers = publication.desiredProducers
            s.forecast = publication.forecast
            s.upper = publication.upper
            s.observed.merge(observed) { _, new in new }
            s.decisions += 1
        }
    }

    /// `GET /scale`: `{"desiredProducers": k, "forecastRecords": f, "upperRecords": u, "intervalMs": ms}`, the
    /// shape KEDA's metrics-api scaler reads with `valueLocation: desiredProducers`.
    func scaleJSON() -> String {
        let s = state.withLockedValue { $0 }
        let object: [String: Any] = ["desiredProducers": s.desiredProducers, "forecastRecords": s.forecast,
                                     "upperRecords": s.upper, "intervalMs": intervalMs, "decisions": s.decisions]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// `GET /metrics`: the gauges in Prometheus's text format.
    func prometheusText() -> String {
        let s = state.withLockedValue { $0 }
        var lines: [String] = []
        func gauge(_ name: String, _ help: String, _ samples: [(labels: String, value: Double)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) gauge")
            for sample in samples { lines.append("\(name)\(sample.labels) \(Self.number(sample.value))") }
        }
        gauge("kairos_autopilot_desired_producers", "Producer count the autopilot decided for the intervals ahead.",
              [("", Double(s.desiredProducers))])
        gauge("kairos_autopilot_forecast_records", "Point forecast of the next interval's records, summed over topics.",
              [("", s.forecast)])
        gauge("kairos_autopilot_forecast_upper_records", "Upper forecast of the next interval's records (what k is sized for).",
              [("", s.upper)])
        gauge("kairos_autopilot_observed_records", "Records each topic received in the last interval (end-offset deltas).",
              s.observed.keys.sorted().map { ("{topic=\"\(Self.escape($0))\"}", s.observed[$0]!) })
        gauge("kairos_autopilot_interval_ms", "The observation interval.", [("", Double(intervalMs))])
        gauge("kairos_autopilot_decisions", "Decisions made since the start.", [("", Double(s.decisions))])
        return lines.joined(separator: "\n") + "\n"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static func escape(_ label: String) -> String {
        label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
