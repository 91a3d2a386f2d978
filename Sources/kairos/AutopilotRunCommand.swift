import ArgumentParser
import Dispatch
import Foundation
import KairosPerf

/// `kairos autopilot run`: watch topics on any Kafka cluster, forecast, and publish the producer count.
struct AutopilotRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Watch per-topic volume on a cluster, forecast it, and publish k on /metrics and KEDA's /scale.",
        discussion: """
            Example:
              kairos autopilot run --bootstrap-server 127.0.0.1:9092 \\
                --topics orders,clicks --interval 10s --listen 127.0.0.1:9481

            Every interval it reads the end offsets of each topic's partitions
            (ListOffsets); their movement is that topic's volume, one source
            per topic, summed as the paper sums users. Each decision is one
            JSON line on stdout (or --decisions FILE).
              GET /metrics  Prometheus: kairos_autopilot_desired_producers,
                            kairos_autopilot_forecast_records,
                            kairos_autopilot_forecast_upper_records,
                            kairos_autopilot_observed_records{topic}
              GET /scale    {"desiredProducers": k, "forecastRecords": f,
                            "upperRecords": u, "intervalMs": ms} for KEDA's
                            metrics-api scaler (valueLocation desiredProducers)
            An unreadable broker is retried with back-off and logged.
            SIGINT or SIGTERM stops it.
            """)

    @OptionGroup var flags: AutopilotRunFlags

    func run() async throws {
        let flags = self.flags
        let work = Task { try await flags.run() }
        // SIGINT/SIGTERM cancel the loop, which stops listening and returns.
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            source.setEventHandler { work.cancel() }
            source.resume()
            sources.append(source)
        }
        defer { sources.forEach { $0.cancel() } }
        do { try await work.value } catch let error as PerfError { throw CLIError(error.description) }
    }
}
