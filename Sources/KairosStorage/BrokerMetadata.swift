/// The broker's durable metadata as one value: what a `MetadataStore` keeps.
///
/// Each kind of record has a field of its own, and each part of the broker changes only its own field through
/// `MetadataStore.update`. Adding a kind (client quotas, SCRAM credentials, ACLs) therefore means: a field here
/// whose default means "none", its encoding in `MetadataFile` (read as that default from files that lack it), and
/// cases in the metadata contract tests. The store protocol and the broker's existing users stay as they are.
public struct BrokerMetadata: Sendable, Equatable {
    /// Every topic, sorted by name (stores keep them so, whatever order an update leaves).
    public var topics: [TopicRecord]
    /// Producer ids below this may have been handed out: the end of the last block of ids reserved. A restarted
    /// broker hands out ids from here on, so no id is ever given twice.
    public var producerIdLimit: Int64
    /// The producer id and epoch of every transactional id, sorted by transactional id: a restarted broker keeps
    /// bumping the same producer's epoch, so instances from before the restart stay fenced.
    public var transactionalProducers: [TransactionalProducerRecord]
    /// Broker configs changed while running (AlterConfigs / IncrementalAlterConfigs), as text by Kafka property
    /// name, keyed by the resource they were set on: "" for the cluster-wide default, a node id ("1") for that
    /// broker alone. Empty when none was changed; a broker applies them over its properties file at start.
    public var dynamicBrokerConfigs: [String: [String: String]]

    /// Client quotas set with AlterClientQuotas, one record per entity, sorted by entity.
    public var clientQuotas: [ClientQuotaRecord]

    /// Metadata with the given records; the defaults are an empty broker's.
    public init(
        topics: [TopicRecord] = [], producerIdLimit: Int64 = 0, clientQuotas: [ClientQuotaRecord] = [],
        dynamicBrokerConfigs: [String: [String: String]] = [:], transactionalProducers: [TransactionalProducerRecord] = []
    ) {
        self.topics = topics
        self.producerIdLimit = producerIdLimit
        self.clientQuotas = clientQuotas
        self.dynamicBrokerConfigs = dynamicBrokerConfigs
        self.transactionalProducers = transactionalProducers
    }

    /// The topic named `name`, if there is one.
    public func topic(named name: String) -> TopicRecord? { topics.first { $0.name == name } }

    /// The same metadata in the stores' canonical form (topics sorted by name), so that what is read back equals
    /// what was written.
    var canonical: BrokerMetadata {
        var copy = self
        copy.topics.sort { $0.name < $1.name }
        copy.clientQuotas = copy.clientQuotas.map(\.canonical).sorted { $0.sortKey < $1.sortKey }
        copy.dynamicBrokerConfigs = copy.dynamicBrokerConfigs.filter { !$0.value.isEmpty }
        copy.transactionalProducers.sort { $0.transactionalId < $1.transactionalId }
        return copy
    }

    /// A copy with `change` applied, in canonical form, and what `change` returned; throws
    /// `StorageError.invalidMetadata` when the result is inconsistent. The stores' `update` is this plus storing.
    func applying<Result>(_ change: (inout BrokerMetadata) throws -> Result) throws -> (BrokerMetadata, Result) {
        var next = self
        let result = try change(&next)
        next = next.canonical
        if let problem = next.inconsistency { throw StorageError.invalidMetadata(problem) }
        return (next, result)
    }

    /// Why this metadata cannot be right, or nil when it is consistent. Checked on every load and update, so a
    /// damaged file is reported at start rather than turning into a crash or a wrong topic later.
    var inconsistency: String? {
        if producerIdLimit < 0 { return "producerIdLimit is negative (\(producerIdLimit))" }
        var seen = Set<String>()
        for topic in topics {
            if topic.name.isEmpty { return "a topic has an empty name" }
            if !seen.insert(topic.name).inserted { return "topic \(topic.name) is listed twice" }
            if topic.partitions < 1 { return "topic \(topic.name) has \(topic.partitions) partitions (at least 1)" }
        }
        var quotaEntities = Set<String>()
        for quota in clientQuotas {
            if let problem = quota.inconsistency { return problem }
            if !quotaEntities.insert(quota.sortKey).inserted { return "client quota entity \(quota.sortKey) is listed twice" }
        }
        var ids = Set<String>()
        for producer in transactionalProducers {
            if producer.transactionalId.isEmpty { return "a transactional producer has an empty transactional id" }
            if !ids.insert(producer.transactionalId).inserted { return "transactional id \(producer.transactionalId) is listed twice" }
            if producer.producerId < 0 || producer.producerEpoch < 0 {
                return "transactional id \(producer.transactionalId) has producer id \(producer.producerId) epoch \(producer.producerEpoch)"
            }
        }
        return nil
    }
}

/// One topic as the metadata records it.
public struct TopicRecord: Sendable, Equatable {
    /// The topic's name.
    public var name: String
    /// The high 64 bits of the topic id (a UUID).
    public var idHigh: UInt64
    /// The low 64 bits of the topic id.
    public var idLow: UInt64
    /// How many partitions it has (numbered from 0).
    public var partitions: Int32
    /// Topic-level settings set for this topic, by Kafka property name, as text: storage keeps them as given (Kafka
    /// stores topic configs as strings too) and the broker interprets them.
    public var configOverrides: [String: String]

    /// A topic record.
    public init(name: String, idHigh: UInt64, idLow: UInt64, partitions: Int32, configOverrides: [String: String] = [:]) {
        self.name = name
        self.idHigh = idHigh
        self.idLow = idLow
        self.partitions = partitions
        self.configOverrides = configOverrides
    }
}

/// One transactional id's producer, as the transaction coordinator last handed it out.
public struct TransactionalProducerRecord: Sendable, Equatable {
    /// The producer's transactional.id.
    public var transactionalId: String
    /// Its producer id.
    public var producerId: Int64
    /// Its current epoch.
    public var producerEpoch: Int16
    /// The transaction.timeout.ms it asked for.
    public var transactionTimeoutMs: Int32

    /// A transactional producer record.
    public init(transactionalId: String, producerId: Int64, producerEpoch: Int16, transactionTimeoutMs: Int32) {
        self.transactionalId = transactionalId
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.transactionTimeoutMs = transactionTimeoutMs
    }
}
