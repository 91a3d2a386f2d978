import NIOConcurrencyHelpers
import NIOCore

/// The open client connections, so shutdown can close them and tests can count them.
final class ConnectionTracker: Sendable {
    private let channels = NIOLockedValueBox<[UInt64: any Channel]>([:])

    func opened(_ id: UInt64, channel: any Channel) {
        channels.withLockedValue { $0[id] = channel }
    }

    func closed(_ id: UInt64) {
        _ = channels.withLockedValue { $0.removeValue(forKey: id) }
    }

    var count: Int { channels.withLockedValue { $0.count } }

    /// Asks every connection to finish its current request, flush and close; forces the close after
    /// `gracePeriod`. The futures complete when the connections are closed.
    func drainAll(gracePeriod: TimeAmount) -> [EventLoopFuture<Void>] {
        let all = channels.withLockedValue { Array($0.values) }
        return all.map { channel in
            channel.eventLoop.scheduleTask(in: gracePeriod) { channel.close(promise: nil) }
            channel.pipeline.fireUserInboundEventTriggered(DrainAndClose())
            return channel.closeFuture
        }
    }
}

/// Tells a connection to stop taking requests, answer the one in hand and close.
struct DrainAndClose: Sendable {}
