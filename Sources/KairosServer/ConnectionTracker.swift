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

    /// Closes every connection once its queued writes are flushed.
    func closeAll() -> [EventLoopFuture<Void>] {
        let all = channels.withLockedValue { Array($0.values) }
        return all.map { channel in
            channel.eventLoop.flatSubmit {
                channel.close(mode: .all).recover { _ in }
            }
        }
    }
}
