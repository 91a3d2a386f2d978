import KafkaProtocol
import NIOCore

extension Broker {
    /// Lets the group coordinator act on time: ended sessions, rebalance and sync deadlines, offset
    /// expiry, offsets-log snapshots. The server calls it every `groupTickIntervalMs`.
    public func tickGroups() {
        groups.tick(now: clock())
    }

    /// How often the server should call `tickGroups()`: the precision of every group timeout.
    public static let groupTickIntervalMs: Int64 = 100

    /// Applies a group event and encodes its answer as a response to `header`.
    func submitGroupEvent<M: KafkaMessage>(
        header: RequestHeader, context: RequestContext, encode: @escaping @Sendable (GroupReply) -> M?,
        _ makeEvent: (GroupReplyToken) -> GroupEvent
    ) -> BrokerReply {
        groups.submit(
            now: clock(), eventLoop: context.eventLoop,
            encode: { [self] reply in
                guard let response = encode(reply) else { return .close(reason: "internal error: mismatched group reply") }
                return self.reply(response, header)
            },
            makeEvent)
    }

    /// Whether the broker has this partition (commits for others get UNKNOWN_TOPIC_OR_PARTITION).
    func hasPartition(topic: String, partition: Int32) -> Bool {
        topics.topic(topic)?.partition(partition) != nil
    }

    /// The client's address as Kafka reports it in DescribeGroups ("/127.0.0.1").
    static func clientHost(peer: String) -> String {
        // NIO describes addresses as "[IPv4]host/1.2.3.4:port".
        var s = Substring(peer)
        if let bracket = s.firstIndex(of: "]") { s = s[s.index(after: bracket)...] }
        if let slash = s.firstIndex(of: "/") { s = s[s.index(after: slash)...] }
        if let colon = s.lastIndex(of: ":") { s = s[..<colon] }
        return "/" + s
    }
}
