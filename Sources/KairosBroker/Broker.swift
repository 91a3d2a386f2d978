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
    /// The configuration it was started with.
    public let config: BrokerConfig
    let logger: Logger
    let clock: @Sendable () -> Int64
    let topics: TopicManager
    let groups: GroupService
    let producerIds: ProducerIdAllocator
    let allocator = ByteBufferAllocator()
    private let advertised: NIOLockedValueBox<(host: String, port: Int32)>

    /// Opens the broker's metadata and logs (recovering them). Without `metadata`, the store that lives with the
    /// logs is used (`LogFactory.openMetadataStore`).
    public init(
        config: BrokerConfig, logFactory: any LogFactory, metadata: (any MetadataStore)? = nil, logger: Logger,
        clock: @escaping @Sendable () -> Int64, randomId: @escaping @Sendable () -> KafkaUUID
    ) throws {
        self.config = config
        self.advertised = NIOLockedValueBox((config.advertisedHost, config.advertisedPort))
        self.logger = logger
        self.clock = clock
        let metadata = try metadata ?? logFactory.openMetadataStore()
        self.topics = TopicManager(factory: logFactory, metadata: metadata, config: config, logger: logger, randomId: randomId)
        try topics.load(nowMs: clock())
        producerIds = ProducerIdAllocator(metadata: metadata)
        groups = try GroupService(
            config: GroupConfig(broker: config), broker: config, factory: logFactory, logger: logger, now: clock(), randomId: randomId)
    }

    /// The address clients are told to use (Metadata, DescribeCluster).
    public var advertisedAddress: (host: String, port: Int32) { advertised.withLockedValue { $0 } }

    /// Changes the advertised address: the server calls it when it bound port 0 and learnt the real one.
    public func setAdvertisedAddress(host: String, port: Int32) {
        advertised.withLockedValue { $0 = (host, port) }
    }

    /// The APIs this broker answers and the versions of each, as ApiVersions advertises them.
    public static let supportedApis: [(key: ApiKey, versions: ClosedRange<Int16>)] = [
        (.produce, ProduceRequest.versions),
        (.fetch, FetchRequest.versions),
        (.listOffsets, 0...6),  // v7 adds max-timestamp lookups, not supported
        (.metadata, MetadataRequest.versions),
        (.apiVersions, ApiVersionsRequest.versions),
        (.createTopics, CreateTopicsRequest.versions),
        (.deleteTopics, DeleteTopicsRequest.versions),
        (.deleteRecords, DeleteRecordsRequest.versions),
        (.initProducerId, InitProducerIdRequest.versions),
        (.offsetCommit, OffsetCommitRequest.versions),
        (.offsetFetch, OffsetFetchRequest.versions),
        (.findCoordinator, FindCoordinatorRequest.versions),
        (.joinGroup, JoinGroupRequest.versions),
        (.heartbeat, HeartbeatRequest.versions),
        (.leaveGroup, LeaveGroupRequest.versions),
        (.syncGroup, SyncGroupRequest.versions),
        (.describeGroups, DescribeGroupsRequest.versions),
        (.listGroups, ListGroupsRequest.versions),
        (.deleteGroups, DeleteGroupsRequest.versions),
        (.offsetDelete, OffsetDeleteRequest.versions),
        (.describeConfigs, DescribeConfigsRequest.versions),
        (.createPartitions, CreatePartitionsRequest.versions),
        (.describeCluster, DescribeClusterRequest.versions),
    ]

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
        guard let key = ApiKey(rawValue: header.apiKey),
              let range = Broker.supportedApis.first(where: { $0.key == key })?.versions
        else {
            logger.warning("closing connection: unknown API key", metadata: ["peer": "\(context.peer)", "apiKey": "\(header.apiKey)"])
            return .close(reason: "unknown API key \(header.apiKey)")
        }
        guard range.contains(header.apiVersion) else {
            if key == .apiVersions { return apiVersionsUnsupported(header: header) }
            logger.warning(
                "closing connection: unsupported version",
                metadata: ["peer": "\(context.peer)", "api": "\(key)", "version": "\(header.apiVersion)"])
            return .close(reason: "unsupported version \(header.apiVersion) of \(key)")
        }
        do {
            return try dispatch(key: key, header: header, body: &body, context: context)
        } catch {
            logger.warning(
                "closing connection: malformed request",
                metadata: ["peer": "\(context.peer)", "api": "\(key)", "version": "\(header.apiVersion)", "error": "\(error)"])
            return .close(reason: "malformed \(key) v\(header.apiVersion): \(error)")
        }
    }

    private func dispatch(key: ApiKey, header: RequestHeader, body: inout ByteBuffer, context: RequestContext) throws -> BrokerReply {
        let v = header.apiVersion
        switch key {
        case .produce:
            let request = try ProduceRequest(from: &body, version: v)
            guard let response = handleProduce(request, version: v, context: context) else { return .noResponse }
            return reply(response, header)
        case .fetch:
            return handleFetch(try FetchRequest(from: &body, version: v), header: header, context: context)
        case .listOffsets:
            return reply(handleListOffsets(try ListOffsetsRequest(from: &body, version: v), version: v), header)
        case .metadata:
            return reply(handleMetadata(try MetadataRequest(from: &body, version: v), version: v), header)
        case .apiVersions:
            return reply(handleApiVersions(try ApiVersionsRequest(from: &body, version: v), version: v), header)
        case .createTopics:
            return reply(handleCreateTopics(try CreateTopicsRequest(from: &body, version: v), version: v), header)
        case .deleteTopics:
            return reply(handleDeleteTopics(try DeleteTopicsRequest(from: &body, version: v), version: v), header)
        case .deleteRecords:
            return reply(handleDeleteRecords(try DeleteRecordsRequest(from: &body, version: v)), header)
        case .initProducerId:
            return reply(handleInitProducerId(try InitProducerIdRequest(from: &body, version: v)), header)
        case .describeConfigs:
            return reply(handleDescribeConfigs(try DescribeConfigsRequest(from: &body, version: v), version: v), header)
        case .createPartitions:
            return reply(handleCreatePartitions(try CreatePartitionsRequest(from: &body, version: v)), header)
        case .describeCluster:
            return reply(handleDescribeCluster(try DescribeClusterRequest(from: &body, version: v)), header)
        case .offsetCommit:
            return handleOffsetCommit(try OffsetCommitRequest(from: &body, version: v), header: header, context: context)
        case .offsetFetch:
            return reply(handleOffsetFetch(try OffsetFetchRequest(from: &body, version: v), version: v), header)
        case .findCoordinator:
            return reply(handleFindCoordinator(try FindCoordinatorRequest(from: &body, version: v), version: v), header)
        case .joinGroup:
            return handleJoinGroup(try JoinGroupRequest(from: &body, version: v), header: header, context: context)
        case .heartbeat:
            return handleHeartbeat(try HeartbeatRequest(from: &body, version: v), header: header, context: context)
        case .leaveGroup:
            return handleLeaveGroup(try LeaveGroupRequest(from: &body, version: v), header: header, context: context)
        case .syncGroup:
            return handleSyncGroup(try SyncGroupRequest(from: &body, version: v), header: header, context: context)
        case .describeGroups:
            return reply(handleDescribeGroups(try DescribeGroupsRequest(from: &body, version: v), version: v), header)
        case .listGroups:
            return reply(handleListGroups(try ListGroupsRequest(from: &body, version: v), version: v), header)
        case .deleteGroups:
            return handleDeleteGroups(try DeleteGroupsRequest(from: &body, version: v), header: header, context: context)
        case .offsetDelete:
            return handleOffsetDelete(try OffsetDeleteRequest(from: &body, version: v), header: header, context: context)
        default:
            return .close(reason: "unknown API key \(header.apiKey)")
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
