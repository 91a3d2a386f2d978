import KairosControl
import XCTest
import KairosConfig

/// IPOOA's choice as a pure function of load vectors; every expected value worked out by hand
/// from ISC = λ·x/(x + mean) + (1 − λ)·y/(y + mean) with λ = 0.5.
final class IPOOATests: XCTestCase {
    private func loads(subscriptions: [Double] = [], connections: [Double] = [], lag: [Double] = []) -> [PartitionLoadVector] {
        let count = max(subscriptions.count, connections.count, lag.count)
        return (0..<count).map { i in
            PartitionLoadVector(partition: i, subscriptions: subscriptions.indices.contains(i) ? subscriptions[i] : 0,
                          connections: connections.indices.contains(i) ? connections[i] : 0,
                          lag: lag.indices.contains(i) ? lag[i] : 0)
        }
    }

    private func plan(_ loads: [PartitionLoadVector], count: Int, threshold: Double = 0.6, p: Int = 1,
                      maxPartitions: Int = 64, keyed: IPOOAParameters.KeyedPolicy = .strict) throws -> IPOOAPlan {
        IPOOAPlan(loads: loads, partitionCount: count,
                  parameters: try IPOOAParameters(threshold: threshold, minkowskiP: p, maxPartitions: maxPartitions, keyed: keyed))
    }

    func testEvenLoadStaysOnTheStartingPartitionAndNeverGrows() throws {
        let even = try plan(loads(subscriptions: [3, 3, 3, 3], connections: [2, 2, 2, 2]), count: 4, threshold: 0.5)
        XCTAssertEqual(even.isc, [0.5, 0.5, 0.5, 0.5])
        for start in 0..<4 {
            XCTAssertEqual(even.choose(start: start, keyed: false).partition, start)
            XCTAssertEqual(even.choose(start: start, keyed: false).outcome, .withinThreshold)
        }
        // No load at all is even too.
        XCTAssertEqual(try plan([], count: 3).choose(start: 2, keyed: false).outcome, .withinThreshold)
    }

    func testThresholdSeparatesTheHotPartition() throws {
        // Connections 8,1,1,1: mean 2.75, hot term 8/10.75 = 0.744, ISC 0.25 + 0.372 = 0.622.
        let hot = try plan(loads(connections: [8, 1, 1, 1]), count: 4)
        XCTAssertEqual(hot.isc[0], 0.25 + 0.5 * 8 / 10.75, accuracy: 1e-12)
        XCTAssertEqual(hot.isc[1], 0.25 + 0.5 * 1 / 3.75, accuracy: 1e-12)
        XCTAssertEqual(hot.choose(start: 0, keyed: false).outcome, .diverted)
        XCTAssertEqual(hot.choose(start: 1, keyed: false).outcome, .withinThreshold)
        // Θ = 0.65 tolerates 0.622.
        XCTAssertEqual(try plan(loads(connections: [8, 1, 1, 1]), count: 4, threshold: 0.65)
            .choose(start: 0, keyed: false).outcome, .withinThreshold)
    }

    func testCandidatesAreTriedMostSimilarFirst() throws {
        // From partition 0 (connections 1.0 scaled, lag 0): p3 differs only in connections (0.875),
        // p2 also in lag (0.5), p1 in lag (1.0). With p = 1 and weights 0.2: 0.175 < 0.275 < 0.375.
        let hot = try plan(loads(connections: [8, 1, 1, 1], lag: [0, 100, 50, 0]), count: 4)
        XCTAssertEqual(hot.candidates(similarTo: 0), [3, 2, 1])
        XCTAssertEqual(hot.distance(hot.scaledVectors[0], hot.scaledVectors[3]), 0.175, accuracy: 1e-12)
        XCTAssertEqual(hot.distance(hot.scaledVectors[0], hot.scaledVectors[1]), 0.375, accuracy: 1e-12)
        let choice = hot.choose(start: 0, keyed: false)
        XCTAssertEqual(choice.partition, 3)
        XCTAssertEqual(choice.tried, [0, 3])
        // p = 2: sqrt(0.2·0.875²) and sqrt(0.2·(0.875² + 1)).
        let euclid = try plan(loads(connections: [8, 1, 1, 1], lag: [0, 100, 50, 0]), count: 4, p: 2)
        XCTAssertEqual(euclid.distance(euclid.scaledVectors[0], euclid.scaledVectors[3]), (0.2 * 0.875 * 0.875).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(euclid.distance(euclid.scaledVectors[0], euclid.scaledVectors[1]), (0.2 * (0.875 * 0.875 + 1)).squareRoot(), accuracy: 1e-12)
    }

    func testAnOverloadedSimilarCandidateIsSkippedForTheNext() throws {
        // Partitions 0 and 1 identical and hot (ISC 8/12.5 = 0.64): 1 is tried first and refused.
        let twoHot = try plan(loads(subscriptions: [8, 8, 1, 1], connections: [8, 8, 1, 1]), count: 4)
        XCTAssertEqual(twoHot.isc[1], 0.64, accuracy: 1e-12)
        let choice = twoHot.choose(start: 0, keyed: false)
        XCTAssertEqual(choice.tried, [0, 1, 2])
        XCTAssertEqual(choice.partition, 2)
        XCTAssertEqual(choice.outcome, .diverted)
    }

    func testMoreThanHalfTriedAsksForOneMorePartition() throws {
        // Θ 0.5; 10,10,10,0: three partitions at 10/17.5 = 0.571. 0, 1, 2 are tried (3 > 4/2), then growth.
        let crowded = try plan(loads(subscriptions: [10, 10, 10, 0], connections: [10, 10, 10, 0]), count: 4, threshold: 0.5)
        let choice = crowded.choose(start: 0, keyed: false)
        XCTAssertEqual(choice.tried, [0, 1, 2])
        XCTAssertEqual(choice.outcome, .growthRequested)
        XCTAssertEqual(choice.growTo, 5)
        XCTAssertEqual(choice.partition, 3, "until the new partition exists the least loaded one takes the record")
        // One partition: the start alone is more than half.
        let single = try plan(loads(connections: [5]), count: 1, threshold: 0.5)
        XCTAssertEqual(single.isc, [0.5])
        XCTAssertEqual(single.choose(start: 0, keyed: false).outcome, .withinThreshold)
    }

    func testTheCapStopsGrowth() throws {
        let capped = try plan(loads(subscriptions: [10, 10, 10, 0], connections: [10, 10, 10, 0]), count: 4,
                              threshold: 0.5, maxPartitions: 4)
        let choice = capped.choose(start: 1, keyed: false)
        XCTAssertEqual(choice.outcome, .capped)
        XCTAssertNil(choice.growTo)
        XCTAssertEqual(choice.partition, 3)
    }

    func testKeyedRecordsStayUnlessDivertIsAsked() throws {
        let hotLoads = loads(connections: [8, 1, 1, 1])
        XCTAssertEqual(try plan(hotLoads, count: 4).choose(start: 0, keyed: true),
                       IPOOAPlan.Choice(partition: 0, outcome: .keyedStrict, tried: [], growTo: nil))
        XCTAssertEqual(try plan(hotLoads, count: 4, keyed: .divert).choose(start: 0, keyed: true).outcome, .diverted)
    }

    func testLoadsBeyondTheKnownCountAreIgnoredAndMissingOnesAreIdle() throws {
        let stale = try plan(loads(connections: [8, 1, 1, 1, 40]), count: 4)
        XCTAssertEqual(stale.isc.count, 4)
        let grown = try plan(loads(connections: [8, 1, 1, 1]), count: 5)
        XCTAssertEqual(grown.leastLoaded(), 4)
    }

    func testParametersOutsideTheirRangesNameTheProperty() {
        XCTAssertThrowsError(try IPOOAParameters(lambda: 0.7)) { XCTAssertEqual(($0 as? ConfigError)?.key, "ipooa.lambda") }
        XCTAssertThrowsError(try IPOOAParameters(threshold: 0.4)) { XCTAssertEqual(($0 as? ConfigError)?.key, "ipooa.threshold") }
        XCTAssertThrowsError(try IPOOAParameters(minkowskiP: 3)) { XCTAssertEqual(($0 as? ConfigError)?.key, "ipooa.minkowski.p") }
        XCTAssertThrowsError(try IPOOAParameters(weights: [1, 1])) { XCTAssertEqual(($0 as? ConfigError)?.key, "ipooa.weights") }
        XCTAssertThrowsError(try IPOOAParameters(maxPartitions: 0)) { XCTAssertEqual(($0 as? ConfigError)?.key, "ipooa.max.partitions") }
        XCTAssertEqual(try IPOOAParameters(weights: [2, 2, 2, 2, 2]).weights, [0.2, 0.2, 0.2, 0.2, 0.2])
    }
}

/// The growth coordinator on a virtual clock.
final class PartitionGrowthTests: XCTestCase {
    private let topic = "t"

    func testGrowsToExactlyOneMoreAndOnlyOnceWhileInFlight() {
        var coordinator = PartitionGrowthCoordinator(maxPartitions: 10, cooldownMs: 1000)
        XCTAssertEqual(coordinator.request(topic: topic, partitions: 4, now: .milliseconds(0)).action,
                       .createPartitions(topic: topic, count: 5))
        // A second producer asking at the same time gets nothing: one request in flight per topic.
        XCTAssertEqual(coordinator.request(topic: topic, partitions: 4, now: .milliseconds(1)).action, .none)
        XCTAssertEqual(coordinator.completed(topic: topic, outcome: .created, now: .milliseconds(5)).action,
                       .refreshMetadata(topic: topic))
        XCTAssertEqual(coordinator.knownPartitions(of: topic), 5)
        // A producer still on the old metadata is told to refresh, not to grow again.
        XCTAssertEqual(coordinator.request(topic: topic, partitions: 4, now: .milliseconds(2000)).action,
                       .refreshMetadata(topic: topic))
    }

    func testCooldownSpacesGrowths() {
        var coordinator = PartitionGrowthCoordinator(maxPartitions: 10, cooldownMs: 1000)
        _ = coordinator.request(topic: topic, partitions: 2, now: .milliseconds(0))
        _ = coordinator.completed(topic: topic, outcome: .created, now: .milliseconds(100))
        let early = coordinator.request(topic: topic, partitions: 3, now: .milliseconds(1099))
        XCTAssertEqual(early.action, .none)
        XCTAssertTrue(early.reason.contains("cooling down"), early.reason)
        XCTAssertEqual(coordinator.request(topic: topic, partitions: 3, now: .milliseconds(1100)).action,
                       .createPartitions(topic: topic, count: 4))
    }

    func testCapIsNeverExceeded() {
        var coordinator = PartitionGrowthCoordinator(maxPartitions: 3, cooldownMs: 0)
        XCTAssertEqual(coordinator.request(topic: topic, partitions: 2, now: .milliseconds(0)).action,
                       .createPartitions(topic: topic, count: 3))
        _ = coordinator.completed(topic: topic, outcome: .created, now: .milliseconds(0))
        let atCap = coordinator.request(topic: topic, partitions: 3, now: .milliseconds(10))
        XCTAssertEqual(atCap.action, .none)
        XCTAssertTrue(atCap.reason.contains("cap"), atCap.reason)
    }

    func testALostRaceBetweenTwoCoordinatorsEndsInARefreshForTheLoser() {
        // Two processes, each with its own coordinator, both see 4 partitions.
        var first = PartitionGrowthCoordinator(maxPartitions: 10, cooldownMs: 500)
        var second = PartitionGrowthCoordinator(maxPartitions: 10, cooldownMs: 500)
        XCTAssertEqual(first.request(topic: topic, partitions: 4, now: .milliseconds(0)).action, .createPartitions(topic: topic, count: 5))
        XCTAssertEqual(second.request(topic: topic, partitions: 4, now: .milliseconds(0)).action, .createPartitions(topic: topic, count: 5))
        XCTAssertEqual(first.completed(topic: topic, outcome: .created, now: .milliseconds(3)).action, .refreshMetadata(topic: topic))
        XCTAssertEqual(second.completed(topic: topic, outcome: .lostRace, now: .milliseconds(4)).action, .refreshMetadata(topic: topic))
        // The loser learns the count from metadata and, cooling down, does not grow again at once.
        second.observe(topic: topic, partitions: 5)
        XCTAssertEqual(second.request(topic: topic, partitions: 5, now: .milliseconds(100)).action, .none)
        XCTAssertEqual(second.request(topic: topic, partitions: 5, now: .milliseconds(504)).action, .createPartitions(topic: topic, count: 6))
    }

    func testAFailureIsAReasonAndARetryAfterTheCooldown() {
        var coordinator = PartitionGrowthCoordinator(maxPartitions: 10, cooldownMs: 200)
        _ = coordinator.request(topic: topic, partitions: 1, now: .milliseconds(0))
        let failed = coordinator.completed(topic: topic, outcome: .failed("POLICY_VIOLATION"), now: .milliseconds(10))
        XCTAssertEqual(failed.action, .none)
        XCTAssertTrue(failed.reason.contains("POLICY_VIOLATION"), failed.reason)
        XCTAssertEqual(coordinator.request(topic: topic, partitions: 1, now: .milliseconds(100)).action, .none)
        XCTAssertEqual(coordinator.request(topic: topic, partitions: 1, now: .milliseconds(210)).action, .createPartitions(topic: topic, count: 2))
    }
}
