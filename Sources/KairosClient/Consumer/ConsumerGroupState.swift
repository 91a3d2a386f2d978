import KafkaProtocol

/// A consumer's life and its place in its group as one value (swift-nio's state machines as values): the consumer
/// reports what happened with `event(_:)` and performs the action it gets back; the membership fields (subscription,
/// member id, generation, whether to rejoin, fenced, closed) can only change together, through one function.
struct ConsumerGroupState {
    /// The consumer's identity in its group; empty and -1 until a JoinGroup gave them.
    struct Member: Equatable {
        var memberId = ""
        var generationId: Int32 = -1
    }

    /// Where the consumer is.
    enum State {
        /// No subscription: it reads what `assign` gave it (or nothing), without group membership.
        case unsubscribed
        /// Subscribed to `topics` (sorted); `rejoin` when the next poll must join (again) before fetching.
        case subscribed(topics: [String], member: Member, rejoin: Bool)
        /// Another process took this static member's `group.instance.id`: every later poll and commit fails with
        /// the error (fatal, as Kafka's FencedInstanceIdException), until `close`.
        case fenced(KafkaClientError)
        /// Closed: nothing works any more.
        case closed
    }

    /// What happened.
    enum Event {
        /// `subscribe(topics)`: join on the next poll; a member keeps its id and generation.
        case subscribe([String])
        /// `unsubscribe` or `assign` after the group was left.
        case unsubscribe
        /// JoinGroup answered MEMBER_ID_REQUIRED with the id to join with.
        case memberIdRequired(String)
        /// JoinGroup succeeded.
        case joined(memberId: String, generationId: Int32)
        /// SyncGroup gave the assignment; `anotherRound` when cooperative rebalancing must hand over partitions
        /// given up in this one.
        case synced(anotherRound: Bool)
        /// JoinGroup answered UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION: join again as a new member.
        case joinRefused
        /// A Heartbeat sent at `generationId` came back with `code`.
        case heartbeat(generationId: Int32, code: ErrorCode)
        /// The coordinator fenced this static member.
        case fenced(KafkaClientError)
        /// The group was left (LeaveGroup sent, or a static member walked away): the identity is gone.
        case left
        /// `close` finished its commit and leave.
        case closed
    }

    /// What the consumer must do.
    enum Action: Equatable {
        case none
        /// Rejoin on the next poll (nothing to do now: `needsJoin` says so).
        case rejoin
        /// Ask the coordinator's address again.
        case forgetCoordinator
        /// Stop heartbeating, drop the assignment and fail from now on (`fenced` gives the error).
        case fence
    }

    private(set) var state: State = .unsubscribed

    /// A consumer neither subscribed nor closed.
    init() {}

    // MARK: Reading

    /// The sorted topics subscribed to, nil without a subscription (or once fenced or closed).
    var topics: [String]? {
        if case .subscribed(let topics, _, _) = state { return topics }
        return nil
    }

    /// The member id and generation to send (empty and -1 outside a group, as Kafka's consumer sends for commits
    /// of assigned partitions).
    var member: Member {
        if case .subscribed(_, let member, _) = state { return member }
        return Member()
    }

    /// True when the next poll must join the group before fetching.
    var needsJoin: Bool {
        if case .subscribed(_, let member, let rejoin) = state { return rejoin || member.generationId < 0 }
        return false
    }

    /// The member to heartbeat for: subscribed with a generation.
    var heartbeatMember: Member? {
        if case .subscribed(_, let member, _) = state, member.generationId >= 0 { return member }
        return nil
    }

    /// The error every call fails with once fenced.
    var fenced: KafkaClientError? {
        if case .fenced(let error) = state { return error }
        return nil
    }

    /// True once closed.
    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    // MARK: Transitions

    /// Applies `event` and returns what the consumer must do. Events that do not apply where the consumer is (a
    /// late heartbeat of an old generation, a join answer after unsubscribing) change nothing.
    mutating func event(_ event: Event) -> Action {
        switch (state, event) {
        case (.closed, _):
            return .none
        case (_, .closed):
            state = .closed
            return .none
        case (.fenced, _):
            // Fatal until closed: neither subscribing nor joining undoes it.
            return .none
        case (_, .fenced(let error)):
            state = .fenced(error)
            return .fence

        case (.unsubscribed, .subscribe(let topics)):
            state = .subscribed(topics: topics.sorted(), member: Member(), rejoin: true)
            return .rejoin
        case (.subscribed(_, let member, _), .subscribe(let topics)):
            state = .subscribed(topics: topics.sorted(), member: member, rejoin: true)
            return .rejoin
        case (_, .unsubscribe):
            state = .unsubscribed
            return .none

        case (.subscribed(let topics, var member, let rejoin), .memberIdRequired(let memberId)):
            member.memberId = memberId
            state = .subscribed(topics: topics, member: member, rejoin: rejoin)
            return .none
        case (.subscribed(let topics, _, let rejoin), .joined(let memberId, let generationId)):
            state = .subscribed(topics: topics, member: Member(memberId: memberId, generationId: generationId),
                                rejoin: rejoin)
            return .none
        case (.subscribed(let topics, let member, _), .synced(let anotherRound)):
            state = .subscribed(topics: topics, member: member, rejoin: anotherRound)
            return anotherRound ? .rejoin : .none
        case (.subscribed(let topics, _, let rejoin), .joinRefused):
            state = .subscribed(topics: topics, member: Member(), rejoin: rejoin)
            return .rejoin
        case (.subscribed(let topics, var member, _), .heartbeat(let generationId, let code)):
            // An answer for a generation already left behind says nothing about this one.
            guard generationId == member.generationId else { return .none }
            switch code {
            case .none:
                return .none
            case .rebalanceInProgress:
                state = .subscribed(topics: topics, member: member, rejoin: true)
                return .rejoin
            case .fencedInstanceId:
                return .fence
            case .unknownMemberId, .illegalGeneration:
                if code == .unknownMemberId { member.memberId = "" }
                member.generationId = -1
                state = .subscribed(topics: topics, member: member, rejoin: true)
                return .rejoin
            case .notCoordinator, .coordinatorNotAvailable, .coordinatorLoadInProgress:
                return .forgetCoordinator
            default:
                return .none
            }
        case (.subscribed(let topics, _, let rejoin), .left):
            state = .subscribed(topics: topics, member: Member(), rejoin: rejoin)
            return .none

        case (.unsubscribed, _):
            // Group answers that arrive after unsubscribing, or a leave without a subscription.
            return .none
        }
    }
}
