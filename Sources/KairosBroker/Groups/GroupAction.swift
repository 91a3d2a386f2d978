import KafkaProtocol
import NIOCore

/// What the broker must do after a coordinator event, in order.
enum GroupAction: Sendable {
    /// Answer the request with this token.
    case reply(GroupReplyToken, GroupReply)
    /// Append these records to the committed-offsets log (before any reply that follows).
    case persist([OffsetLogRecord])
}

/// The answer to one group request.
enum GroupReply: Sendable {
    case join(JoinGroupOutput)
    case sync(SyncGroupOutput)
    case heartbeat(ErrorCode)
    case leave(LeaveGroupOutput)
    /// One code per partition, in request order.
    case commit([ErrorCode])
    /// One code per group, in request order.
    case deleteGroups([ErrorCode])
    /// A group-level code and one code per partition, in request order.
    case deleteOffsets(ErrorCode, [ErrorCode])
}

/// A JoinGroup answer.
struct JoinGroupOutput: Sendable {
    /// A member of the new generation as the leader sees it.
    struct Member: Sendable {
        var memberId: String
        var groupInstanceId: String?
        var metadata: ByteBuffer
    }

    var error: ErrorCode
    var generationId: Int32 = -1
    var protocolType: String?
    var protocolName: String?
    var leaderId: String = ""
    var memberId: String
    /// Filled for the leader only.
    var members: [Member] = []

    static func failure(_ error: ErrorCode, memberId: String) -> JoinGroupOutput {
        JoinGroupOutput(error: error, memberId: memberId)
    }
}

/// A SyncGroup answer.
struct SyncGroupOutput: Sendable {
    var error: ErrorCode
    var protocolType: String?
    var protocolName: String?
    var assignment = ByteBuffer()

    static func failure(_ error: ErrorCode) -> SyncGroupOutput { SyncGroupOutput(error: error) }
}

/// A LeaveGroup answer: a group-level code and one per member, in request order.
struct LeaveGroupOutput: Sendable {
    var error: ErrorCode
    var members: [(memberId: String, groupInstanceId: String?, error: ErrorCode)]
}
