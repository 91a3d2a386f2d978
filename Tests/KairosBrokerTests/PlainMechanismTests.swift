import XCTest

@testable import KairosBroker

/// PLAIN (RFC 4616) as the broker checks it.
final class PlainMechanismTests: XCTestCase {
    let users = ["alice": "s3cret", "bob": ""]

    func message(_ authzid: String, _ user: String, _ password: String) -> [UInt8] {
        Array(authzid.utf8) + [0] + Array(user.utf8) + [0] + Array(password.utf8)
    }

    func testRightAndWrongCredentials() {
        XCTAssertEqual(PlainMechanism.check(message("", "alice", "s3cret"), users: users), .authenticated(user: "alice"))
        XCTAssertEqual(PlainMechanism.check(message("alice", "alice", "s3cret"), users: users), .authenticated(user: "alice"))
        XCTAssertEqual(PlainMechanism.check(message("", "bob", ""), users: users), .authenticated(user: "bob"))
        for wrong in [message("", "alice", "s3cre"), message("", "alice", "s3crett"), message("", "carol", "s3cret"),
                      message("bob", "alice", "s3cret"), message("", "", "s3cret"), Array("alice\u{0}s3cret".utf8)] {
            guard case .refused(_, let reason) = PlainMechanism.check(wrong, users: users) else {
                return XCTFail("accepted \(wrong)")
            }
            XCTAssertFalse(reason.contains("s3cret"))
        }
    }

    func testConstantTimeEqual() {
        XCTAssertTrue(PlainMechanism.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(PlainMechanism.constantTimeEqual([1, 2, 3], [1, 2]))
        XCTAssertFalse(PlainMechanism.constantTimeEqual([1, 2, 0], [1, 2]))
        XCTAssertFalse(PlainMechanism.constantTimeEqual([], [0]))
    }
}
