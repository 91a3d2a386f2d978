import NIOConcurrencyHelpers

/// A one-time event ("closing has finished") that any number of tasks can wait for; waiting after it happened
/// returns at once. A lock and a list of continuations rather than a promise, so a producer that is never closed
/// leaves nothing unfulfilled behind.
final class ClosedSignal: Sendable {
    private struct State {
        var happened = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Not happened yet.
    init() {}

    /// True once `signal()` was called.
    var happened: Bool { state.withLockedValue { $0.happened } }

    /// Marks the event and resumes everyone waiting; later calls do nothing.
    func signal() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLockedValue { state in
            guard !state.happened else { return [] }
            state.happened = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once `signal()` has been called.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let happened: Bool = state.withLockedValue { state in
                if state.happened { return true }
                state.waiters.append(continuation)
                return false
            }
            if happened { continuation.resume() }
        }
    }
}
