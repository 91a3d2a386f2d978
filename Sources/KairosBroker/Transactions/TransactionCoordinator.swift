import Atomics
import KafkaProtocol
import KairosStorage
import NIOConcurrencyHelpers

/// The broker's transaction coordinator: every transactional id's `TransactionState` and every partition's
/// `PartitionTransactions`, under one lock. It decides; `Broker+Transactions` performs what it decides (markers,
/// offsets) and feeds the marker offsets back with `markerWritten`. Each transactional id's producer id, epoch and
/// timeout are kept in the metadata store, written before a new epoch is answered.
final class TransactionCoordinator: Sendable {
    private struct Inner {
        var producers: [String: TransactionState] = [:]
        var partitions: [TxnPartition: PartitionTransactions] = [:]
    }

    private let inner: NIOLockedValueBox<Inner>
    private let metadata: any MetadataStore
    /// Set once any partition has seen a transactional batch: until then every fetch's last stable offset is its
    /// high watermark, answered without taking the lock (the fetch path of a broker without transactions).
    private let anyPartitionTransactions = ManagedAtomic(false)

    /// Starts with the transactional producers the metadata store holds, with no transaction open.
    init(metadata: any MetadataStore) {
        self.metadata = metadata
        var restored = Inner()
        for record in metadata.current.transactionalProducers {
            restored.producers[record.transactionalId] = TransactionState(
                producerId: record.producerId, epoch: record.producerEpoch, timeoutMs: record.transactionTimeoutMs)
        }
        inner = NIOLockedValueBox(restored)
    }

    /// Applies `event` to `transactionalId`'s state. An event other than init for an id never initialised answers
    /// INVALID_PRODUCER_ID_MAPPING, as Kafka does. When the event changes the id's producer id, epoch or timeout, the
    /// change is written to the metadata store first; if that fails nothing changes and `StorageError` is thrown.
    func apply(_ event: TransactionState.Event, to transactionalId: String, now: Int64) throws -> TransactionState.Outcome {
        try inner.withLockedValue { inner in
            var state: TransactionState
            if let known = inner.producers[transactionalId] {
                state = known
            } else if case .initProducer = event {
                state = TransactionState()
            } else {
                return .error(.wrongProducerId)
            }
            let before = state
            let outcome = state.apply(event, now: now)
            try persistIfChanged(transactionalId, from: before, to: state)
            inner.producers[transactionalId] = state
            return outcome
        }
    }

    /// Writes `after`'s producer to the metadata store when it differs from `before`'s.
    private func persistIfChanged(_ transactionalId: String, from before: TransactionState, to after: TransactionState) throws {
        guard after.producerId >= 0,
            before.producerId != after.producerId || before.epoch != after.epoch || before.timeoutMs != after.timeoutMs
        else { return }
        let record = TransactionalProducerRecord(
            transactionalId: transactionalId, producerId: after.producerId, producerEpoch: after.epoch,
            transactionTimeoutMs: after.timeoutMs)
        try metadata.update { metadata in
            if let i = metadata.transactionalProducers.firstIndex(where: { $0.transactionalId == transactionalId }) {
                metadata.transactionalProducers[i] = record
            } else {
                metadata.transactionalProducers.append(record)
            }
        }
    }

    /// After a restart: the transactions the partition logs show open (transactional data without a marker) are
    /// reopened for the transactional id whose producer wrote them, started `now` so their timeout runs again; the
    /// partitions' indexes are replaced by `indexes`. Open transactions of a producer id no transactional id holds
    /// any more are returned: the caller aborts them.
    func restore(
        indexes: [TxnPartition: PartitionTransactions], now: Int64
    ) -> [(producerId: Int64, epoch: Int16, partitions: [TxnPartition])] {
        if !indexes.isEmpty { anyPartitionTransactions.store(true, ordering: .releasing) }
        return inner.withLockedValue { inner in
            inner.partitions = indexes
            var openByProducer: [Int64: [TxnPartition]] = [:]
            for (partition, index) in indexes {
                for producerId in index.open.keys { openByProducer[producerId, default: []].append(partition) }
            }
            var orphans: [(Int64, Int16, [TxnPartition])] = []
            for (producerId, partitions) in openByProducer {
                if let id = inner.producers.first(where: { $0.value.producerId == producerId })?.key {
                    inner.producers[id]!.reopen(partitions: partitions, now: now)
                } else {
                    orphans.append((producerId, indexes.values.compactMap { $0.lastEpoch[producerId] }.max() ?? 0, partitions.sorted()))
                }
            }
            return orphans
        }
    }

    /// The transactional producers the metadata store holds.
    var recordedProducers: [TransactionalProducerRecord] { metadata.current.transactionalProducers }

    /// The producer id and epoch `transactionalId` holds, nil when it has none.
    func producer(of transactionalId: String) -> (id: Int64, epoch: Int16)? {
        inner.withLockedValue { inner in
            guard let state = inner.producers[transactionalId], state.producerId >= 0 else { return nil }
            return (state.producerId, state.epoch)
        }
    }

    /// Every transactional id with its state, by id (ListTransactions, DescribeTransactions).
    var states: [String: TransactionState] { inner.withLockedValue { $0.producers } }

    /// The first offset of each producer's open transaction on `partition` (DescribeProducers).
    func openTransactionStarts(_ partition: TxnPartition) -> [Int64: Int64] {
        inner.withLockedValue { $0.partitions[partition]?.open ?? [:] }
    }

    /// Lets time act: the completions of every transaction that outlived its timeout, with their transactional ids.
    /// A transaction whose epoch bump cannot be stored is left open for the next call.
    func expire(now: Int64) -> [(String, TransactionState.Completion)] {
        inner.withLockedValue { inner in
            var done: [(String, TransactionState.Completion)] = []
            for (id, var state) in inner.producers where state.ongoing != nil {
                let before = state
                guard case .complete(let completion) = state.apply(.tick, now: now) else { continue }
                // The bumped epoch is kept only if it is stored; else the transaction stays open and the next tick retries.
                do { try persistIfChanged(id, from: before, to: state) } catch { continue }
                inner.producers[id] = state
                done.append((id, completion))
            }
            return done
        }
    }

    /// A transactional batch of `producerId` is about to be appended to `partition` at `offset` or after.
    func dataAppending(_ partition: TxnPartition, producerId: Int64, atOrAfter offset: Int64) {
        anyPartitionTransactions.store(true, ordering: .releasing)
        inner.withLockedValue { $0.partitions[partition, default: .init()].appended(producerId: producerId, baseOffset: offset) }
    }

    /// The marker ending `producerId`'s transaction was appended to `partition` at `offset`.
    func markerWritten(_ partition: TxnPartition, producerId: Int64, commit: Bool, offset: Int64) {
        inner.withLockedValue { $0.partitions[partition, default: .init()].ended(producerId: producerId, commit: commit, markerOffset: offset) }
    }

    /// Retention removed `partition`'s records below `logStartOffset`: the aborted ranges wholly below go too.
    func forgetAborted(_ partition: TxnPartition, below logStartOffset: Int64) {
        inner.withLockedValue { $0.partitions[partition]?.trim(below: logStartOffset) }
    }

    /// The last stable offset of `partition` whose high watermark is `highWatermark`.
    func lastStableOffset(_ partition: TxnPartition, highWatermark: Int64) -> Int64 {
        guard anyPartitionTransactions.load(ordering: .acquiring) else { return highWatermark }
        return inner.withLockedValue { $0.partitions[partition]?.lastStableOffset(highWatermark: highWatermark) ?? highWatermark }
    }

    /// The aborted transactions of `partition` overlapping `from..<upTo`.
    func abortedTransactions(_ partition: TxnPartition, from: Int64, upTo: Int64) -> [PartitionTransactions.Aborted] {
        guard anyPartitionTransactions.load(ordering: .acquiring) else { return [] }
        return inner.withLockedValue { $0.partitions[partition]?.abortedOverlapping(from: from, upTo: upTo) ?? [] }
    }
}

extension TransactionState.TxnError {
    /// The Kafka error code for this error at `version` of a request; `fencedSince` is the version that learnt
    /// PRODUCER_FENCED (KIP-588), older versions get INVALID_PRODUCER_EPOCH.
    func code(version: Int16, fencedSince: Int16) -> ErrorCode {
        switch self {
        case .fenced: return version >= fencedSince ? .producerFenced : .invalidProducerEpoch
        case .wrongProducerId: return .invalidProducerIdMapping
        case .invalidState: return .invalidTxnState
        case .invalidTimeout: return .invalidTransactionTimeout
        case .storage: return .kafkaStorageError
        }
    }
}
