import KafkaProtocol
import KairosStorage
import NIOCore

extension Broker {
    /// What a read_committed fetch of one partition may send: the batches of `read` that end below `lastStable`,
    /// and the offset after them. A read that stays below the last stable offset is passed through untouched (zero
    /// copy kept); one that crosses it is read into memory and cut at the first batch reaching it. The last stable
    /// offset is always a batch boundary (the first batch of an open transaction), so no batch is split.
    func committedPart(of read: LogReadResult, lastStable: Int64) throws -> (data: LogReadData, nextOffset: Int64) {
        guard read.nextOffset > lastStable else { return (read.data, read.nextOffset) }
        let bytes = try read.data.readAllBytes()
        var batches = RecordBatchIterator(bytes)
        var kept = 0
        var next = lastStable
        while let batch = batches.next() {
            guard let header = try? RecordBatchHeader(peeking: batch) else { break }
            let last = header.baseOffset + Int64(header.lastOffsetDelta)
            if last >= lastStable { break }
            kept += batch.readableBytes
            next = last + 1
        }
        guard kept > 0 else { return (.empty, lastStable) }
        return (.bytes(bytes.getSlice(at: bytes.readerIndex, length: kept)!), next)
    }

    /// The aborted transactions a read_committed consumer must know to drop records in `from..<upTo`.
    func abortedTransactions(topic: String, partition: Int32, from: Int64, upTo: Int64) -> [FetchResponse.AbortedTransaction] {
        transactions.abortedTransactions(TxnPartition(topic: topic, partition: partition), from: from, upTo: upTo)
            .map { FetchResponse.AbortedTransaction(producerId: $0.producerId, firstOffset: $0.firstOffset) }
    }
}
