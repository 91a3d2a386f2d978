import NIOCore

/// One member of a classic group, as the coordinator tracks it.
struct GroupMember: Sendable {
    /// One protocol (assignor) the member supports, with its subscription metadata.
    struct SupportedProtocol: Sendable, Equatable {
        var name: String
        var metadata: ByteBuffer
    }

    var memberId: String
    var groupInstanceId: String?
    var clientId: String
    var clientHost: String
    var sessionTimeoutMs: Int32
    var rebalanceTimeoutMs: Int32
    var protocolType: String
    /// In the member's order of preference.
    var protocols: [SupportedProtocol]
    var assignment = ByteBuffer()
    /// The parked JoinGroup, while the member waits for the rebalance to complete.
    var joinToken: GroupReplyToken?
    /// The parked SyncGroup, while the member waits for the leader's assignment.
    var syncToken: GroupReplyToken?
    /// Joined during the current rebalance and never completed one.
    var isNew = false
    /// The session ends at this time unless a heartbeat (or join, sync, commit) comes first.
    var heartbeatDeadlineMs: Int64

    var isAwaitingJoin: Bool { joinToken != nil }
    var isAwaitingSync: Bool { syncToken != nil }
    var isStatic: Bool { groupInstanceId != nil }

    /// The member's metadata for `protocol`, empty when it does not support it.
    func metadata(for protocolName: String) -> ByteBuffer {
        protocols.first { $0.name == protocolName }?.metadata ?? ByteBuffer()
    }

    /// True when `other` lists the same protocols with the same metadata (a re-sent JoinGroup).
    func sameProtocols(_ other: [SupportedProtocol]) -> Bool { protocols == other }

    /// Pushes the session deadline out by the session timeout.
    mutating func touch(now: Int64) {
        heartbeatDeadlineMs = now + Int64(sessionTimeoutMs)
    }
}
