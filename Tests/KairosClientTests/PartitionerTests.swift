import KairosClient
import NIOCore
import XCTest

private struct NoLoad: PartitionLoadSource {
    func loads(topic: String, partitionCount: Int) -> [PartitionLoad] {
        (0..<partitionCount).map { PartitionLoad(partition: Int32($0)) }
    }
}

private struct FixedLoad: PartitionLoadSource {
    let loads: [PartitionLoad]
    func loads(topic: String, partitionCount: Int) -> [PartitionLoad] { loads }
}

final class PartitionerTests: XCTestCase {
    /// The Java client's own test vectors (UtilsTest.testMurmur2).
    func testMurmur2MatchesTheJavaClient() {
        let cases: [(String, Int32)] = [
            ("21", -973_932_308), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971), ("abc", 479_470_107),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(Murmur2.hash(Array(text.utf8)), expected, text)
        }
    }

    func testCRC32IsZlibs() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([]), 0)
    }

    func testKeyedRecordsAlwaysLandOnTheSamePartition() {
        let partitioner = KeyHashPartitioner(hash: .murmur2, nullKeys: nil, emptyKeysAreNull: false)
        let key = ByteBuffer(string: "foobar")
        let first = partitioner.partition(topic: "t", key: key, partitionCount: 12, loads: NoLoad())
        // (murmur2("foobar") & 0x7fffffff) % 12, computed from the Java value -790332482.
        XCTAssertEqual(first, Int32((Int(UInt32(bitPattern: -790_332_482)) & 0x7fff_ffff) % 12))
        for _ in 0..<10 {
            XCTAssertEqual(partitioner.partition(topic: "t", key: key, partitionCount: 12, loads: NoLoad()), first)
        }
        let crc = KeyHashPartitioner(hash: .crc32, nullKeys: nil, emptyKeysAreNull: false)
        XCTAssertEqual(crc.partition(topic: "t", key: ByteBuffer(string: "123456789"), partitionCount: 7, loads: NoLoad()),
                       Int32(0xCBF4_3926 % 7))
    }

    func testStickyPartitionerStaysUntilABatchWorthOfBytesThenMoves() {
        let sticky = UniformStickyPartitioner(switchAfterBytes: 100, seed: 42)
        let first = sticky.partition(topic: "t", key: nil, partitionCount: 8, loads: NoLoad())
        for _ in 0..<9 {
            XCTAssertEqual(sticky.partition(topic: "t", key: nil, partitionCount: 8, loads: NoLoad()), first)
            sticky.recordAppended(topic: "t", partition: first, bytes: 10)
        }
        sticky.recordAppended(topic: "t", partition: first, bytes: 10)
        // 100 bytes went to `first`: the next choice starts a new sticky period; over many periods all
        // partitions get used.
        var seen: Set<Int32> = []
        for _ in 0..<200 {
            let p = sticky.partition(topic: "t", key: nil, partitionCount: 8, loads: NoLoad())
            seen.insert(p)
            sticky.recordAppended(topic: "t", partition: p, bytes: 100)
        }
        XCTAssertEqual(seen.count, 8)
    }

    func testStickyChoiceAvoidsLoadedAndUnavailablePartitions() {
        let sticky = UniformStickyPartitioner(switchAfterBytes: 1, seed: 7)
        let loads = FixedLoad(loads: [
            PartitionLoad(partition: 0, queuedBytes: 1_000_000),
            PartitionLoad(partition: 1, queuedBytes: 0),
            PartitionLoad(partition: 2, queuedBytes: 0, isAvailable: false),
        ])
        var counts = [0, 0, 0]
        for _ in 0..<300 {
            let p = sticky.partition(topic: "t", key: nil, partitionCount: 3, loads: loads)
            counts[Int(p)] += 1
            sticky.recordAppended(topic: "t", partition: p, bytes: 1)
        }
        XCTAssertEqual(counts[2], 0, "a partition without a leader must not be chosen")
        XCTAssertGreaterThan(counts[1], 290, "the idle partition must be strongly preferred: \(counts)")
    }

    func testEmptyKeysAreNullOnlyForConsistentRandom() {
        let sticky = UniformStickyPartitioner(switchAfterBytes: 1 << 30, seed: 3)
        let stickyPartition = sticky.partition(topic: "t", key: nil, partitionCount: 1000, loads: NoLoad())
        let consistentRandom = KeyHashPartitioner(hash: .crc32, nullKeys: sticky, emptyKeysAreNull: true)
        XCTAssertEqual(consistentRandom.partition(topic: "t", key: ByteBuffer(), partitionCount: 1000, loads: NoLoad()),
                       stickyPartition)
        let murmur2Random = KeyHashPartitioner(hash: .murmur2, nullKeys: sticky, emptyKeysAreNull: false)
        let hashedEmpty = KeyHash.murmur2.partition(of: UnsafeRawBufferPointer(start: nil, count: 0), partitionCount: 1000)
        XCTAssertEqual(murmur2Random.partition(topic: "t", key: ByteBuffer(), partitionCount: 1000, loads: NoLoad()),
                       hashedEmpty)
        XCTAssertEqual(murmur2Random.partition(topic: "t", key: nil, partitionCount: 1000, loads: NoLoad()), stickyPartition)
        XCTAssertNotNil(PartitionerChoice(name: "murmur2_random"))
        XCTAssertNil(PartitionerChoice(name: "fnv1a"))
    }
}
