import KafkaProtocol
import NIOConcurrencyHelpers

/// The broker's transaction coordinator: every transactional id's `TransactionState` and every partition's
/// `PartitionTransactions`, under one lock. It decides; `Broker+Transactions` performs what it decides (markers,
/// offsets) and feeds the marker offsets back with `markerWritten`.
final class TransactionCoordinator: Sendable {
    private struct Inner {
        var producers: [String: TransactionState] = [:]
        var partitions: [TxnPartition: PartitionTransactions] = [:]
    }

    private let inner = NIOLockedValueBox(Inner())

    /// Applies `event` to `transactionalId`'s state. `known` false (and an event other than init) answers
    /// INVALID_PRODUCER_ID_MAPPING, as Kafka does for an id it has never seen.
    func apply(_ event: TransactionState.Event, to transactionalId: String, now: Int64) -> TransactionState.Outcome {
        inner.withLockedValue { inner in
            if case .initProducer = event {
                var state = inner.producers[transactionalId] ?? TransactionState()
                let outcome = state.apply(event, now: now)
                inner.producers[transactionalId] = state
                return outcome
            }
            guard var state = inner.producers[transactionalId] else { return .error(.wrongProducerId) }
            let outcome = state.apply(event, now: now)
            inner.producers[transactionalId] = state
            return outcome
        }
    }

    /// The producer id and epoch `transactionalId` holds, nil when it has none.
    func producer(of transactionalId: String) -> (id: Int64, epoch: Int16)? {
        inner.withLockedValue { inner in
            guard let state = inner.producers[transactionalId], state.producerId >= 0 else { return nil }
            return (state.producerId, state.epoch)
        }
    }

    /// Lets time act: the completions of every transaction that outlived its timeout, with their transactional ids.
    func expire(now: Int64) -> [(String, TransactionState.Completion)] {
        inner.withLockedValue { inner in
            var done: [(String, TransactionState.Completion)] = []
            for (id, var state) in inner.producers where state.ongoing != nil {
                if case .complete(let completion) = state.apply(.tick, now: now) { done.append((id, completion)) }
                inner.producers[id] = state
            }
            return done
        }
    }

    /// A transactional batch of `producerId` is about to be appended to `partition` at `offset` or after.
    func dataAppending(_ partition: TxnPartition, producerId: Int64, atOrAfter offset: Int64) {
        inner.withLockedValue { $0.partitions[partition, default: .init()].appended(producerId: producerId, baseOffset: offset) }
    }

    /// The marker ending `producerId`'s transaction was appended to `partition` at `offset`.
    func markerWritten(_ partition: TxnPartition, producerId: Int64, commit: Bool, offset: Int64) {
        inner.withLockedValue { $0.partitions[partition, default: .init()].ended(producerId: producerId, commit: commit, markerOffset: offset) }
    }

    /// The last stable offset of `partition` whose high watermark is `highWatermark`.
    func lastStableOffset(_ partition: TxnPartition, highWatermark: Int64) -> Int64 {
        inner.withLockedValue { $0.partitions[partition]?.lastStableOffset(highWatermark: highWatermark) ?? highWatermark }
    }

    /// The aborted transactions of `partition` overlapping `from..<upTo`.
    func abortedTransactions(_ partition: TxnPartition, from: Int64, upTo: Int64) -> [PartitionTransactions.Aborted] {
        inner.withLockedValue { $0.partitions[partition]?.abortedOverlapping(from: from, upTo: upTo) ?? [] }
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
        }
    }
}
