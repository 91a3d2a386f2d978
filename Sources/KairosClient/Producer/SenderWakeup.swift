import Atomics
import NIOCore

/// Schedules the sender's passes on its event loop. `signal` may come from any thread, any number of times: at most
/// one pass is queued at a time, and a signal that arrives during a pass queues the next one, so none is lost.
/// `wake(atNanos:)` (on the loop) keeps one timer for the earliest deadline anyone waits for.
///
/// Signals from the loop itself (answers arriving, batches completing) cost a queue entry, no thread wake-up; a
/// signal from the application's thread costs one event loop wake-up, and only when a batch becomes ready sooner than
/// the sender would look anyway (the accumulator decides that).
final class SenderWakeup: @unchecked Sendable {
    // @unchecked: `pass`, `timer` and `timerDeadlineNanos` are touched only on `eventLoop`; `pending` is atomic.
    let eventLoop: EventLoop
    private let pending = ManagedAtomic(false)
    private var pass: (() -> Void)?
    private var timer: Scheduled<Void>?
    private var timerDeadlineNanos: UInt64 = .max

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Sets what a pass does and runs the first one.
    func start(_ pass: @escaping () -> Void) {
        eventLoop.execute {
            self.pass = pass
            self.signal()
        }
    }

    /// Queues a pass on the loop unless one is queued already.
    func signal() {
        guard !pending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        eventLoop.execute {
            // Cleared before the pass, so a signal during the pass queues another one.
            self.pending.store(false, ordering: .releasing)
            self.pass?()
        }
    }

    /// Makes sure a pass runs by `deadlineNanos` (monotonic, as `NIODeadline.uptimeNanoseconds`). A timer set for an
    /// earlier deadline is kept: it wakes the sender early, which is harmless.
    func wake(atNanos deadlineNanos: UInt64) {
        eventLoop.preconditionInEventLoop()
        guard deadlineNanos < timerDeadlineNanos else { return }
        timer?.cancel()
        timerDeadlineNanos = deadlineNanos
        timer = eventLoop.scheduleTask(deadline: .uptimeNanoseconds(min(deadlineNanos, UInt64(Int64.max)))) {
            if self.timerDeadlineNanos == deadlineNanos {
                self.timer = nil
                self.timerDeadlineNanos = .max
            }
            self.signal()
        }
    }

    /// Cancels the timer (the sender stopped).
    func cancelTimer() {
        eventLoop.preconditionInEventLoop()
        timer?.cancel()
        timer = nil
        timerDeadlineNanos = .max
    }
}
