import KafkaProtocol
import KairosStorage
import NIOCore

extension Broker {
    /// Rebuilds the transactions' state after a restart from what the partition logs hold: per partition the open
    /// transactions (transactional data without a marker yet) and the aborted ones, then reopens each open one for
    /// its transactional id (its timeout runs again from now; the producer may still commit or abort it). Open
    /// transactions of a producer id no transactional id holds are aborted at once. Only a broker whose metadata
    /// names a transactional producer reads its logs for this (every batch of every partition, once).
    func recoverTransactions() {
        guard !transactionalProducersRecorded.isEmpty else { return }
        let now = clock()
        var indexes: [TxnPartition: PartitionTransactions] = [:]
        for topic in topics.allTopics() {
            for partition in topic.partitions {
                do {
                    let index = try Self.replayTransactions(of: partition.log)
                    if index != PartitionTransactions() { indexes[TxnPartition(topic: topic.name, partition: partition.index)] = index }
                } catch {
                    logger.error(
                        "cannot read a partition to rebuild its transactions",
                        metadata: ["topic": "\(topic.name)", "partition": "\(partition.index)", "error": "\(error)"])
                }
            }
        }
        let orphans = transactions.restore(indexes: indexes, now: now)
        for orphan in orphans {
            logger.info("aborting a transaction left open by a producer id no transactional id holds", metadata: ["producerId": "\(orphan.producerId)"])
            let completion = TransactionState.Completion(
                producerId: orphan.producerId, epoch: orphan.epoch, commit: false, partitions: orphan.partitions, offsets: [])
            _ = complete(completion, transactionalId: "", eventLoop: nil)
        }
        let open = indexes.values.reduce(0) { $0 + $1.open.count }
        if open > 0 || !orphans.isEmpty {
            logger.info("rebuilt transactions from the logs", metadata: ["open": "\(open)", "abortedOrphans": "\(orphans.count)"])
        }
    }

    private var transactionalProducersRecorded: [TransactionalProducerRecord] {
        transactions.recordedProducers
    }

    /// Every transactional batch and marker of `log`, replayed in offset order.
    static func replayTransactions(of log: any LogStore) throws -> PartitionTransactions {
        var index = PartitionTransactions()
        var offset = log.logStartOffset
        while offset < log.logEndOffset {
            let read = try log.read(from: offset, maxBytes: 1 << 20, minOneBatch: true)
            let bytes = try read.data.readAllBytes()
            if bytes.readableBytes == 0 || read.nextOffset <= offset { break }
            var batches = RecordBatchIterator(bytes)
            while let batch = batches.next() {
                guard let header = try? RecordBatchHeader(peeking: batch), header.isTransactional else { continue }
                var commit: Bool?
                if header.isControl {
                    var copy = batch
                    guard let decoded = try? RecordBatch.decode(from: &copy, maxDecompressedBytes: Limits.decompressedBytesMax),
                        let key = decoded.records.first?.key, let isCommit = ControlBatch.isCommit(key: key)
                    else { continue }
                    commit = isCommit
                }
                index.replay(producerId: header.producerId, epoch: header.producerEpoch, baseOffset: header.baseOffset, controlCommit: commit)
            }
            offset = read.nextOffset
        }
        return index
    }
}
