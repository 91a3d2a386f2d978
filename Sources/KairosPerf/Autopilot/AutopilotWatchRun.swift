import Foundation
import KairosServer
import KairosClient
import KairosControl
import Logging
import NIOConcurrencyHelpers
import KairosConfig

/// What one `autopilot run` does.
struct AutopilotWatchOptions: Sendable {
    /// Client properties (`bootstrap.servers` included) and `autopilot.*` properties in one map.
    var properties: [String: String]
    var topics: [String]
    var intervalMs: Int64
    var listenHost: String
    var listenPort: Int
    /// Where each decision goes as one JSON line.
    var decisionSink: @Sendable (String) -> Void
}

/// The live autopilot against any Kafka cluster: every interval it reads each topic's end offsets (ListOffsets),
/// turns their movement into one volume per topic (one source per topic), feeds the autopilot, runs refits off the
/// decision path, writes the decision as a JSON line and publishes k and the forecast on `GET /metrics` and
/// `GET /scale`. It runs until cancelled; a broker that cannot be read is retried with back-off and logged, and
/// the decision waits for the next reading.
enum AutopilotWatchRun {
    /// The autopilot's settings: the `autopilot.*` properties with the interval from `--interval`.
    static func config(_ options: AutopilotWatchOptions) throws -> AutopilotConfig {
        var properties = options.properties.filter { $0.key.hasPrefix("autopilot.") }
        if let given = properties["autopilot.interval.ms"], Int64(given) != options.intervalMs {
            throw PerfError("autopilot.interval.ms: '\(given)' differs from --interval (\(options.intervalMs) ms)")
        }
        properties["autopilot.interval.ms"] = String(options.intervalMs)
        do { return try AutopilotConfig(properties: properties) } catch let error as ConfigError {
            throw PerfError(error.description)
        }
    }

    /// Serves and decides until the task is cancelled; `onListening` gets the bound port once serving.
    static func run(_ options: AutopilotWatchOptions, logger: Logger = Logger(label: "kairos.autopilot"),
                    onListening: @Sendable (Int) -> Void = { _ in }) async throws {
        let config = try config(options)
        let clientConfig: ClientConfig
        do {
            clientConfig = try ClientConfig(properties: options.properties.filter { !$0.key.hasPrefix("autopilot.") })
        } catch let error as KafkaClientError {
            throw PerfError("\(error)")
        }
        let published = AutopilotPublishedState(intervalMs: config.intervalMs, initialProducers: config.producersMin,
                                                topics: options.topics)
        let server: TextHTTPServer
        do {
            server = try await TextHTTPServer(host: options.listenHost, port: options.listenPort, routes: [
                "/metrics": { .init(contentType: "text/plain; version=0.0.4; charset=utf-8", body: published.prometheusText()) },
                "/scale": { .init(contentType: "application/json", body: published.scaleJSON()) },
            ])
        } catch {
            throw PerfError("--listen \(options.listenHost):\(options.listenPort): cannot listen: \(error)")
        }
        onListening(server.port)
        logger.info("autopilot serving", metadata: ["listen": "\(options.listenHost):\(server.port)",
                                                   "topics": "\(options.topics.joined(separator: ","))"])
        let admin = KafkaAdmin(config: clientConfig)
        defer { Task { await admin.close() } }
        let refits = NIOLockedValueBox<[RefitResult]>([])
        var autopilot = Autopilot(config: config)
        var deltas = TopicOffsetDeltas()
        let startNanos = perfNowNanos()
        let intervalNanos = UInt64(config.intervalMs) * 1_000_000
        var lastReadingNanos: UInt64?
        var tick: UInt64 = 0
        do {
            while !Task.isCancelled {
                // A reading now is the baseline; then one every interval, on a fixed grid.
                let offsets = try await BrokerRetry.retrying("end offsets of \(options.topics.joined(separator: ","))",
                                                             timeoutMs: Int.max / 2_000_000, logger: logger) {
                    try await endOffsets(admin, topics: options.topics)
                }
                let nowNanos = perfNowNanos()
                var volumes = deltas.advance(to: offsets, topics: options.topics)
                if let last = lastReadingNanos {
                    // A reading delayed by retries covers more than one interval: scale it back to one.
                    let covered = Double(nowNanos - last) / Double(intervalNanos)
                    if covered > 1.5 { volumes = volumes.mapValues { $0 / covered } }
                    for result in refits.withLockedValue({ r in defer { r.removeAll() }; return r }) { autopilot.install(result) }
                    let actions = autopilot.observe(LoadObservation(volumes: volumes),
                                                    now: .milliseconds(Int64((nowNanos - startNanos) / 1_000_000)))
                    if let decision = autopilot.lastDecision, let line = try? decision.jsonLine() { options.decisionSink(line) }
                    for case .publishForecast(let publication) in actions { published.update(publication, observed: volumes) }
                    if let job = autopilot.refitRequest() {
                        Task.detached { let result = job.run(); refits.withLockedValue { $0.append(result) } }
                    }
                }
                lastReadingNanos = nowNanos
                tick = max(tick + 1, (nowNanos - startNanos) / intervalNanos + 1)
                let next = startNanos + tick * intervalNanos
                let now = perfNowNanos()
                if next > now { try await Task.sleep(nanoseconds: next - now) }
            }
        } catch is CancellationError {
        } catch {
            await server.close()
            throw error
        }
        await server.close()
        logger.info("autopilot stopped", metadata: ["decisions": "\(autopilot.intervalsObserved)"])
    }

    /// The end offset (high watermark) of every partition of `topics`.
    static func endOffsets(_ admin: KafkaAdmin, topics: [String]) async throws -> [TopicPartition: Int64] {
        let described = try await admin.describeTopics(topics)
        var specs: [TopicPartition: OffsetSpec] = [:]
        for topic in described {
            for partition in topic.partitions { specs[TopicPartition(topic: topic.name, partition: partition.id)] = .latest }
        }
        guard !specs.isEmpty else { return [:] }
        return try await admin.listOffsets(specs).mapValues(\.offset)
    }
}
