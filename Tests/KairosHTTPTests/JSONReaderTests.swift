import XCTest
@testable import KairosHTTP

/// The gateway's JSON reader: strictness, compact copies, escapes, limits.
final class JSONReaderTests: XCTestCase {
    private func reader(_ text: String) -> JSONReader { JSONReader(Array(text.utf8)) }

    private func compact(_ text: String) throws -> String {
        var r = reader(text)
        let bytes = try r.readCompactValue()
        try r.expectEnd()
        return String(decoding: bytes, as: UTF8.self)
    }

    func testCompactDropsWhitespaceBetweenTokensOnly() throws {
        XCTAssertEqual(try compact(" { \"a\" : [ 1 , 2.50e+3 , { \"b\" : \"x  y\\n\\\" }\" } ] , \"t\" : true } "),
                       "{\"a\":[1,2.50e+3,{\"b\":\"x  y\\n\\\" }\"}],\"t\":true}")
        XCTAssertEqual(try compact("-0"), "-0")
        XCTAssertEqual(try compact("\"\\u00e9\""), "\"\\u00e9\"")
        XCTAssertEqual(try compact("[]"), "[]")
        XCTAssertEqual(try compact("{ }"), "{}")
    }

    func testMalformedDocumentsAreSyntaxErrorsWithTheirOffset() {
        let bad = ["", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "1e", "tru", "nul", "\"abc",
                   "\"\\x\"", "\"\\u12\"", "\"a\u{01}b\"", "{a:1}", "[1 2]", "'s'"]
        for text in bad {
            var r = reader(text)
            XCTAssertThrowsError(try { _ = try r.readCompactValue(); try r.expectEnd() }(), text) { error in
                XCTAssertTrue(error is JSONReader.SyntaxError, "\(text): \(error)")
            }
        }
        var trailing = reader("{} x")
        XCTAssertNoThrow(try trailing.skipValue())
        XCTAssertThrowsError(try trailing.expectEnd())
    }

    func testStringsDecodeEscapesAndSurrogatePairs() throws {
        var r = reader("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\ud800x\"")
        XCTAssertEqual(try r.readString(), "a\"b\\c/d\u{08}\u{0C}\n\r\té😀\u{FFFD}x")
    }

    func testIntegersAreExactAndOtherNumbersRefused() throws {
        var r = reader("[9223372036854775807, -3, 1.5, 1e3, 9223372036854775808]")
        var values: [Int64] = []
        var failures = 0
        try r.readArray { _, reader in
            // A refused number has been read past already, so the array goes on.
            do { values.append(try reader.readInteger()) } catch { failures += 1 }
        }
        XCTAssertEqual(values, [Int64.max, -3])
        XCTAssertEqual(failures, 3)
    }

    func testNestingDeeperThanTheLimitIsRefused() {
        let deep = String(repeating: "[", count: JSONReader.depthMax + 1) + String(repeating: "]", count: JSONReader.depthMax + 1)
        var r = reader(deep)
        XCTAssertThrowsError(try r.skipValue())
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        var ok = reader(fine)
        XCTAssertNoThrow(try ok.skipValue())
    }

    func testObjectMembersAreVisitedInOrder() throws {
        var r = reader("{\"b\": 1, \"a\": {\"x\": null}, \"c\": \"s\"}")
        var names: [String] = []
        try r.readObject { name, reader in
            names.append(name)
            try reader.skipValue()
        }
        XCTAssertEqual(names, ["b", "a", "c"])
    }
}
