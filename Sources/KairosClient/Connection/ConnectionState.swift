/// One broker connection's life as a value (swift-nio's state machines as values): open with the requests awaiting
/// their answers (by correlation id) and the deadline the timer is set for, or closed with the error every later
/// request fails with. The router reports what happened with `event(_:)` and performs the action it gets back
/// (write, complete a promise, set the timer, close the channel); it keeps no state of its own besides the timer.
///
/// `Waiter` is what the router needs to answer a request (its promise and response header version).
struct ConnectionState<Waiter> {
    /// A request waiting for its answer.
    struct Pending {
        var waiter: Waiter
        /// Monotonic deadline, `.max` for none.
        var deadlineNanos: UInt64
    }

    private enum State {
        /// `timerNanos` is when the timer fires, `.max` without a timer.
        case open(pending: [Int32: Pending], timerNanos: UInt64)
        case closed(KafkaClientError)
        /// Only while a transition holds the dictionary, so it is mutated in place rather than copied.
        case modifying
    }

    /// What happened.
    enum Event {
        /// A request is about to be written; `waiter` is nil when no answer comes (acks=0).
        case write(correlationId: Int32, waiter: Waiter?, deadlineNanos: UInt64)
        /// An answer arrived.
        case response(correlationId: Int32)
        /// The timer set for the earliest deadline fired at `nowNanos`.
        case timerFired(nowNanos: UInt64)
        /// The stream can no longer be trusted or the socket failed: the connection is to be closed.
        case failed(KafkaClientError)
        /// The channel closed.
        case closed(KafkaClientError)
    }

    /// What the router must do.
    enum Action {
        /// Write the request; set the timer for `armTimerAt` (cancelling the one set later) when not nil.
        case write(armTimerAt: UInt64?)
        /// The connection is closed: fail the request (and its write) with the error.
        case refuse(KafkaClientError)
        /// Hand the answer to `waiter`.
        case deliver(Waiter)
        /// The timer fired early or is no longer needed; set it again for `armTimerAt` when not nil.
        case rearm(armTimerAt: UInt64?)
        /// Fail the first waiter (the request past its deadline) with a timeout, then `others` with `error`, cancel
        /// the timer and close the channel: answers after a lost one cannot be matched with confidence.
        case timeOut(Waiter, others: [Waiter], error: KafkaClientError)
        /// Fail every waiter with `error` and cancel the timer; `closeChannel` when the router must close it.
        case failAll([Waiter], error: KafkaClientError, closeChannel: Bool)
        /// Nothing to do.
        case none
    }

    private var state: State = .open(pending: [:], timerNanos: .max)
    /// The broker's address, for error messages.
    let peer: String

    /// An open connection to `peer` with nothing in flight.
    init(peer: String) {
        self.peer = peer
    }

    /// The requests waiting for answers.
    var pendingCount: Int {
        if case .open(let pending, _) = state { return pending.count }
        return 0
    }

    /// The error the connection closed with, nil while open.
    var closedError: KafkaClientError? {
        if case .closed(let error) = state { return error }
        return nil
    }

    /// Applies `event` and returns what the router must do.
    mutating func event(_ event: Event) -> Action {
        switch event {
        case .write(let correlationId, let waiter, let deadlineNanos):
            guard case .open(var pending, var timerNanos) = state else { return .refuse(closedError!) }
            guard let waiter else { return .write(armTimerAt: nil) }
            state = .modifying
            pending[correlationId] = Pending(waiter: waiter, deadlineNanos: deadlineNanos)
            // One timer for the connection, set for the earliest deadline: answers never touch it.
            var arm: UInt64?
            if deadlineNanos < timerNanos {
                timerNanos = deadlineNanos
                arm = deadlineNanos
            }
            state = .open(pending: pending, timerNanos: timerNanos)
            return .write(armTimerAt: arm)

        case .response(let correlationId):
            guard case .open(var pending, let timerNanos) = state else { return .none }
            state = .modifying
            let entry = pending.removeValue(forKey: correlationId)
            state = .open(pending: pending, timerNanos: timerNanos)
            guard let entry else {
                // An answer to nothing asked (or to a request given up on): the stream can no longer be trusted.
                return self.event(.failed(.protocolViolation("unexpected response from \(peer)")))
            }
            return .deliver(entry.waiter)

        case .timerFired(let nowNanos):
            guard case .open(var pending, _) = state else { return .none }
            var next = UInt64.max
            var overdue: (id: Int32, deadline: UInt64)?
            for (id, entry) in pending {
                if entry.deadlineNanos <= nowNanos {
                    if overdue == nil || entry.deadlineNanos < overdue!.deadline { overdue = (id, entry.deadlineNanos) }
                } else {
                    next = min(next, entry.deadlineNanos)
                }
            }
            guard let overdue else {
                state = .open(pending: pending, timerNanos: next)
                return .rearm(armTimerAt: next == .max ? nil : next)
            }
            state = .modifying
            let timedOut = pending.removeValue(forKey: overdue.id)!.waiter
            let error = KafkaClientError.connection("request to \(peer) timed out")
            state = .closed(error)
            return .timeOut(timedOut, others: pending.values.map(\.waiter), error: error)

        case .failed(let error), .closed(let error):
            let closeChannel: Bool
            if case .failed = event { closeChannel = true } else { closeChannel = false }
            guard case .open(let pending, _) = state else { return .failAll([], error: closedError!, closeChannel: closeChannel) }
            state = .closed(error)
            return .failAll(pending.values.map(\.waiter), error: error, closeChannel: closeChannel)
        }
    }
}
