/// A strict JSON reader over bytes that walks a document in place: objects and arrays are visited through
/// closures, strings and integers are decoded, and any other value can be skipped (validated) or copied out in
/// compact form. The gateway reads record envelopes with it without building a tree for the records' values.
struct JSONReader {
    /// A document that is not JSON (RFC 8259), with the byte offset where reading stopped.
    struct SyntaxError: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "malformed JSON at byte \(offset): \(reason)" }
    }

    /// A well-formed document whose shape is not the expected one (a string where a number belongs...).
    struct ShapeError: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
    }

    /// The kinds of value, as found at the cursor.
    enum Kind: Equatable { case object, array, string, number, bool, null }

    /// Nesting deeper than this is refused, so a hostile body cannot exhaust the stack.
    static let depthMax = 256

    private let bytes: [UInt8]
    /// The cursor: the index of the next unread byte.
    private(set) var index: Int

    /// Reads `bytes` from the start.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.index = 0
    }

    // MARK: Structure

    /// True once only whitespace is left.
    mutating func atEnd() -> Bool {
        skipWhitespace()
        return index >= bytes.count
    }

    /// Throws unless only whitespace is left.
    mutating func expectEnd() throws {
        if !atEnd() { throw syntax("unexpected data after the end of the document") }
    }

    /// The kind of the value at the cursor (without moving past it).
    mutating func peekKind() throws -> Kind {
        skipWhitespace()
        guard index < bytes.count else { throw syntax("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw syntax("unexpected character '\(Self.printable(bytes[index]))'")
        }
    }

    /// Reads an object, calling `member` with each key; `member` must consume the member's value.
    mutating func readObject(depth: Int = 0, _ member: (String, inout JSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if depth >= Self.depthMax { throw syntax("nesting deeper than \(Self.depthMax)") }
        skipWhitespace()
        if peekByte() == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipWhitespace()
            guard peekByte() == UInt8(ascii: "\"") else { throw syntax("expected a member name in double quotes") }
            let key = try readStringUnchecked()
            try expect(UInt8(ascii: ":"))
            try member(key, &self)
            skipWhitespace()
            switch peekByte() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return
            default: throw syntax("expected ',' or '}' in an object")
            }
        }
    }

    /// Reads an array, calling `element` with each element's position; `element` must consume the element.
    mutating func readArray(depth: Int = 0, _ element: (Int, inout JSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        if depth >= Self.depthMax { throw syntax("nesting deeper than \(Self.depthMax)") }
        skipWhitespace()
        if peekByte() == UInt8(ascii: "]") { index += 1; return }
        var position = 0
        while true {
            try element(position, &self)
            position += 1
            skipWhitespace()
            switch peekByte() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return
            default: throw syntax("expected ',' or ']' in an array")
            }
        }
    }

    // MARK: Scalars

    /// Reads a string value.
    mutating func readString() throws -> String {
        skipWhitespace()
        guard peekByte() == UInt8(ascii: "\"") else { throw syntax("expected a string") }
        return try readStringUnchecked()
    }

    /// Reads `null` if it is next and returns true; otherwise leaves the cursor where it was.
    mutating func readNullIfPresent() throws -> Bool {
        guard try peekKind() == .null else { return false }
        try expectLiteral("null")
        return true
    }

    /// Reads a JSON number that must be an integer in `Int64`'s range (no fraction, no exponent).
    mutating func readInteger() throws -> Int64 {
        skipWhitespace()
        let start = index
        try scanNumber()
        let text = bytes[start..<index]
        guard !text.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }),
              let value = Int64(String(decoding: text, as: UTF8.self))
        else { throw SyntaxError(offset: start, reason: "expected an integer, found \(String(decoding: text, as: UTF8.self))") }
        return value
    }

    // MARK: Whole values

    /// Skips one value of any kind, checking that it is well formed; returns the bytes it covered.
    @discardableResult
    mutating func skipValue(depth: Int = 0) throws -> Range<Int> {
        skipWhitespace()
        let start = index
        switch try peekKind() {
        case .object: try readObject(depth: depth) { _, reader in try reader.skipValue(depth: depth + 1) }
        case .array: try readArray(depth: depth) { _, reader in try reader.skipValue(depth: depth + 1) }
        case .string: _ = try readStringUnchecked(decode: false)
        case .number: try scanNumber()
        case .bool: try expectLiteral(bytes[index] == UInt8(ascii: "t") ? "true" : "false")
        case .null: try expectLiteral("null")
        }
        return start..<index
    }

    /// Reads one value of any kind and returns it in compact form: the same text without the whitespace
    /// between tokens (strings and numbers are kept byte for byte, so nothing is re-encoded).
    mutating func readCompactValue() throws -> [UInt8] {
        let range = try skipValue()
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var inString = false
        var escaped = false
        for byte in bytes[range] {
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                out.append(byte)
            } else if !Self.isWhitespace(byte) {
                out.append(byte)
            }
        }
        return out
    }

    // MARK: Lexing

    private func peekByte() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard index < bytes.count else { throw syntax("unexpected end of input, expected '\(Self.printable(byte))'") }
        guard bytes[index] == byte else {
            throw syntax("expected '\(Self.printable(byte))', found '\(Self.printable(bytes[index]))'")
        }
        index += 1
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        let matches = literal.withUTF8Buffer { text in
            index + count <= bytes.count && zip(text, bytes[index..<index + count]).allSatisfy { $0 == $1 }
        }
        guard matches else { throw syntax("invalid literal (expected \(literal))") }
        index += count
    }

    /// number = [ minus ] int [ frac ] [ exp ], as RFC 8259 spells it.
    private mutating func scanNumber() throws {
        let start = index
        if peekByte() == UInt8(ascii: "-") { index += 1 }
        guard let first = peekByte(), Self.isDigit(first) else {
            throw SyntaxError(offset: start, reason: "expected a number")
        }
        index += 1
        if first != UInt8(ascii: "0") { while let b = peekByte(), Self.isDigit(b) { index += 1 } }
        if peekByte() == UInt8(ascii: ".") {
            index += 1
            guard let b = peekByte(), Self.isDigit(b) else { throw syntax("expected a digit after '.'") }
            while let b = peekByte(), Self.isDigit(b) { index += 1 }
        }
        if peekByte() == UInt8(ascii: "e") || peekByte() == UInt8(ascii: "E") {
            index += 1
            if peekByte() == UInt8(ascii: "+") || peekByte() == UInt8(ascii: "-") { index += 1 }
            guard let b = peekByte(), Self.isDigit(b) else { throw syntax("expected a digit in the exponent") }
            while let b = peekByte(), Self.isDigit(b) { index += 1 }
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Reads a string at the cursor (which is on its opening quote); validates escapes and control characters,
    /// and decodes it unless `decode` is false.
    private mutating func readStringUnchecked(decode: Bool = true) throws -> String {
        index += 1
        let start = index
        var hasEscapes = false
        while true {
            guard index < bytes.count else { throw SyntaxError(offset: start - 1, reason: "unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw syntax("control character in a string") }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                index += 1
                guard index < bytes.count else { throw syntax("unterminated escape") }
                switch bytes[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    guard index + 4 < bytes.count, bytes[index + 1...index + 4].allSatisfy(Self.isHexDigit) else {
                        throw syntax("invalid \\u escape")
                    }
                    index += 5
                default:
                    throw syntax("invalid escape '\\\(Self.printable(bytes[index]))'")
                }
                continue
            }
            index += 1
        }
        let end = index
        index += 1
        guard decode else { return "" }
        if !hasEscapes { return String(decoding: bytes[start..<end], as: UTF8.self) }
        return try Self.unescape(bytes[start..<end], offset: start)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }

    private static func hexValue(_ slice: ArraySlice<UInt8>) -> UInt32 {
        slice.reduce(0) { value, byte in
            let digit: UInt8 = isDigit(byte) ? byte - UInt8(ascii: "0") : (byte | 0x20) - UInt8(ascii: "a") + 10
            return value << 4 | UInt32(digit)
        }
    }

    /// Decodes the escapes of an already validated string body, pairing UTF-16 surrogates.
    private static func unescape(_ body: ArraySlice<UInt8>, offset: Int) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var i = body.startIndex
        func appendScalar(_ value: UInt32) {
            var scalar = String(Unicode.Scalar(value) ?? "\u{FFFD}")
            scalar.withUTF8 { out.append(contentsOf: $0) }
        }
        while i < body.endIndex {
            let byte = body[i]
            guard byte == UInt8(ascii: "\\") else { out.append(byte); i += 1; continue }
            let code = body[i + 1]
            i += 2
            switch code {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var value = hexValue(body[i..<i + 4])
                i += 4
                if (0xD800...0xDBFF).contains(value), i + 6 <= body.endIndex, body[i] == UInt8(ascii: "\\"),
                   body[i + 1] == UInt8(ascii: "u") {
                    let low = hexValue(body[i + 2..<i + 6])
                    if (0xDC00...0xDFFF).contains(low) {
                        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                appendScalar(value)  // a lone surrogate becomes U+FFFD, as Foundation's decoder does
            default: out.append(code)  // '"', '\\' and '/' stand for themselves
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func syntax(_ reason: String) -> SyntaxError { SyntaxError(offset: index, reason: reason) }

    private static func printable(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
    }
}
