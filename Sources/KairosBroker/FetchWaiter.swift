import Atomics
import NIOConcurrencyHelpers
import NIOCore

/// A fetch that is waiting for data (Fetch max_wait_ms / min_bytes long polling).
///
/// Registered on every partition it reads; any append to one of them calls `wake`, which hops to
/// the waiter's event loop and re-runs the fetch there. Fires at most once per registration round.
final class FetchWaiter: Sendable {
    private let eventLoop: any EventLoop
    private let onWake: @Sendable () -> Void
    private let woken = ManagedAtomic<Bool>(false)

    init(eventLoop: any EventLoop, onWake: @escaping @Sendable () -> Void) {
        self.eventLoop = eventLoop
        self.onWake = onWake
    }

    /// Called by a partition after an append; cheap and safe from any thread.
    func wake() {
        guard woken.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        eventLoop.execute(onWake)
    }

    /// True once `wake` ran; the waiter then must be re-registered to be woken again.
    var hasWoken: Bool { woken.load(ordering: .acquiring) }

    /// Allows another wake after the fetch re-checked and found too little data.
    func rearm() { woken.store(false, ordering: .releasing) }
}

/// The waiters of one partition.
final class FetchWaiterList: Sendable {
    private let waiters = NIOLockedValueBox<[ObjectIdentifier: FetchWaiter]>([:])

    func add(_ waiter: FetchWaiter) {
        waiters.withLockedValue { $0[ObjectIdentifier(waiter)] = waiter }
    }

    func remove(_ waiter: FetchWaiter) {
        _ = waiters.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(waiter)) }
    }

    /// Wakes every waiter (they re-register if they still need more data).
    func wakeAll() {
        let all = waiters.withLockedValue { list -> [FetchWaiter] in
            if list.isEmpty { return [] }
            let all = Array(list.values)
            list.removeAll(keepingCapacity: true)
            return all
        }
        for w in all { w.wake() }
    }
}
