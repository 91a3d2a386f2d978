import NIOConcurrencyHelpers
import NIOCore

/// Wakes the sender loop: `signal` from any thread; `wait` returns at the first signal or at the timeout.
/// Signals that arrive while nobody waits are remembered (one), so none is lost.
final class SenderWakeup: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    private let lock = NIOLock()
    private var signaled = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var timer: Scheduled<Void>?
    private let eventLoop: EventLoop

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    func signal() {
        let (waiter, timer): (CheckedContinuation<Void, Never>?, Scheduled<Void>?) = lock.withLock {
            guard let waiter = self.waiter else {
                signaled = true
                return (nil, nil)
            }
            self.waiter = nil
            defer { self.timer = nil }
            return (waiter, self.timer)
        }
        timer?.cancel()
        waiter?.resume()
    }

    /// Waits for a signal, at most `timeoutNanos` when given.
    func wait(timeoutNanos: UInt64?) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let immediate: Bool = lock.withLock {
                if signaled {
                    signaled = false
                    return true
                }
                waiter = continuation
                if let timeoutNanos {
                    timer = eventLoop.scheduleTask(in: .nanoseconds(Int64(min(timeoutNanos, UInt64(Int64.max))))) {
                        [weak self] in self?.signal()
                    }
                }
                return false
            }
            if immediate { continuation.resume() }
        }
    }
}
