import NIOConcurrencyHelpers
import NIOCore

/// Wakes the sender loop: `signal` from any thread; `wait` returns at the first signal or at its deadline.
/// Signals that arrive while nobody waits are remembered (one), so none is lost.
///
/// The deadline timer outlives a signal: the sender usually waits again for the same linger deadline, and
/// keeping the timer saves scheduling and cancelling one on the event loop (two cross-thread hops) per wait.
/// A timer that fires for a deadline nobody waits for any more costs one spurious pass of the sender.
final class SenderWakeup: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    private let lock = NIOLock()
    private var signaled = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var timer: Scheduled<Void>?
    private var timerDeadlineNanos: UInt64 = .max
    private let eventLoop: EventLoop

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = lock.withLock {
            guard let waiter = self.waiter else {
                signaled = true
                return nil
            }
            self.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    private func timerFired(deadlineNanos: UInt64) {
        lock.withLock {
            if timerDeadlineNanos == deadlineNanos {
                timer = nil
                timerDeadlineNanos = .max
            }
        }
        signal()
    }

    /// Waits for a signal, at most until `untilNanos` (monotonic, as `NIODeadline.uptimeNanoseconds`) when given.
    func wait(untilNanos deadline: UInt64?) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let immediate: Bool = lock.withLock {
                if signaled {
                    signaled = false
                    return true
                }
                waiter = continuation
                // An existing timer at or before the deadline wakes us in time (perhaps early, which is harmless).
                if let deadline, deadline < timerDeadlineNanos {
                    timer?.cancel()
                    timerDeadlineNanos = deadline
                    timer = eventLoop.scheduleTask(deadline: .uptimeNanoseconds(min(deadline, UInt64(Int64.max)))) {
                        [weak self] in self?.timerFired(deadlineNanos: deadline)
                    }
                }
                return false
            }
            if immediate { continuation.resume() }
        }
    }
}
