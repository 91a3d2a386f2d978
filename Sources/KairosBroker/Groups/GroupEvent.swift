import KafkaProtocol
import NIOCore

/// Names one request waiting for its answer; the broker maps it to the connection's promise.
typealias GroupReplyToken = UInt64

/// Something that happens to the coordinator: a request that changes groups, or time passing.
///
/// Every request carries a token, and the coordinator answers each token exactly once with a
/// `GroupAction.reply`, at once or (JoinGroup, SyncGroup) when the rebalance gets there.
enum GroupEvent: Sendable {
    case join(JoinGroupInput)
    case sync(SyncGroupInput)
    case heartbeat(HeartbeatInput)
    case leave(LeaveGroupInput)
    case commit(OffsetCommitInput)
    case deleteGroups(token: GroupReplyToken, groupIds: [String])
    case deleteOffsets(token: GroupReplyToken, groupId: String, partitions: [GroupTopicPartition])
    /// Time moved on: sessions, rebalance and sync deadlines, offset expiry.
    case tick
}

/// A JoinGroup, whatever its version.
struct JoinGroupInput: Sendable {
    var token: GroupReplyToken
    var groupId: String
    var memberId: String
    var groupInstanceId: String?
    var clientId: String
    var clientHost: String
    var sessionTimeoutMs: Int32
    /// v0 has none: the session timeout stands in for it.
    var rebalanceTimeoutMs: Int32
    var protocolType: String
    var protocols: [GroupMember.SupportedProtocol]
    /// v4+: a member without an id is first given one (MEMBER_ID_REQUIRED) and must join again with it.
    var requireKnownMemberId: Bool
    /// A fresh unique string; a new member's id is its client id (or instance id), "-", and this.
    var newMemberSuffix: String
}

/// A SyncGroup; the leader's carries every member's assignment.
struct SyncGroupInput: Sendable {
    var token: GroupReplyToken
    var groupId: String
    var generationId: Int32
    var memberId: String
    var groupInstanceId: String?
    /// v5+: checked against the group's when present.
    var protocolType: String?
    var protocolName: String?
    var assignments: [(memberId: String, assignment: ByteBuffer)]
}

/// A Heartbeat.
struct HeartbeatInput: Sendable {
    var token: GroupReplyToken
    var groupId: String
    var generationId: Int32
    var memberId: String
    var groupInstanceId: String?
}

/// A LeaveGroup: one member (v0-2) or several, by member id or by instance id (v3+).
struct LeaveGroupInput: Sendable {
    var token: GroupReplyToken
    var groupId: String
    var members: [(memberId: String, groupInstanceId: String?)]
}

/// An OffsetCommit with its partitions in request order.
struct OffsetCommitInput: Sendable {
    /// One partition's commit; `exists` is false for a topic or partition the broker does not have.
    struct Partition: Sendable {
        var partition: GroupTopicPartition
        var exists: Bool
        var offset: Int64
        var leaderEpoch: Int32
        var metadata: String?
        /// v1 only: the client's commit time, -1 for "now".
        var commitTimestampMs: Int64
    }

    var token: GroupReplyToken
    var groupId: String
    /// -1 (with no member id) for a commit from outside group management.
    var generationId: Int32
    var memberId: String
    var groupInstanceId: String?
    /// v2-4: how long to keep these offsets, -1 for the broker's retention.
    var retentionTimeMs: Int64
    var partitions: [Partition]
    /// True for the offsets of a committed transaction (TxnOffsetCommit then EndTxn): the member was checked when
    /// they were sent, and the transaction's commit makes them visible whatever the group's generation is now.
    var fromTransaction = false
}
