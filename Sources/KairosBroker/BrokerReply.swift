import KairosStorage
import NIOCore

/// What the transport must do with one request's answer.
public enum BrokerReply: Sendable {
    /// Send this whole frame (it starts with its 4-byte size).
    case frame(ByteBuffer)
    /// Send `parts[0]`, `records[0]`, `parts[1]`, ..., `parts[n]`: a fetch response whose record sets
    /// go out with zero copy. `parts[0]` starts with the size of the whole frame. The transport owns
    /// and must close the file handles in `records` once they are sent (or dropped).
    case frameWithRecords(parts: [ByteBuffer], records: [LogReadData])
    /// Send nothing (Produce with acks=0).
    case noResponse
    /// Close the connection, as Kafka does on a request it cannot parse.
    case close(reason: String)
    /// The answer comes later (a fetch waiting for data); later replies on the connection wait for it.
    case deferred(EventLoopFuture<BrokerReply>)
    /// Perform `reply`, then read nothing more from the connection for `milliseconds`: the client went over its
    /// quota, and (as in Kafka since KIP-219) the answer goes out at once with the throttle time in it while the
    /// connection stays muted for that time.
    indirect case muted(BrokerReply, milliseconds: Int64)
    /// The request is done but its answer waits for the disk (a produce in fsync-per-ack mode): the connection may
    /// go on with later requests meanwhile, so their data joins the same group commit, but their replies are
    /// sent after this one. The answer is never `deferred` or `afterSync` itself.
    case afterSync(EventLoopFuture<BrokerReply>)
}

/// Facts about the connection a request came on.
public struct RequestContext: Sendable {
    /// A number unique to the connection for the broker's lifetime.
    public var connectionId: UInt64
    /// The loop the connection runs on; deferred replies complete on it.
    public var eventLoop: any EventLoop
    /// Peer address, for logs.
    public var peer: String
    /// The listener the client connected through (its address is what Metadata advertises); empty for the default.
    public var listenerName: String
    /// The connection's SASL state on a SASL listener; nil on a listener without SASL.
    public var authentication: ConnectionAuthentication?

    /// Makes a context.
    public init(
        connectionId: UInt64, eventLoop: any EventLoop, peer: String, listenerName: String = "",
        authentication: ConnectionAuthentication? = nil
    ) {
        self.connectionId = connectionId
        self.eventLoop = eventLoop
        self.peer = peer
        self.listenerName = listenerName
        self.authentication = authentication
    }

    /// Who sent the request: `User:name` once SASL authenticated it, nil otherwise (ACLs and quotas read it).
    public var principal: String? { authentication?.principal }
}
