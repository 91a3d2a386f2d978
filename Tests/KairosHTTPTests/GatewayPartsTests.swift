@testable import KairosClient
import NIOConcurrencyHelpers
import NIOCore
import XCTest
@testable import KairosHTTP

/// The gateway's pure parts: body parsing for v2 and v3, timestamps, per-source volumes on a virtual clock.
final class GatewayPartsTests: XCTestCase {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    func testV2ParsesBothFormatsAndRefusesBadBodiesWithRestProxyCodes() throws {
        let json = try RestProxyV2.parse(bytes("{\"records\":[{\"key\":{\"k\":1},\"value\":[1, 2],\"partition\":2},{\"value\":null}],\"value_schema\":\"ignored\"}"),
                                         format: .json, topic: "t")
        XCTAssertEqual(json.count, 2)
        XCTAssertEqual(json[0].key.map { String(buffer: $0) }, "{\"k\":1}")
        XCTAssertEqual(json[0].value.map { String(buffer: $0) }, "[1,2]")
        XCTAssertEqual(json[0].partition, 2)
        XCTAssertNil(json[1].value)
        let binary = try RestProxyV2.parse(bytes("{\"records\":[{\"key\":\"AAH/\",\"value\":\"aGk=\"}]}"), format: .binary, topic: "t")
        XCTAssertEqual(binary[0].key.map { Array($0.readableBytesView) }, [0, 1, 255])
        XCTAssertEqual(binary[0].value.map { String(buffer: $0) }, "hi")

        func code(_ body: String, _ format: EmbeddedFormat = .json) -> Int? {
            do { _ = try RestProxyV2.parse(bytes(body), format: format, topic: "t"); return nil } catch {
                return (error as? RestError)?.errorCode
            }
        }
        XCTAssertEqual(code("{\"records\":["), 400)
        XCTAssertEqual(code("[]"), 422)
        XCTAssertEqual(code("{\"records\":[]}"), 422)
        XCTAssertEqual(code("{\"records\":[{\"partition\":-1}]}"), 422)
        XCTAssertEqual(code("{\"records\":[{\"partition\":1.5}]}"), 400)
        XCTAssertEqual(code("{\"records\":[{\"key\":\"!!\"}]}", .binary), 42201)
        XCTAssertEqual(code("{\"records\":[{\"value\":{}}]}", .binary), 42202)
    }

    func testV3ParsesTypesHeadersAndTimestampsAcrossConcatenatedObjects() throws {
        let body = """
            {"value":{"data":"aGk="},"headers":[{"name":"h","value":"AQ=="},{"name":"n","value":null}]}
            {"partition_id":1,"key":{"type":"string","data":"k"},"value":{"data":{"a":1},"type":"JSON"},"timestamp":"1970-01-01T00:00:01.5+01:00"}
            """
        let entries = try RestProxyV3.parse(bytes(body), topic: "t")
        XCTAssertEqual(entries.count, 2)
        XCTAssertEqual(entries[0].valueFormat, .binary)
        XCTAssertEqual(entries[0].record.value.map { String(buffer: $0) }, "hi")
        XCTAssertEqual(entries[0].record.headers.map(\.key), ["h", "n"])
        XCTAssertNil(entries[0].record.headers[1].value)
        XCTAssertEqual(entries[1].keyFormat, .string)
        XCTAssertEqual(entries[1].record.value.map { String(buffer: $0) }, "{\"a\":1}")
        XCTAssertEqual(entries[1].record.partition, 1)
        XCTAssertEqual(entries[1].record.timestampMs, 1500 - 3_600_000)
        XCTAssertThrowsError(try RestProxyV3.parse(bytes("{\"value\":{\"type\":\"AVRO\",\"data\":1}}"), topic: "t"))
        XCTAssertThrowsError(try RestProxyV3.parse(bytes("  "), topic: "t"))
    }

    func testISO8601RoundTripsAndRefusesNonsense() {
        for ms: Int64 in [0, 1, 999, 86_400_000, 951_782_400_000, 1_767_323_045_678, -1, -86_400_001, 4_102_444_800_000] {
            XCTAssertEqual(ISO8601Time.parseMs(ISO8601Time.format(ms: ms)), ms, "\(ms)")
        }
        XCTAssertEqual(ISO8601Time.format(ms: 1_767_323_045_678), "2026-01-02T03:04:05.678Z")
        XCTAssertEqual(ISO8601Time.format(ms: 951_782_400_000), "2000-02-29T00:00:00.000Z")
        for bad in ["", "2026-01-02", "2026-13-01T00:00:00Z", "2026-01-02T03:04:05", "2026-01-02T03:04:05.Z", "x"] {
            XCTAssertNil(ISO8601Time.parseMs(bad), bad)
        }
    }

    func testSourceVolumesRollIntervalsOnTheClockWithoutGaps() {
        let clock = NIOLockedValueBox<Int64>(10_050)
        let tracker = SourceVolumeTracker(intervalMs: 100, historyCount: 5, now: { clock.withLockedValue { $0 } })
        tracker.add(source: "a", SourceVolume(records: 2, bytes: 20))
        tracker.add(source: "b", SourceVolume(records: 1, bytes: 5))
        clock.withLockedValue { $0 = 10_120 }
        tracker.add(source: "a", SourceVolume(records: 3, bytes: 30))
        tracker.addFailures(source: "a", 1)
        var snapshot = tracker.snapshot()
        XCTAssertEqual(snapshot.intervals.count, 1)
        XCTAssertEqual(snapshot.intervals[0].startMs, 10_000)
        XCTAssertEqual(snapshot.intervals[0].sources["a"], SourceVolume(records: 2, bytes: 20))
        XCTAssertEqual(snapshot.current.startMs, 10_100)
        XCTAssertEqual(snapshot.current.sources["a"], SourceVolume(records: 3, bytes: 30, failedRecords: 1))
        XCTAssertEqual(snapshot.totals["a"], SourceVolume(records: 5, bytes: 50, failedRecords: 1))
        // Three quiet intervals come out empty; after a long silence only the last historyCount are kept.
        clock.withLockedValue { $0 = 10_450 }
        snapshot = tracker.snapshot()
        XCTAssertEqual(snapshot.intervals.map(\.startMs), [10_000, 10_100, 10_200, 10_300])
        XCTAssertTrue(snapshot.intervals[2].sources.isEmpty)
        clock.withLockedValue { $0 = 99_999 }
        snapshot = tracker.snapshot()
        XCTAssertEqual(snapshot.intervals.count, 5)
        XCTAssertEqual(snapshot.intervals.map(\.startMs), [99_400, 99_500, 99_600, 99_700, 99_800])
        XCTAssertEqual(snapshot.current.startMs, 99_900)
        XCTAssertEqual(snapshot.totals["b"], SourceVolume(records: 1, bytes: 5))
    }

    func testWholeRequestFailureOnlyWhenEveryRecordFailedOneWay() {
        let full = KafkaClientError.bufferExhausted(maxBlockMs: 0)
        let down = KafkaClientError.connection("refused")
        let ok = DeliveryReport.success(RecordMetadata(topic: "t", partition: 0, offset: 1, timestampMs: 0))
        XCTAssertEqual(wholeRequestFailure([.failure(full), .failure(full)], topic: "t", retryAfterSeconds: 1)?.status, 429)
        XCTAssertEqual(wholeRequestFailure([.failure(down)], topic: "t", retryAfterSeconds: 2)?.retryAfterSeconds, 2)
        XCTAssertEqual(wholeRequestFailure([.failure(down)], topic: "t", retryAfterSeconds: 1)?.errorCode, 50302)
        XCTAssertNil(wholeRequestFailure([ok, .failure(full)], topic: "t", retryAfterSeconds: 1))
        XCTAssertNil(wholeRequestFailure([.failure(down), .failure(full)], topic: "t", retryAfterSeconds: 1))
        XCTAssertNil(wholeRequestFailure([.failure(.broker(.corruptMessage))], topic: "t", retryAfterSeconds: 1))
        XCTAssertEqual(DeliveryFailure(full).recordErrorCode, 50003)
        XCTAssertEqual(DeliveryFailure(.broker(.invalidRequiredAcks)).recordErrorCode, 50002)
    }
}
