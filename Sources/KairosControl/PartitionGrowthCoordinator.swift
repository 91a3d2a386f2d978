/// The one place that grows a topic's partitions, whoever asks (IPOOA producers, the autopilot):
/// one more partition at a time (CreatePartitions to exactly N + 1 when the topic has N), never
/// beyond a cap, never twice within a cooldown, never two requests in flight for one topic. A lost
/// race (INVALID_PARTITIONS because someone else grew the topic first) and a stale requester are
/// answered with a metadata refresh; a failure is a reason in the log, never an error to the user.
/// A state machine as a value on the caller's clock; the caller performs the actions.
public struct PartitionGrowthCoordinator: Sendable, Equatable {
    /// What the caller should do.
    public enum Action: Sendable, Equatable {
        /// Send CreatePartitions for `topic` with total count `count`; report back with `completed`.
        case createPartitions(topic: String, count: Int)
        /// Refresh the topic's metadata: it has (or may have) more partitions than the caller saw.
        case refreshMetadata(topic: String)
        /// Nothing to do.
        case none
    }

    /// How a CreatePartitions request ended.
    public enum Outcome: Sendable, Equatable {
        /// The topic now has the requested count.
        case created
        /// INVALID_PARTITIONS: the topic already had at least that many (someone else grew it).
        case lostRace
        /// Any other failure, in words.
        case failed(String)
    }

    /// An action with the reason for the decision log.
    public struct Decision: Sendable, Equatable {
        /// What to do.
        public var action: Action
        /// Why.
        public var reason: String
    }

    private struct TopicState: Sendable, Equatable {
        var known = 0
        var inFlight: Int?
        var lastGrowth: ControlInstant?
    }

    /// The most partitions any topic is grown to.
    public let maxPartitions: Int
    /// Milliseconds after a growth (or a lost race, or a failure) before the next growth may start.
    public let cooldownMs: Int64
    private var topics: [String: TopicState] = [:]

    /// A coordinator growing topics up to `maxPartitions`, `cooldownMs` apart.
    public init(maxPartitions: Int, cooldownMs: Int64) {
        precondition(maxPartitions >= 1 && cooldownMs >= 0)
        self.maxPartitions = maxPartitions
        self.cooldownMs = cooldownMs
    }

    /// The partition count the coordinator knows for `topic` (0 if never seen).
    public func knownPartitions(of topic: String) -> Int { topics[topic]?.known ?? 0 }

    /// Metadata says `topic` has `partitions` partitions.
    public mutating func observe(topic: String, partitions: Int) {
        topics[topic, default: TopicState()].known = max(topics[topic]?.known ?? 0, partitions)
    }

    /// Someone who sees `partitions` partitions of `topic` wants one more.
    public mutating func request(topic: String, partitions: Int, now: ControlInstant) -> Decision {
        var state = topics[topic, default: TopicState()]
        defer { topics[topic] = state }
        if partitions < state.known {
            return Decision(action: .refreshMetadata(topic: topic),
                            reason: "\(topic) already has \(state.known) partitions; the requester saw \(partitions)")
        }
        state.known = partitions
        if let target = state.inFlight {
            return Decision(action: .none, reason: "growth of \(topic) to \(target) already in flight")
        }
        if state.known >= maxPartitions {
            return Decision(action: .none, reason: "\(topic) is at the cap of \(maxPartitions) partitions")
        }
        if let last = state.lastGrowth, now.millisecondsSince(last) < cooldownMs {
            return Decision(action: .none,
                            reason: "\(topic) cooling down: \(now.millisecondsSince(last)) of \(cooldownMs) ms since the last growth")
        }
        state.inFlight = state.known + 1
        return Decision(action: .createPartitions(topic: topic, count: state.known + 1),
                        reason: "grow \(topic) from \(state.known) to \(state.known + 1) partitions")
    }

    /// The CreatePartitions request for `topic` ended with `outcome`.
    public mutating func completed(topic: String, outcome: Outcome, now: ControlInstant) -> Decision {
        var state = topics[topic, default: TopicState()]
        defer { topics[topic] = state }
        let target = state.inFlight ?? state.known + 1
        state.inFlight = nil
        // Every ending starts the cooldown: after a success or a lost race the topic just grew,
        // after a failure retrying at once would only repeat it.
        state.lastGrowth = now
        switch outcome {
        case .created:
            state.known = max(state.known, target)
            return Decision(action: .refreshMetadata(topic: topic), reason: "grew \(topic) to \(target) partitions")
        case .lostRace:
            return Decision(action: .refreshMetadata(topic: topic),
                            reason: "\(topic) was grown by someone else before \(target); refreshing metadata")
        case .failed(let why):
            return Decision(action: .none, reason: "growing \(topic) to \(target) failed: \(why); retry after the cooldown")
        }
    }
}
