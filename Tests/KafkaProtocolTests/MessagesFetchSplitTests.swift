import KafkaProtocol
import NIOCore
import XCTest

/// Zero-copy fetch: the parts of `writeSplit` with the external record sets between them are exactly the bytes
/// `write(into:)` makes.
final class MessagesFetchSplitTests: XCTestCase {
    func testSplitPartsWithRecordsEqualWholeEncoding() {
        var rng = SampleRNG(seed: 99)
        for version in FetchResponse.versions {
            for _ in 0..<5 {
                var response = FetchResponse.sample(version: version, rng: &rng)
                response.responses.append(.init(topic: "t", partitions: [.init(partitionIndex: 1, records: rng.bytes())]))
                let partitionCount = response.responses.reduce(0) { $0 + $1.partitions.count }
                // Every other partition with records is "in a file".
                var external: [Int?] = []
                var files: [ByteBuffer] = []
                var flat = 0
                for t in response.responses.indices {
                    for p in response.responses[t].partitions.indices {
                        if flat % 2 == 0, let records = response.responses[t].partitions[p].records {
                            external.append(records.readableBytes)
                            files.append(records)
                        } else {
                            external.append(nil)
                        }
                        flat += 1
                    }
                }
                XCTAssertEqual(external.count, partitionCount)
                let parts = response.writeSplit(
                    version: version, externalRecordsLengths: external, allocator: ByteBufferAllocator())
                XCTAssertEqual(parts.count, files.count + 1)
                var joined = ByteBuffer()
                for (i, part) in parts.enumerated() {
                    joined.writeImmutableBuffer(part)
                    if i < files.count { joined.writeImmutableBuffer(files[i]) }
                }
                var whole = ByteBuffer()
                response.write(into: &whole, version: version)
                XCTAssertEqual(joined, whole, "v\(version)")
            }
        }
    }

    func testNoExternalRecordsGivesOnePart() {
        let response = FetchResponse(responses: [.init(topic: "a", partitions: [.init(records: ByteBuffer(bytes: [1]))])])
        let parts = response.writeSplit(version: 12, externalRecordsLengths: [], allocator: ByteBufferAllocator())
        var whole = ByteBuffer()
        response.write(into: &whole, version: 12)
        XCTAssertEqual(parts, [whole])
    }
}
