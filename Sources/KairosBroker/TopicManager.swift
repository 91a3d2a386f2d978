import KafkaProtocol
import KairosStorage
import Logging
import NIOConcurrencyHelpers

/// A topic as the broker holds it.
final class Topic: Sendable {
    let name: String
    let id: KafkaUUID
    let config: TopicConfig
    let partitions: [Partition]

    init(name: String, id: KafkaUUID, config: TopicConfig, partitions: [Partition]) {
        self.name = name
        self.id = id
        self.config = config
        self.partitions = partitions
    }

    func partition(_ index: Int32) -> Partition? {
        index >= 0 && Int(index) < partitions.count ? partitions[Int(index)] : nil
    }
}

/// Why a topic operation failed: a Kafka error code and message.
struct TopicError: Error, Sendable {
    var code: ErrorCode
    var message: String
}

/// Creates, finds, grows and deletes topics, and keeps the topic catalog in the metadata store in step.
///
/// Lookups take a lock briefly and return immutable `Topic` values; changes build a new `Topic`
/// and swap it in, so a fetch or produce in progress keeps working on the partitions it found.
final class TopicManager: Sendable {
    private struct State {
        var topics: [String: Topic] = [:]
    }

    private let state = NIOLockedValueBox(State())
    /// Serialises changes (create, delete, grow) so catalog writes happen in order.
    private let changeLock = NIOLock()
    private let factory: any LogFactory
    private let metadata: any MetadataStore
    private let brokerConfig: DynamicBrokerConfig
    /// The broker's configuration in force (it may change live).
    private var config: BrokerConfig { brokerConfig.current }
    private let logger: Logger
    private let randomId: @Sendable () -> KafkaUUID

    init(
        factory: any LogFactory, metadata: any MetadataStore, config: DynamicBrokerConfig, logger: Logger,
        randomId: @escaping @Sendable () -> KafkaUUID
    ) {
        self.factory = factory
        self.metadata = metadata
        self.brokerConfig = config
        self.logger = logger
        self.randomId = randomId
    }

    /// Loads the catalog and opens every partition log found (recovering each).
    func load(nowMs: Int64) throws {
        try changeLock.withLock {
            var topics: [String: Topic] = [:]
            var known = Set<String>()
            for record in metadata.current.topics {
                known.insert(record.name)
                let topicConfig = try record.topicConfig()
                let logConfig = topicConfig.logConfig(broker: config)
                var partitions: [Partition] = []
                for p in 0..<record.partitions {
                    let log = try factory.openLog(topic: record.name, partition: p, config: logConfig, nowMs: nowMs)
                    partitions.append(try Partition(topic: record.name, index: p, log: log, logger: logger))
                }
                topics[record.name] = Topic(name: record.name, id: record.topicId, config: topicConfig, partitions: partitions)
            }
            // Partition directories with no catalog entry (a catalog lost or from elsewhere): adopt them
            // with default configs rather than ignore data that is on disk.
            var orphans: [String: Int32] = [:]
            // The group coordinator's offsets log lives beside the topics but is not one.
            for (topic, partition) in factory.existingPartitions()
            where !known.contains(topic) && !TopicManager.internalTopics.contains(topic) {
                orphans[topic] = max(orphans[topic] ?? 0, partition + 1)
            }
            for (name, count) in orphans where TopicName.validationError(name) == nil {
                logger.warning("adopting topic found on disk without catalog entry", metadata: ["topic": "\(name)"])
                var partitions: [Partition] = []
                for p in 0..<count {
                    let log = try factory.openLog(topic: name, partition: p, config: config.log, nowMs: nowMs)
                    partitions.append(try Partition(topic: name, index: p, log: log, logger: logger))
                }
                topics[name] = Topic(name: name, id: randomId(), config: TopicConfig(), partitions: partitions)
            }
            state.withLockedValue { $0.topics = topics }
            if !orphans.isEmpty { try saveCatalog() }
        }
    }

    func topic(_ name: String) -> Topic? { state.withLockedValue { $0.topics[name] } }

    func topic(id: KafkaUUID) -> Topic? { state.withLockedValue { $0.topics.values.first { $0.id == id } } }

    func allTopics() -> [Topic] { state.withLockedValue { Array($0.topics.values) }.sorted { $0.name < $1.name } }

    /// Internal logs kept under log.dirs that are not user topics (the group coordinator's offsets).
    static let internalTopics: Set<String> = [OffsetLog.topic]

    /// Checks that a topic could be created; returns the error Kafka would give.
    func validateCreate(name: String, partitions: Int32, replicationFactor: Int16, overrides: [String: String?]) -> TopicError? {
        if let reason = TopicName.validationError(name) { return TopicError(code: .invalidTopicException, message: reason) }
        if TopicManager.internalTopics.contains(name) {
            return TopicError(code: .topicAlreadyExists, message: "Topic '\(name)' is internal to the broker.")
        }
        if partitions <= 0 {
            return TopicError(code: .invalidPartitions, message: "Number of partitions must be larger than 0.")
        }
        if partitions > Limits.partitionsPerTopicMax {
            return TopicError(code: .invalidPartitions, message: "Number of partitions must be at most \(Limits.partitionsPerTopicMax).")
        }
        if replicationFactor != 1 {
            return TopicError(
                code: .invalidReplicationFactor,
                message: "Replication factor: \(replicationFactor) larger than available brokers: 1.")
        }
        for (key, value) in overrides {
            if let reason = TopicConfig.validate(name: key, value: value) {
                return TopicError(code: .invalidConfig, message: reason)
            }
        }
        return state.withLockedValue { s -> TopicError? in
            if s.topics[name] != nil {
                return TopicError(code: .topicAlreadyExists, message: "Topic '\(name)' already exists.")
            }
            let key = TopicName.collisionKey(name)
            if let other = s.topics.keys.first(where: { TopicName.collisionKey($0) == key }) {
                return TopicError(
                    code: .invalidTopicException,
                    message: "Topic '\(name)' collides with existing topic: \(other)")
            }
            return nil
        }
    }

    /// Creates a topic (its partition logs and catalog entry).
    @discardableResult
    func create(name: String, partitions: Int32, overrides: [String: String?], nowMs: Int64) throws -> Topic {
        try changeLock.withLock { () throws -> Topic in
            if let error = validateCreate(name: name, partitions: partitions, replicationFactor: 1, overrides: overrides) {
                throw error
            }
            let config: TopicConfig
            do { config = try TopicConfig(overrides: overrides) } catch {
                throw TopicError(code: .invalidConfig, message: "\(error)")
            }
            let logConfig = config.logConfig(broker: self.config)
            var created: [Partition] = []
            do {
                for p in 0..<partitions {
                    let log = try factory.openLog(topic: name, partition: p, config: logConfig, nowMs: nowMs)
                    created.append(try Partition(topic: name, index: p, log: log, logger: logger))
                }
            } catch {
                for p in created { try? factory.deleteLog(topic: name, partition: p.index, log: p.log) }
                throw TopicError(code: .kafkaStorageError, message: "cannot create the logs of \(name): \(error)")
            }
            let topic = Topic(name: name, id: randomId(), config: config, partitions: created)
            state.withLockedValue { $0.topics[name] = topic }
            do { try saveCatalog() } catch {
                logger.error("cannot save the topic catalog", metadata: ["error": "\(error)"])
            }
            logger.info("created topic", metadata: ["topic": "\(name)", "partitions": "\(partitions)"])
            return topic
        }
    }

    /// Deletes a topic and its logs.
    func delete(name: String) throws {
        try changeLock.withLock { () throws in
            guard let topic = state.withLockedValue({ $0.topics.removeValue(forKey: name) }) else {
                throw TopicError(code: .unknownTopicOrPartition, message: "This server does not host this topic.")
            }
            for p in topic.partitions {
                p.waiters.wakeAll()
                do { try factory.deleteLog(topic: name, partition: p.index, log: p.log) } catch {
                    logger.error("cannot delete a partition log", metadata: ["topic": "\(name)", "error": "\(error)"])
                }
            }
            do { try saveCatalog() } catch {
                logger.error("cannot save the topic catalog", metadata: ["error": "\(error)"])
            }
            logger.info("deleted topic", metadata: ["topic": "\(name)"])
        }
    }

    /// Checks a CreatePartitions request for one topic.
    func validateGrow(name: String, count: Int32) -> TopicError? {
        guard let topic = topic(name) else {
            return TopicError(code: .unknownTopicOrPartition, message: "The topic '\(name)' does not exist.")
        }
        let current = Int32(topic.partitions.count)
        if count < current {
            return TopicError(
                code: .invalidPartitions,
                message: "Topic currently has \(current) partitions, which is higher than the requested \(count).")
        }
        if count == current {
            return TopicError(code: .invalidPartitions, message: "Topic already has \(current) partitions.")
        }
        if count > Limits.partitionsPerTopicMax {
            return TopicError(code: .invalidPartitions, message: "Number of partitions must be at most \(Limits.partitionsPerTopicMax).")
        }
        return nil
    }

    /// Grows a topic to `count` partitions.
    func grow(name: String, count: Int32, nowMs: Int64) throws {
        try changeLock.withLock { () throws in
            if let error = validateGrow(name: name, count: count) { throw error }
            let topic = self.topic(name)!
            let logConfig = topic.config.logConfig(broker: config)
            var partitions = topic.partitions
            do {
                for p in Int32(partitions.count)..<count {
                    let log = try factory.openLog(topic: name, partition: p, config: logConfig, nowMs: nowMs)
                    partitions.append(try Partition(topic: name, index: p, log: log, logger: logger))
                }
            } catch {
                throw TopicError(code: .kafkaStorageError, message: "cannot create partition logs: \(error)")
            }
            let grown = Topic(name: name, id: topic.id, config: topic.config, partitions: partitions)
            state.withLockedValue { $0.topics[name] = grown }
            do { try saveCatalog() } catch {
                logger.error("cannot save the topic catalog", metadata: ["error": "\(error)"])
            }
            logger.info("grew topic", metadata: ["topic": "\(name)", "partitions": "\(count)"])
        }
    }

    /// Changes the config of topic `name` to what `change` makes of the current one (nil: only checked, nothing
    /// changes), under the change lock so that concurrent changes build on each other. The catalog is written
    /// first, then the new config is swapped in and pushed to the open logs, so a change that could not be stored
    /// takes no effect. Throws what `change` throws, or a `TopicError` (unknown topic, storage failure).
    func alterConfig(name: String, _ change: (TopicConfig) throws -> TopicConfig?) throws {
        try changeLock.withLock { () throws in
            guard let topic = self.topic(name) else {
                throw TopicError(code: .unknownTopicOrPartition, message: "Topic \(name) does not exist")
            }
            guard let config = try change(topic.config) else { return }
            let altered = Topic(name: name, id: topic.id, config: config, partitions: topic.partitions)
            let records = state.withLockedValue { s -> [TopicRecord] in
                var topics = s.topics
                topics[name] = altered
                return topics.values.map(TopicRecord.init)
            }
            do { try metadata.update { $0.topics = records } } catch {
                throw TopicError(code: .kafkaStorageError, message: "cannot save the topic catalog: \(error)")
            }
            state.withLockedValue { $0.topics[name] = altered }
            applyLogConfig(of: altered)
            logger.info("altered topic config", metadata: ["topic": "\(name)", "overrides": "\(config.overrides)"])
        }
    }

    /// Pushes every topic's log settings to its open logs again (a broker default they fall back to changed).
    func refreshLogConfigs() {
        changeLock.withLock {
            for topic in allTopics() { applyLogConfig(of: topic) }
        }
    }

    /// Gives each partition log of `topic` the settings its config and the broker's now make.
    private func applyLogConfig(of topic: Topic) {
        let logConfig = topic.config.logConfig(broker: config)
        for p in topic.partitions { p.log.updateConfig(logConfig) }
    }

    /// Closes every log (shutdown).
    func closeAll() {
        for topic in allTopics() {
            for p in topic.partitions {
                do { try p.close() } catch {
                    logger.error("cannot close a log", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
                }
            }
        }
    }

    /// Writes the topics as they are now to the metadata store. Must be called with `changeLock` held. The whole
    /// list is written each time, so a write that failed is made good by the next change.
    private func saveCatalog() throws {
        let records = state.withLockedValue { s in s.topics.values.map(TopicRecord.init) }
        try metadata.update { $0.topics = records }
    }
}
