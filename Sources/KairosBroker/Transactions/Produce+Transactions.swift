import KafkaProtocol

extension Broker {
    /// The check a produced batch passes before it is appended: a control batch is refused (only the coordinator
    /// writes markers); a transactional batch must come with a transactional id whose producer id and epoch it
    /// carries, to a partition added to the open transaction. A transactional batch that passes is noted as part of
    /// its transaction here before it is appended, at the log end offset (a bound its real offset cannot be below),
    /// so no read_committed fetch can see it before the transaction ends. Returns the refusal, nil to append.
    func checkTransactionalWrite(
        _ header: RecordBatchHeader, transactionalId: String?, topic: String, partition: Partition
    ) -> (code: ErrorCode, message: String)? {
        if header.isControl { return (.invalidRecord, "producers may not write control batches") }
        guard header.isTransactional else { return nil }
        guard let transactionalId, !transactionalId.isEmpty else {
            return (.invalidTxnState, "a transactional batch needs the request's transactional id")
        }
        let target = TxnPartition(topic: topic, partition: partition.index)
        let outcome = applyTransactionEvent(
            .produce(producerId: header.producerId, epoch: header.producerEpoch, target), to: transactionalId, now: clock())
        switch outcome {
        case .ok, .complete:
            transactions.dataAppending(target, producerId: header.producerId, atOrAfter: partition.log.logEndOffset)
            return nil
        case .error(.fenced):
            return (.invalidProducerEpoch, "producer epoch \(header.producerEpoch) is fenced by a newer one")
        case .error(.invalidState):
            return (.invalidTxnState, "partition \(topic)-\(partition.index) was not added to the transaction")
        case .error(let other):
            return (other.code(version: 0, fencedSince: 0), "producer id \(header.producerId) does not hold \(transactionalId)")
        }
    }
}
