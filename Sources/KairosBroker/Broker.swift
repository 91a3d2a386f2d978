import KafkaProtocol
import KairosStorage
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The Kafka-compatible broker without sockets: it turns one request frame into a reply.
///
/// The transport calls `handle(frame:context:)` for each request, in order per connection, and
/// performs the `BrokerReply`. Time comes from `clock` (ms since the epoch) so tests can drive it.
public final class Broker: Sendable {
    /// The configuration in force: the one it was started with and the broker configs changed live over it.
    public var config: BrokerConfig { dynamicConfig.current }
    /// The configuration it was started with and the configs changed live.
    let dynamicConfig: DynamicBrokerConfig
    /// The durable metadata (topics, producer ids, dynamic broker configs).
    let metadata: any MetadataStore
    /// Serialises broker config changes so that each is checked against the one before.
    let configChangeLock = NIOLock()
    let logger: Logger
    let clock: @Sendable () -> Int64
    let topics: TopicManager
    let groups: GroupService
    let producerIds: ProducerIdAllocator
    let transactions: TransactionCoordinator
    /// Client quotas: what each client may use, and what it used.
    public let clientQuotas: ClientQuotaService
    let allocator = ByteBufferAllocator()
    private let advertised: NIOLockedValueBox<(host: String, port: Int32)>
    /// The reference counters per-partition rates are measured against (KairosPartitionLoad, `/metrics`).
    let loadRates: LoadRateWindow
    /// Per listener name, what its clients are told (set by a server with several listeners).
    private let advertisedByListener = NIOLockedValueBox<[String: (host: String, port: Int32)]>([:])

    /// Opens the broker's metadata and logs (recovering them). Without `metadata`, the store that lives with the
    /// logs is used (`LogFactory.openMetadataStore`).
    public init(
        config: BrokerConfig, logFactory: any LogFactory, metadata: (any MetadataStore)? = nil, logger: Logger,
        clock: @escaping @Sendable () -> Int64, randomId: @escaping @Sendable () -> KafkaUUID
    ) throws {
        let metadata = try metadata ?? logFactory.openMetadataStore()
        self.metadata = metadata
        self.dynamicConfig = try DynamicBrokerConfig(base: config, dynamic: metadata.current.dynamicBrokerConfigs)
        self.advertised = NIOLockedValueBox((config.advertisedHost, config.advertisedPort))
        self.logger = logger
        self.clock = clock
        self.loadRates = LoadRateWindow(windowMs: Broker.loadRateWindowMs, startMs: clock())
        self.topics = TopicManager(factory: logFactory, metadata: metadata, config: dynamicConfig, logger: logger, randomId: randomId)
        try topics.load(nowMs: clock())
        producerIds = ProducerIdAllocator(metadata: metadata)
        transactions = TransactionCoordinator(metadata: metadata)
        let config = dynamicConfig.current
        clientQuotas = ClientQuotaService(
            metadata: metadata, windowMs: config.quotaWindowSizeSeconds * 1_000, windows: config.quotaWindowNum)
        groups = try GroupService(
            config: GroupConfig(broker: config), broker: config, factory: logFactory, logger: logger, now: clock(), randomId: randomId)
        recoverTransactions()
    }

    /// The address clients are told to use (Metadata, DescribeCluster).
    public var advertisedAddress: (host: String, port: Int32) { advertised.withLockedValue { $0 } }

    /// Changes the advertised address: the server calls it when it bound port 0 and learnt the real one.
    public func setAdvertisedAddress(host: String, port: Int32) {
        advertised.withLockedValue { $0 = (host, port) }
    }

    /// The address told to clients that came in through `listener` (Kafka answers with the listener a client
    /// connected by); the default address for a listener the server did not name.
    public func advertisedAddress(listener: String) -> (host: String, port: Int32) {
        advertisedByListener.withLockedValue { $0[listener] } ?? advertisedAddress
    }

    /// Sets what clients of `listener` are told.
    public func setAdvertisedAddress(host: String, port: Int32, listener: String) {
        advertisedByListener.withLockedValue { $0[listener] = (host, port) }
    }

    /// Answers one request frame (without its size prefix).
    public func handle(frame: ByteBuffer, context: RequestContext) -> BrokerReply {
        var body = frame
        let header: RequestHeader
        do {
            header = try RequestHeader.read(from: &body)
        } catch {
            logger.warning("closing connection: unreadable request header", metadata: ["peer": "\(context.peer)", "error": "\(error)"])
            return .close(reason: "unreadable request header: \(error)")
        }
        guard let handler = ApiHandler.byKey[header.apiKey] else {
            logger.warning("closing connection: unknown API key", metadata: ["peer": "\(context.peer)", "apiKey": "\(header.apiKey)"])
            return .close(reason: "unknown API key \(header.apiKey)")
        }
        let key = handler.key
        if let authentication = context.authentication, authentication.principal == nil,
           key != .apiVersions && key != .saslHandshake && key != .saslAuthenticate || authentication.state == .failed {
            // Kafka answers nothing but ApiVersions and the SASL APIs before authentication, and nothing after a failure.
            logger.warning(
                "closing connection: request before SASL authentication",
                metadata: ["peer": "\(context.peer)", "api": "\(key)"])
            return .close(reason: "\(key) before SASL authentication")
        }
        guard handler.versions.contains(header.apiVersion) else {
            if key == .apiVersions { return apiVersionsUnsupported(header: header) }
            logger.warning(
                "closing connection: unsupported version",
                metadata: ["peer": "\(context.peer)", "api": "\(key)", "version": "\(header.apiVersion)"])
            return .close(reason: "unsupported version \(header.apiVersion) of \(key)")
        }
        do {
            return try handler.answer(broker: self, header: header, body: &body, context: context)
        } catch {
            logger.warning(
                "closing connection: malformed request",
                metadata: ["peer": "\(context.peer)", "api": "\(key)", "version": "\(header.apiVersion)", "error": "\(error)"])
            return .close(reason: "malformed \(key) v\(header.apiVersion): \(error)")
        }
    }

    func reply<M: KafkaMessage>(_ response: M, _ header: RequestHeader) -> BrokerReply {
        .frame(ResponseEncoding.frame(response, header: header, allocator: allocator))
    }

    /// Rolls and deletes segments per each topic's retention; the server calls it periodically.
    public func applyRetention() {
        let now = clock()
        for topic in topics.allTopics() {
            for p in topic.partitions {
                do {
                    let deleted = try p.log.applyRetention(now: now)
                    if deleted > 0 {
                        transactions.forgetAborted(TxnPartition(topic: topic.name, partition: p.index), below: p.log.logStartOffset)
                        logger.info(
                            "retention deleted segments",
                            metadata: ["topic": "\(topic.name)", "partition": "\(p.index)", "segments": "\(deleted)"])
                    }
                } catch {
                    logger.error("retention failed", metadata: ["topic": "\(topic.name)", "partition": "\(p.index)", "error": "\(error)"])
                }
            }
        }
    }

    /// fsyncs every log whose log.flush.interval.ms has passed; the server calls it every second.
    public func flushDueLogs() {
        let now = clock()
        do { try groups.flushIfDue(now: now) } catch let error as StorageError where error.isClosed {
        } catch {
            logger.error("offsets log flush failed", metadata: ["error": "\(error)"])
        }
        for topic in topics.allTopics() {
            for p in topic.partitions {
                do { try p.log.flushIfDue(now: now) } catch let error as StorageError where error.isClosed {
                    continue  // deleted meanwhile
                } catch {
                    logger.error("flush failed", metadata: ["topic": "\(topic.name)", "partition": "\(p.index)", "error": "\(error)"])
                }
            }
        }
    }

    /// Cumulative load of every partition now; compare two snapshots for rates.
    public func loadSnapshot() -> [PartitionLoadSnapshot] {
        let now = clock()
        return topics.allTopics().flatMap { topic in
            topic.partitions.map { $0.counters.snapshot(topic: topic.name, partition: $0.index, nowMs: now) }
        }
    }

    /// Flushes and closes every log; the broker must not be used afterwards.
    public func shutdown() {
        groups.shutdown()
        topics.closeAll()
    }

    /// First step of shutdown: answers requests parked in the group coordinator so that the
    /// transport can drain its connections without waiting out rebalance timeouts.
    public func beginShutdown() {
        groups.releaseParked()
    }
}
