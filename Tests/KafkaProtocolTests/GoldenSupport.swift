import Foundation
import KafkaProtocol
import NIOCore
import XCTest

/// Where the committed fixtures live (next to this file; found by path, so Package.swift needs no resources).
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Reads a `.hex` fixture into a buffer.
func loadHexFixture(_ url: URL) throws -> ByteBuffer {
    let text = try String(contentsOf: url, encoding: .utf8).filter { !$0.isWhitespace }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.count / 2)
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        guard let byte = UInt8(text[index..<next], radix: 16) else { throw KafkaProtocolError.invalid("bad hex") }
        bytes.append(byte)
        index = next
    }
    return ByteBuffer(bytes: bytes)
}

/// A JSON value that keeps 64-bit integers exact (JSONSerialization may turn them into doubles).
enum JSONValue: Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .int(let i): return "\(i)"
        case .double(let d): return "\(d)"
        case .string(let s): return "\"\(s)\""
        case .array(let a): return "[\(a.map(\.description).joined(separator: ", "))]"
        case .object(let o): return "{\(o.keys.sorted().map { "\($0): \(o[$0]!)" }.joined(separator: ", "))}"
        }
    }
}

/// Hex of a buffer's readable bytes.
func hexString(_ buffer: ByteBuffer) -> String {
    buffer.readableBytesView.map { String(format: "%02x", $0) }.joined()
}

/// Compares a decoded value with the JSON the fixture generator recorded, field by field, through reflection
/// (tests only: the codec itself never reflects). Only the fields the JSON names are compared.
func assertMatches(_ value: Any, _ expected: JSONValue, path: String, file: StaticString = #filePath, line: UInt = #line) {
    let mirror = Mirror(reflecting: value)
    if mirror.displayStyle == .optional {
        if let child = mirror.children.first {
            if case .null = expected {
                XCTFail("\(path): expected null, got \(child.value)", file: file, line: line)
                return
            }
            assertMatches(child.value, expected, path: path, file: file, line: line)
        } else if case .null = expected {
            return
        } else {
            XCTFail("\(path): expected \(expected), got nil", file: file, line: line)
        }
        return
    }
    switch expected {
    case .null:
        XCTFail("\(path): expected null, got \(value)", file: file, line: line)
    case .object(let fields):
        let children = Dictionary(mirror.children.compactMap { c in c.label.map { ($0, c.value) } }) { a, _ in a }
        for (key, want) in fields {
            guard let got = children[key] else {
                XCTFail("\(path): no property \(key) in \(type(of: value))", file: file, line: line)
                continue
            }
            assertMatches(got, want, path: "\(path).\(key)", file: file, line: line)
        }
    case .array(let items):
        let got = Array(mirror.children.map(\.value))
        guard got.count == items.count else {
            XCTFail("\(path): \(got.count) items, expected \(items.count)", file: file, line: line)
            return
        }
        for (i, (g, w)) in zip(got, items).enumerated() {
            assertMatches(g, w, path: "\(path)[\(i)]", file: file, line: line)
        }
    case .bool(let b):
        XCTAssertEqual(value as? Bool, b, path, file: file, line: line)
    case .int(let i):
        let got: Int64?
        switch value {
        case let v as Int8: got = Int64(v)
        case let v as Int16: got = Int64(v)
        case let v as Int32: got = Int64(v)
        case let v as Int64: got = v
        case let v as UInt16: got = Int64(v)
        case let v as Double: got = Int64(exactly: v)
        default: got = nil
        }
        XCTAssertEqual(got, i, "\(path) (\(type(of: value)))", file: file, line: line)
    case .double(let d):
        XCTAssertEqual(value as? Double, d, path, file: file, line: line)
    case .string(let s):
        switch value {
        case let v as String: XCTAssertEqual(v, s, path, file: file, line: line)
        case let v as ByteBuffer: XCTAssertEqual(hexString(v), s, path, file: file, line: line)
        case let v as KafkaUUID: XCTAssertEqual(v.description, s, path, file: file, line: line)
        default: XCTFail("\(path): expected \(s), got \(type(of: value))", file: file, line: line)
        }
    }
}

/// Decodes a body of `type` at `version`, for callers holding only an existential metatype.
func decodeBody<M: KafkaMessage>(_ type: M.Type, _ buffer: inout ByteBuffer, version: Int16) throws -> any KafkaMessage {
    try M(from: &buffer, version: version)
}
