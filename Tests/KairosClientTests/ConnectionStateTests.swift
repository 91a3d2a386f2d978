@testable import KairosClient
import XCTest

/// A broker connection's state machine as a value: answers matched by correlation id, one timer for the earliest
/// deadline, a timeout or failure closing the connection and failing everything waiting, later writes refused.
final class ConnectionStateTests: XCTestCase {
    private typealias State = ConnectionState<String>

    private func written(_ state: inout State, _ id: Int32, _ waiter: String?, deadline: UInt64) -> UInt64?? {
        guard case .write(let arm) = state.event(.write(correlationId: id, waiter: waiter, deadlineNanos: deadline))
        else { return nil }
        return .some(arm)
    }

    func testAnswersMatchByCorrelationIdAndTheTimerFollowsTheEarliestDeadline() {
        var state = State(peer: "b:9092")
        XCTAssertEqual(written(&state, 1, "a", deadline: 100), .some(100), "the first deadline sets the timer")
        XCTAssertEqual(written(&state, 2, "b", deadline: 200), .some(nil), "a later deadline leaves it")
        XCTAssertEqual(written(&state, 3, "c", deadline: 50), .some(50), "an earlier one moves it")
        XCTAssertEqual(written(&state, 4, nil, deadline: .max), .some(nil), "acks=0: written, nothing waits")
        XCTAssertEqual(state.pendingCount, 3)

        guard case .deliver(let second) = state.event(.response(correlationId: 2)) else { return XCTFail() }
        XCTAssertEqual(second, "b", "answers may come in any order")
        guard case .deliver(let first) = state.event(.response(correlationId: 1)) else { return XCTFail() }
        XCTAssertEqual(first, "a")
        XCTAssertEqual(state.pendingCount, 1)
        XCTAssertNil(state.closedError)
    }

    func testTimerWithNothingOverdueRearmsForTheNextDeadline() {
        var state = State(peer: "b:9092")
        _ = written(&state, 1, "a", deadline: 100)
        _ = written(&state, 2, "b", deadline: 300)
        _ = state.event(.response(correlationId: 1))
        guard case .rearm(let next) = state.event(.timerFired(nowNanos: 100)) else { return XCTFail() }
        XCTAssertEqual(next, 300)
        _ = state.event(.response(correlationId: 2))
        guard case .rearm(let none) = state.event(.timerFired(nowNanos: 300)) else { return XCTFail() }
        XCTAssertNil(none, "nothing waits: no timer")
        XCTAssertEqual(written(&state, 3, "c", deadline: 900), .some(900), "the next request sets it again")
    }

    func testTimeoutFailsTheOverdueRequestAndClosesTheConnection() {
        var state = State(peer: "b:9092")
        _ = written(&state, 1, "late", deadline: 100)
        _ = written(&state, 2, "later", deadline: 90)
        _ = written(&state, 3, "fine", deadline: 500)
        guard case .timeOut(let overdue, let others, let error) = state.event(.timerFired(nowNanos: 150)) else {
            return XCTFail()
        }
        XCTAssertEqual(overdue, "later", "the earliest deadline is the one reported as timed out")
        XCTAssertEqual(Set(others), ["late", "fine"])
        XCTAssertTrue(error.isRetriable)
        XCTAssertTrue("\(error)".contains("b:9092"), "\(error)")
        XCTAssertEqual(state.pendingCount, 0)
        guard case .refuse = state.event(.write(correlationId: 4, waiter: "new", deadlineNanos: 1000)) else {
            return XCTFail("a closed connection refuses writes")
        }
    }

    func testUnexpectedAnswerFailsEverythingAndClosesTheChannel() {
        var state = State(peer: "b:9092")
        _ = written(&state, 1, "a", deadline: .max)
        guard case .failAll(let waiters, let error, let closeChannel) = state.event(.response(correlationId: 77)) else {
            return XCTFail()
        }
        XCTAssertEqual(waiters, ["a"])
        XCTAssertTrue(closeChannel)
        XCTAssertTrue("\(error)".contains("unexpected response from b:9092"), "\(error)")
        XCTAssertNotNil(state.closedError)
    }

    func testChannelClosedFailsWaitersWithTheFirstErrorAndRefusesLaterWrites() {
        var state = State(peer: "b:9092")
        _ = written(&state, 1, "a", deadline: .max)
        _ = written(&state, 2, "b", deadline: .max)
        guard case .failAll(let waiters, _, let closeChannel) = state.event(.closed(.connection("closed"))) else {
            return XCTFail()
        }
        XCTAssertEqual(Set(waiters), ["a", "b"])
        XCTAssertFalse(closeChannel, "already closed")
        // A later failure changes nothing and keeps the first error.
        guard case .failAll(let none, let error, _) = state.event(.failed(.connection("second"))) else { return XCTFail() }
        XCTAssertEqual(none, [])
        XCTAssertTrue("\(error)".contains("closed"), "\(error)")
        guard case .refuse(let refused) = state.event(.write(correlationId: 3, waiter: nil, deadlineNanos: .max)) else {
            return XCTFail("even a request without an answer is refused")
        }
        XCTAssertTrue("\(refused)".contains("closed"))
        guard case .none = state.event(.response(correlationId: 1)) else { return XCTFail("late answers are dropped") }
        guard case .none = state.event(.timerFired(nowNanos: .max)) else { return XCTFail() }
    }
}
