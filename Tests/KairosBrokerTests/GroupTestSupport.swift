import KafkaProtocol
import NIOCore
import XCTest

@testable import KairosBroker

/// Drives a `GroupCoordinator` directly: builds events, hands out tokens, collects replies by token.
struct GroupDriver {
    var coordinator: GroupCoordinator
    var now: Int64 = 1_000_000
    var replies: [GroupReplyToken: GroupReply] = [:]
    var persisted: [OffsetLogRecord] = []
    /// Tokens answered more than once (must stay empty).
    var answeredTwice: [GroupReplyToken] = []
    private var nextToken: GroupReplyToken = 1
    private var suffix = 0

    init(config: GroupConfig = .testing) {
        coordinator = GroupCoordinator(config: config, now: 1_000_000)
    }

    mutating func token() -> GroupReplyToken {
        defer { nextToken += 1 }
        return nextToken
    }

    mutating func apply(_ event: GroupEvent) {
        for action in coordinator.event(event, now: now) {
            switch action {
            case .reply(let t, let r):
                if replies[t] != nil { answeredTwice.append(t) }
                replies[t] = r
            case .persist(let records):
                persisted += records
            }
        }
    }

    /// Moves the clock on in the server's 100 ms ticks.
    mutating func advance(_ ms: Int64) {
        var left = ms
        while left > 0 {
            let step = min(left, Broker.groupTickIntervalMs)
            now += step
            left -= step
            apply(.tick)
        }
    }

    /// Sends a JoinGroup; returns its token.
    @discardableResult
    mutating func join(
        _ group: String, member: String = "", instance: String? = nil, client: String = "c", sessionMs: Int32 = 10_000,
        rebalanceMs: Int32 = 30_000, protocols: [String] = ["range"], metadata: String = "m", v4: Bool = true
    ) -> GroupReplyToken {
        let t = token()
        suffix += 1
        apply(.join(JoinGroupInput(
            token: t, groupId: group, memberId: member, groupInstanceId: instance, clientId: client, clientHost: "/127.0.0.1",
            sessionTimeoutMs: sessionMs, rebalanceTimeoutMs: rebalanceMs, protocolType: "consumer",
            protocols: protocols.map { .init(name: $0, metadata: ByteBuffer(string: metadata)) }, requireKnownMemberId: v4,
            newMemberSuffix: "s\(suffix)")))
        return t
    }

    /// Joins a new member through MEMBER_ID_REQUIRED; returns its id and the parked join's token.
    mutating func joinNew(_ group: String, client: String = "c", sessionMs: Int32 = 10_000, rebalanceMs: Int32 = 30_000)
        -> (memberId: String, token: GroupReplyToken)
    {
        let first = join(group, client: client, sessionMs: sessionMs, rebalanceMs: rebalanceMs)
        guard case .join(let out)? = replies[first], out.error == .memberIdRequired else {
            XCTFail("expected MEMBER_ID_REQUIRED, got \(String(describing: replies[first]))")
            return ("", 0)
        }
        return (out.memberId, join(group, member: out.memberId, client: client, sessionMs: sessionMs, rebalanceMs: rebalanceMs))
    }

    @discardableResult
    mutating func sync(
        _ group: String, member: String, generation: Int32, assignments: [(String, String)] = [], instance: String? = nil
    ) -> GroupReplyToken {
        let t = token()
        apply(.sync(SyncGroupInput(
            token: t, groupId: group, generationId: generation, memberId: member, groupInstanceId: instance, protocolType: nil,
            protocolName: nil, assignments: assignments.map { ($0.0, ByteBuffer(string: $0.1)) })))
        return t
    }

    mutating func heartbeat(_ group: String, member: String, generation: Int32, instance: String? = nil) -> ErrorCode {
        let t = token()
        apply(.heartbeat(HeartbeatInput(token: t, groupId: group, generationId: generation, memberId: member, groupInstanceId: instance)))
        guard case .heartbeat(let code)? = replies[t] else { return .unknownServerError }
        return code
    }

    mutating func leave(_ group: String, members: [(String, String?)]) -> LeaveGroupOutput? {
        let t = token()
        apply(.leave(LeaveGroupInput(token: t, groupId: group, members: members.map { ($0.0, $0.1) })))
        guard case .leave(let out)? = replies[t] else { return nil }
        return out
    }

    mutating func commit(
        _ group: String, member: String = "", generation: Int32 = -1, offsets: [(String, Int32, Int64)], exists: Bool = true,
        metadata: String? = "meta"
    ) -> [ErrorCode] {
        let t = token()
        apply(.commit(OffsetCommitInput(
            token: t, groupId: group, generationId: generation, memberId: member, groupInstanceId: nil, retentionTimeMs: -1,
            partitions: offsets.map {
                .init(partition: GroupTopicPartition(topic: $0.0, partition: $0.1), exists: exists, offset: $0.2, leaderEpoch: 3,
                      metadata: metadata, commitTimestampMs: -1)
            })))
        guard case .commit(let codes)? = replies[t] else { return [] }
        return codes
    }

    func joinResult(_ t: GroupReplyToken) -> JoinGroupOutput? {
        if case .join(let out)? = replies[t] { return out }
        return nil
    }

    func syncResult(_ t: GroupReplyToken) -> SyncGroupOutput? {
        if case .sync(let out)? = replies[t] { return out }
        return nil
    }

    func group(_ id: String) -> ConsumerGroup? { coordinator.groups[id] }
}

extension GroupConfig {
    /// Kafka's defaults with the delays a test wants to see: 3 s initial delay, 1-minute sessions allowed.
    static var testing: GroupConfig {
        var c = GroupConfig()
        c.minSessionTimeoutMs = 1_000
        c.initialRebalanceDelayMs = 3_000
        c.offsetsRetentionMs = 60 * 60_000
        c.offsetsRetentionCheckIntervalMs = 60_000
        return c
    }
}

extension ByteBuffer {
    var string: String { getString(at: readerIndex, length: readableBytes) ?? "" }
}
