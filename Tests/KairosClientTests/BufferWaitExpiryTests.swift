@testable import KairosClient
import NIOConcurrencyHelpers
import XCTest

/// Records waiting for buffer memory: they share one `max.block.ms` sweep (scheduled once for the first waiter,
/// failing waiters in arrival order as their own deadlines pass, ending when nobody waits), and the first is let in
/// only once an eighth of the buffer more than it needs is free, or the whole buffer.
final class BufferWaitExpiryTests: XCTestCase {
    private let clock = NIOLockedValueBox<UInt64>(1_000_000_000)
    private let ms: UInt64 = 1_000_000

    private func makeAccumulator(bufferMemory: Int = 1024, batchSize: Int = 16384) throws -> RecordAccumulator {
        let config = try ProducerConfig(properties: [
            "bootstrap.servers": "127.0.0.1:1", "buffer.memory": "\(bufferMemory)", "batch.size": "\(batchSize)",
            "max.block.ms": "100", "acks": "1", "enable.idempotence": "false", "linger.ms": "0"])
        let clock = self.clock
        let now: @Sendable () -> UInt64 = { clock.withLockedValue { $0 } }
        let accumulator = RecordAccumulator(
            config: config, partitioner: config.partitioner.make(batchSizeBytes: config.batchSizeBytes),
            metrics: ProducerMetrics(clientId: "t", bufferMemoryBytes: config.bufferMemoryBytes, now: now),
            now: now, wake: {})
        accumulator.setPartitionCount(1, topic: "t")
        return accumulator
    }

    private func advance(to offsetMs: UInt64) {
        clock.withLockedValue { $0 = 1_000_000_000 + offsetMs * ms }
    }

    func testWaitersExpireInOrderUnderOneSweep() throws {
        let accumulator = try makeAccumulator()
        let record = ProducerRecord(topic: "t", partition: 0, value: String(repeating: "v", count: 300))
        // Fill the 1024-byte buffer.
        var accepted = 0
        while try accumulator.append(record, completion: .none) == .appended { accepted += 1 }
        XCTAssertGreaterThan(accepted, 0)

        let outcomes = NIOLockedValueBox<[Int: DeliveryReport]>([:])
        var sweeps: [UInt64] = []
        for (index, atMs) in [(0, 0), (1, 10), (2, 20)] as [(Int, UInt64)] {
            advance(to: atMs)
            let prepared = try accumulator.prepare(record, partitionCount: 1)
            accumulator.appendOrWait(prepared, completion: RecordCompletion { report in
                outcomes.withLockedValue { $0[index] = report }
            }, enqueued: nil, scheduleExpirySweep: { sweeps.append($0) })
        }
        // One sweep for the three waiters, at the first one's deadline.
        XCTAssertEqual(sweeps, [1_000_000_000 + 100 * ms])

        advance(to: 50)
        XCTAssertEqual(accumulator.expireOverduePending(), 1_000_000_000 + 100 * ms, "nothing is due yet")
        XCTAssertTrue(outcomes.withLockedValue { $0.isEmpty })

        advance(to: 115)
        XCTAssertEqual(accumulator.expireOverduePending(), 1_000_000_000 + 120 * ms, "the next is the third waiter")
        let afterFirst = outcomes.withLockedValue { $0 }
        XCTAssertEqual(afterFirst.keys.sorted(), [0, 1])
        for report in afterFirst.values {
            guard case .failure(let error) = report else { return XCTFail("a waiter past max.block.ms must fail") }
            XCTAssertTrue(error.isBufferExhausted, "\(error)")
        }

        advance(to: 120)
        XCTAssertNil(accumulator.expireOverduePending(), "nobody waits: the sweep ends")
        XCTAssertEqual(outcomes.withLockedValue { $0.keys.sorted() }, [0, 1, 2])

        // The next wait schedules a new sweep.
        let prepared = try accumulator.prepare(record, partitionCount: 1)
        accumulator.appendOrWait(prepared, completion: .none, enqueued: nil, scheduleExpirySweep: { sweeps.append($0) })
        XCTAssertEqual(sweeps.count, 2)
        XCTAssertEqual(sweeps.last, 1_000_000_000 + 220 * ms)
    }

    func testWaiterIsLetInOnceAMarginIsFree() throws {
        // 4096 bytes of buffer: the margin is 512. Batches of at most 700 bytes hold two 300-byte records.
        let accumulator = try makeAccumulator(bufferMemory: 4096, batchSize: 700)
        let record = ProducerRecord(topic: "t", partition: 0, value: String(repeating: "v", count: 300))
        while try accumulator.append(record, completion: .none) == .appended {}
        let prepared = try accumulator.prepare(record, partitionCount: 1)
        let needed = prepared.estimatedBytes
        accumulator.appendOrWait(prepared, completion: .none, enqueued: nil, scheduleExpirySweep: { _ in })

        // Complete batches one at a time; the waiter stays out until `needed + 512` bytes are free.
        var freed = accumulator.bufferAvailableBytes
        var admitted = false
        var heldBack = 0
        while !admitted {
            let drained = accumulator.drain(leaderOf: { _ in 1 }, inFlightPerBroker: [:])
            guard let batch = drained.byLeader[1]?.first else { return XCTFail("no batch to complete; \(freed) bytes free") }
            batch.complete(baseOffset: 0, logAppendTimeMs: -1)
            accumulator.batchDone(batch, wasInFlight: true)
            freed += batch.reservedBytes
            let available = accumulator.bufferAvailableBytes
            if available == freed {
                XCTAssertLessThan(freed, needed + 512, "with the margin free the waiter must be let in")
                heldBack += 1
            } else {
                XCTAssertEqual(available, freed - needed, "the waiter took its bytes")
                XCTAssertGreaterThanOrEqual(freed, needed + 512, "let in before the margin was free")
                admitted = true
            }
        }
        XCTAssertGreaterThan(heldBack, 0, "memory came free before the margin did, and the waiter waited")
        XCTAssertNil(accumulator.expireOverduePending(), "nobody waits any more")
    }
}
