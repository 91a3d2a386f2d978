import Foundation
import KairosClient
import KairosControl
import Logging
import NIOConcurrencyHelpers
import NIOCore
import KairosConfig

/// What one `autopilot replay` does.
struct AutopilotReplayOptions: Sendable {
    var tracePath: String
    var column: String?
    var intervalMs: Int64
    var rateScale: Double
    var warmupFraction: Double
    var topic: String
    var strategy: ReplayStrategy
    /// Client, producer and `autopilot.*` properties in one map (`bootstrap.servers` included).
    var properties: [String: String]
    var recordSizeBytes: Int = 100
    /// How long to keep retrying an unreachable broker before the replay starts.
    var connectTimeoutMs: Int = 30_000
    /// Replay only the first this many rows after the warm-up (nil: all).
    var maxIntervals: Int?
    /// Where each decision goes as one JSON line (nil: nowhere).
    var decisionSink: (@Sendable (String) -> Void)?
    /// The trace's CSV text when it does not come from `tracePath` (a generated workload); `tracePath` then only
    /// names it.
    var traceText: String?
    /// Whether `autopilot.capacity.records` also limits each member's send rate in the driver (the stand-in for a
    /// quota). False when the broker throttles each member with a client quota itself.
    var capacityGated: Bool = true
}

/// The live half of `kairos autopilot replay`: the trace's warm-up part trains the autopilot on a virtual clock;
/// the rest is sent, time-compressed to `intervalMs` per row, through a `ProducerPool` against a real broker while
/// the autopilot observes each interval, refits off the decision path and resizes the pool. The score and the
/// timeline come from `ReplayScore`, with k as measured on the pool.
enum AutopilotReplayRun {
    /// Everything checked before a socket is opened: the plan, the autopilot's settings, the capacity, the pool's.
    struct Prepared {
        var plan: ReplayPlan
        var config: AutopilotConfig
        var capacityPerSecond: Double?
        var poolProperties: [String: String]
        var counts: [Int]
    }

    /// Reads the trace and the properties; every error names the line or the property.
    static func prepare(_ options: AutopilotReplayOptions) throws -> Prepared {
        let text: String
        if let given = options.traceText {
            text = given
        } else {
            do {
                text = try String(contentsOfFile: options.tracePath, encoding: .utf8)
            } catch {
                throw PerfError(ReplayPlanError.missingTrace(options.tracePath, (error as NSError).localizedDescription).description)
            }
        }
        let plan: ReplayPlan
        do {
            plan = try ReplayPlan(traceText: text, traceName: options.tracePath, column: options.column,
                                  warmupFraction: options.warmupFraction, rateScale: options.rateScale)
        } catch let error as ReplayPlanError {
            throw PerfError(error.description)
        }
        var autopilotProperties = options.properties.filter { $0.key.hasPrefix("autopilot.") }
        if let given = autopilotProperties["autopilot.interval.ms"], Int64(given) != options.intervalMs {
            throw PerfError("autopilot.interval.ms: '\(given)' differs from --interval-ms \(options.intervalMs) (the replay's interval is the autopilot's)")
        }
        autopilotProperties["autopilot.interval.ms"] = String(options.intervalMs)
        let config: AutopilotConfig
        do {
            config = try AutopilotConfig(properties: plan.autopilotProperties(autopilotProperties))
        } catch let error as ConfigError {
            throw PerfError(error.description)
        }
        var capacity: Double?
        if let text = autopilotProperties["autopilot.capacity.records"] {
            guard let value = Double(text), value.isFinite, value > 0 else {
                throw PerfError("autopilot.capacity.records: '\(text)' is not a positive number")
            }
            capacity = value
        }
        var pool = options.properties.filter { !$0.key.hasPrefix("autopilot.") }
        let fixedK: Int
        switch options.strategy {
        case .autopilot, .reactive: fixedK = config.producersMin
        case .fixed(let k): fixedK = k
        }
        pool["producers.min"] = "1"
        pool["producers.max"] = String(max(config.producersMax, fixedK))
        var counts = plan.replay.indices.map { plan.records(at: $0) }
        if let limit = options.maxIntervals { counts = Array(counts.prefix(max(limit, 1))) }
        return Prepared(plan: plan, config: config, capacityPerSecond: capacity, poolProperties: pool, counts: counts)
    }

    /// Runs the replay and returns its summary.
    static func run(_ options: AutopilotReplayOptions, logger: Logger = Logger(label: "kairos.autopilot.replay")) async throws
        -> AutopilotReplaySummary {
        let prepared = try prepare(options)
        let plan = prepared.plan, config = prepared.config, counts = prepared.counts
        let intervalMs = config.intervalMs

        // Warm-up: trains the autopilot on a virtual clock; nothing is sent.
        var autopilot = Autopilot(config: config)
        var decisions: [AutopilotDecision] = []
        for (i, volume) in plan.warmup.enumerated() {
            _ = autopilot.observe(LoadObservation(total: volume), now: .milliseconds(Int64(i + 1) * intervalMs))
            decisions.append(autopilot.lastDecision!)
            options.decisionSink.map { sink in (try? autopilot.lastDecision!.jsonLine()).map(sink) }
            if let job = autopilot.refitRequest() { autopilot.install(job.run()) }
        }
        let initialK: Int
        switch options.strategy {
        case .autopilot, .reactive: initialK = autopilot.producers
        case .fixed(let k): initialK = k
        }
        // Which intervals are peaks (more than one producer needed), as the policy judges them now.
        let peaks = counts.map { (autopilot.producersNeeded(for: Double($0)) ?? 1) > 1 }

        var poolProperties = prepared.poolProperties
        poolProperties["producers.initial"] = String(initialK)
        let startups = NIOLockedValueBox<Double?>(nil)
        let pool: ProducerPool
        do {
            pool = try ProducerPool(properties: poolProperties) { startup in
                startups.withLockedValue { $0 = Double(startup.nanoseconds) / 1e6 }
            }
        } catch let error as KafkaClientError {
            throw PerfError("\(error)")
        }
        do {
            _ = try await BrokerRetry.retrying("metadata of topic \(options.topic)", timeoutMs: options.connectTimeoutMs,
                                               logger: logger) { try await pool.partitionCount(of: options.topic) }
        } catch {
            await pool.close(timeoutMs: 0)
            throw PerfError("broker \(options.properties["bootstrap.servers"] ?? "?") unreachable: \(error)")
        }

        let intervalNanos = UInt64(intervalMs) * 1_000_000
        let startNanos = perfNowNanos() + 20_000_000
        let schedule = ReplaySchedule(counts: counts, intervalNanos: intervalNanos, startNanos: startNanos)
        let recorder = PerfRecorder(startNanos: startNanos)
        let peakRecorder = PerfRecorder(startNanos: startNanos)
        let sender = ReplaySender(pool: pool, schedule: schedule, topic: options.topic, recordSizeBytes: options.recordSizeBytes,
                                  gate: ReplayCapacityGate(recordsPerSecond: options.capacityGated ? prepared.capacityPerSecond : nil),
                                  recorder: recorder, peakRecorder: peakRecorder, peaks: peaks)
        let sending = Task { await sender.run() }
        let refits = NIOLockedValueBox<[RefitResult]>([])
        var measuredK: [Int] = []
        var resizes = 0
        var previous = pool.snapshot()
        let warmupMs = Int64(plan.warmup.count) * intervalMs
        do {
            for j in counts.indices {
                let end = schedule.endNanos(ofInterval: j)
                let now = perfNowNanos()
                if end > now { try await Task.sleep(nanoseconds: end - now) }
                let snapshot = pool.snapshot()
                measuredK.append(snapshot.activeCount)
                for result in refits.withLockedValue({ r in defer { r.removeAll() }; return r }) { autopilot.install(result) }
                let saturated = sender.takeSaturation()
                let observation = LoadObservation(
                    total: Double(counts[j]),
                    saturatedSendRates: saturated ? Self.memberRates(snapshot, since: previous) : [],
                    producerStartupMs: startups.withLockedValue { s in defer { s = nil }; return s })
                let elapsedMs = Int64((perfNowNanos() - startNanos) / 1_000_000)
                let actions = autopilot.observe(observation, now: .milliseconds(warmupMs + elapsedMs))
                decisions.append(autopilot.lastDecision!)
                options.decisionSink.map { sink in (try? autopilot.lastDecision!.jsonLine()).map(sink) }
                switch options.strategy {
                case .autopilot:
                    for case .setProducers(let k, let reason) in actions where k != pool.activeCount {
                        try pool.resize(to: k)
                        resizes += 1
                        logger.debug("pool resized", metadata: ["k": "\(k)", "reason": "\(reason)"])
                    }
                case .reactive:
                    // After the fact: the k the interval just observed needed, by the same policy the autopilot uses.
                    let k = min(max(autopilot.producersNeeded(for: Double(counts[j])) ?? pool.activeCount, config.producersMin),
                                config.producersMax)
                    if k != pool.activeCount {
                        try pool.resize(to: k)
                        resizes += 1
                    }
                case .fixed:
                    break
                }
                // Refits run off the decision path; their results are installed at a later interval.
                if let job = autopilot.refitRequest() {
                    Task.detached { let result = job.run(); refits.withLockedValue { $0.append(result) } }
                }
                previous = snapshot
            }
        } catch {
            sending.cancel()
            await pool.close(timeoutMs: 0)
            throw error
        }
        await sending.value
        await pool.flush()
        await pool.close()
        let seconds = Double(perfNowNanos() - startNanos) / 1e9

        var timeline = ReplayScore.timeline(decisions: decisions, firstInterval: plan.warmup.count, intervalMs: intervalMs)
        for i in timeline.indices where i < measuredK.count {
            timeline[i].k = measuredK[i]
            if case .fixed(let k) = options.strategy { timeline[i].reason = "fixed:\(k)" }
            if options.strategy == .reactive { timeline[i].reason = "reactive: the previous interval's needed k" }
        }
        let score = ReplayScore(timeline: timeline, intervalMs: intervalMs)
        let totals = recorder.totals(), peakTotals = peakRecorder.totals()
        let sendTotals = sender.totals()
        return AutopilotReplaySummary(
            strategy: options.strategy.description, trace: options.tracePath, intervalMs: intervalMs,
            warmupIntervals: plan.warmup.count, recordsOffered: schedule.total, recordsSent: sendTotals.sent,
            recordsAcked: totals.acked, recordsFailed: sendTotals.sent - totals.acked, recordsUnsent: sendTotals.unsent,
            bufferExhausted: sendTotals.bufferExhausted, intervals: score.intervals,
            underProvisionedIntervals: score.underProvisionedIntervals, overProvisionedIntervals: score.overProvisionedIntervals,
            producerSeconds: score.producerSeconds, oracleProducerSeconds: score.oracleProducerSeconds,
            producerSecondsRatio: score.producerSecondsRatio, latencyMs: PerfLatencySummary(histogram: totals.histogram),
            peakLatencyMs: peakTotals.acked > 0 ? PerfLatencySummary(histogram: peakTotals.histogram) : nil,
            capacityRecordsPerSec: options.capacityGated ? prepared.capacityPerSecond : nil, resizes: resizes, seconds: seconds,
            firstError: totals.firstError ?? sendTotals.firstError, timeline: score.timeline)
    }

    /// Send rates (records per second) of the members active at both snapshots: what a saturated member can do.
    static func memberRates(_ now: ProducerPoolSnapshot, since before: ProducerPoolSnapshot) -> [Double] {
        let seconds = Double(now.timeNanos &- before.timeNanos) / 1e9
        guard seconds > 0 else { return [] }
        return zip(now.members, before.members).compactMap { after, earlier in
            guard after.state == .active, earlier.state == .active, after.starts == earlier.starts else { return nil }
            return Double(after.recordsSent - earlier.recordsSent) / seconds
        }
    }
}
