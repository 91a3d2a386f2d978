import KafkaProtocol

/// A partition named by topic and index, as transactions list them.
struct TxnPartition: Hashable, Sendable, Comparable {
    var topic: String
    var partition: Int32

    static func < (a: TxnPartition, b: TxnPartition) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }
}

/// One transactional id's coordinator state (KIP-98), a value with one transition function: `apply` takes an
/// event and returns what the caller must do (write markers, commit offsets) or the error to answer. No I/O here,
/// so the whole protocol is tested without a broker.
struct TransactionState: Sendable, Equatable {
    /// An offset a TxnOffsetCommit sent, made visible to its group when the transaction commits.
    struct PendingOffset: Sendable, Equatable {
        var groupId: String
        var partition: TxnPartition
        var offset: Int64
        var leaderEpoch: Int32
        var metadata: String?
    }

    /// An open transaction: what it touched and when it started (for transaction.timeout.ms).
    struct Ongoing: Sendable, Equatable {
        var partitions: Set<TxnPartition> = []
        var groups: Set<String> = []
        var offsets: [PendingOffset] = []
        var startedMs: Int64
    }

    /// What the coordinator is asked to do.
    enum Event: Sendable {
        /// InitProducerId. `expected` is KIP-360's current id and epoch (v3+), nil when the client sent none.
        case initProducer(timeoutMs: Int32, expected: (id: Int64, epoch: Int16)?, newId: Int64)
        /// AddPartitionsToTxn.
        case addPartitions(producerId: Int64, epoch: Int16, [TxnPartition])
        /// AddOffsetsToTxn.
        case addOffsets(producerId: Int64, epoch: Int16, groupId: String)
        /// TxnOffsetCommit.
        case commitOffsets(producerId: Int64, epoch: Int16, [PendingOffset])
        /// EndTxn.
        case end(producerId: Int64, epoch: Int16, commit: Bool)
        /// A produce of a transactional batch to `partition`: only a partition added to the transaction may take one.
        case produce(producerId: Int64, epoch: Int16, TxnPartition)
        /// Time passes: an open transaction older than its timeout is aborted.
        case tick
    }

    /// The result of one event.
    enum Outcome: Sendable, Equatable {
        /// Nothing to write; answer success.
        case ok
        /// Answer this error (`TxnError` maps it by request version).
        case error(TxnError)
        /// Write commit or abort markers to the completion's partitions, and on commit make its offsets visible to
        /// their groups; then answer success.
        case complete(Completion)
    }

    /// A finished transaction the caller must make durable: markers first, then offsets.
    struct Completion: Sendable, Equatable {
        var producerId: Int64
        var epoch: Int16
        var commit: Bool
        var partitions: [TxnPartition]
        var offsets: [PendingOffset]
    }

    /// Transaction errors before their mapping to a version's error code.
    enum TxnError: Sendable, Equatable {
        /// The request's epoch is older than the producer's: another instance took over.
        case fenced
        /// The producer id is not the one this transactional id has.
        case wrongProducerId
        /// The request does not fit the transaction's state (EndTxn without a transaction, ...).
        case invalidState
        /// transaction.timeout.ms out of range.
        case invalidTimeout
        /// The new epoch could not be written to the metadata store.
        case storage
    }

    /// The producer id this transactional id holds, -1 before the first InitProducerId.
    private(set) var producerId: Int64 = -1
    /// Its current epoch.
    private(set) var epoch: Int16 = -1
    /// transaction.timeout.ms the producer asked for.
    private(set) var timeoutMs: Int32 = 60_000
    /// The open transaction, nil when none.
    private(set) var ongoing: Ongoing?
    /// How the last transaction ended (nil before the first), so a retried EndTxn is answered as the first was.
    private(set) var lastEnded: Bool?

    /// The state's name as Kafka's admin APIs spell it: Ongoing while a transaction is open, CompleteCommit or
    /// CompleteAbort after one ended, Empty before the first. Kairos writes markers before answering EndTxn, so the
    /// Prepare states are never seen from outside.
    var stateName: String {
        if ongoing != nil { return "Ongoing" }
        switch lastEnded {
        case .some(true): return "CompleteCommit"
        case .some(false): return "CompleteAbort"
        case .none: return "Empty"
        }
    }

    /// Every state name Kafka defines; a ListTransactions filter naming another is answered as unknown.
    static let kafkaStateNames: Set<String> = [
        "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence",
    ]

    /// The largest transaction.timeout.ms a producer may ask for (Kafka's transaction.max.timeout.ms default).
    static let maxTimeoutMs: Int32 = 900_000

    /// Restores a transactional id's producer (from the metadata store after a restart), with no open transaction.
    init(producerId: Int64 = -1, epoch: Int16 = -1, timeoutMs: Int32 = 60_000) {
        self.producerId = producerId
        self.epoch = epoch
        self.timeoutMs = timeoutMs
    }

    /// After a restart: the transaction the partition logs show open for this producer, reopened with those
    /// partitions and started at `now` (the offsets it had sent are not in the logs and are lost).
    mutating func reopen(partitions: [TxnPartition], now: Int64) {
        ongoing = Ongoing(partitions: Set(partitions), startedMs: now)
    }

    /// The single transition function.
    mutating func apply(_ event: Event, now: Int64) -> Outcome {
        switch event {
        case .initProducer(let timeout, let expected, let newId):
            return initProducer(timeoutMs: timeout, expected: expected, newId: newId, now: now)
        case .addPartitions(let id, let epoch, let partitions):
            if let error = check(id, epoch) { return .error(error) }
            var open = ongoing ?? Ongoing(startedMs: now)
            open.partitions.formUnion(partitions)
            ongoing = open
            return .ok
        case .addOffsets(let id, let epoch, let group):
            if let error = check(id, epoch) { return .error(error) }
            var open = ongoing ?? Ongoing(startedMs: now)
            open.groups.insert(group)
            ongoing = open
            return .ok
        case .commitOffsets(let id, let epoch, let offsets):
            if let error = check(id, epoch) { return .error(error) }
            guard var open = ongoing, offsets.allSatisfy({ open.groups.contains($0.groupId) }) else { return .error(.invalidState) }
            // A later commit of the same partition in the same transaction replaces the earlier one.
            let replaced = Set(offsets.map { "\($0.groupId)\u{0}\($0.partition.topic)\u{0}\($0.partition.partition)" })
            open.offsets.removeAll { replaced.contains("\($0.groupId)\u{0}\($0.partition.topic)\u{0}\($0.partition.partition)") }
            open.offsets.append(contentsOf: offsets)
            ongoing = open
            return .ok
        case .end(let id, let epoch, let commit):
            if let error = check(id, epoch) { return .error(error) }
            guard ongoing != nil else {
                // A retry of the EndTxn that just completed is answered as it was; anything else is out of place.
                return lastEnded == commit ? .ok : .error(.invalidState)
            }
            return .complete(finish(commit: commit))
        case .produce(let id, let epoch, let partition):
            if let error = check(id, epoch) { return .error(error) }
            guard ongoing?.partitions.contains(partition) == true else { return .error(.invalidState) }
            return .ok
        case .tick:
            guard let open = ongoing, now - open.startedMs > Int64(timeoutMs) else { return .ok }
            // Kafka bumps the epoch when it aborts on timeout, so the timed-out producer is fenced.
            if epoch < Int16.max - 1 { epoch += 1 }
            return .complete(finish(commit: false))
        }
    }

    private mutating func initProducer(timeoutMs timeout: Int32, expected: (id: Int64, epoch: Int16)?, newId: Int64, now: Int64) -> Outcome {
        guard timeout > 0 && timeout <= Self.maxTimeoutMs else { return .error(.invalidTimeout) }
        if let expected, producerId >= 0 {
            // KIP-360: a producer recovering its own id may bump only the epoch it holds (or a retry of the bump).
            let current = expected.id == producerId && expected.epoch == epoch
            let retried = expected.id == producerId && expected.epoch == epoch - 1
            if !current && !retried { return .error(.fenced) }
            if retried { return .ok }
        }
        timeoutMs = timeout
        var completion: Completion?
        if ongoing != nil {
            // The old epoch's open transaction is aborted before the new epoch starts; its markers carry the bumped
            // epoch (the old one when the id changes), so the old producer's later writes are refused.
            completion = finish(commit: false)
            if epoch < Int16.max - 1 { completion?.epoch = epoch + 1 }
        }
        if producerId < 0 || epoch >= Int16.max - 1 {
            producerId = newId
            epoch = 0
        } else {
            epoch += 1
        }
        lastEnded = nil
        return completion.map { .complete($0) } ?? .ok
    }

    /// The id and epoch checks every transactional request passes.
    private func check(_ id: Int64, _ requestEpoch: Int16) -> TxnError? {
        if producerId < 0 || id != producerId { return .wrongProducerId }
        if requestEpoch < epoch { return .fenced }
        if requestEpoch != epoch { return .wrongProducerId }
        return nil
    }

    private mutating func finish(commit: Bool) -> Completion {
        let open = ongoing ?? Ongoing(startedMs: 0)
        ongoing = nil
        lastEnded = commit
        return Completion(
            producerId: producerId, epoch: epoch, commit: commit, partitions: open.partitions.sorted(),
            offsets: commit ? open.offsets : [])
    }
}
