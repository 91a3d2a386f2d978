/// Reads Java `.properties` text, as Kafka's `server.properties` is written.
///
/// Supported: `key=value`, `key:value` and `key value`; `#` and `!` comments; a trailing backslash
/// continues a line; `\t`, `\n`, `\r`, `\\`, `\=`, `\:`, `\ ` and `\uXXXX` escapes. Later keys win.
public enum PropertiesFile {
    /// Parses properties text; throws with the line number on a malformed escape.
    public static func parse(_ text: String) throws -> [String: String] {
        var result: [String: String] = [:]
        var logical = ""
        var startLine = 0
        var lineNumber = 0
        var continuing = false
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if continuing {
                line = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
            } else {
                line = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
                if line.isEmpty || line.first == "#" || line.first == "!" { continue }
                startLine = lineNumber
                logical = ""
            }
            // An odd number of trailing backslashes continues the line.
            let trailing = line.reversed().prefix { $0 == "\\" }.count
            if trailing % 2 == 1 {
                logical += line.dropLast()
                continuing = true
                continue
            }
            logical += line
            continuing = false
            let (key, value) = try split(logical, line: startLine)
            result[key] = value
        }
        if continuing {
            let (key, value) = try split(logical, line: startLine)
            result[key] = value
        }
        return result
    }

    private static func split(_ line: String, line number: Int) throws -> (String, String) {
        var key = ""
        var chars = Array(line)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                let (decoded, next) = try unescape(chars, at: i, line: number)
                key.append(decoded)
                i = next
                continue
            }
            if c == "=" || c == ":" || c == " " || c == "\t" { break }
            key.append(c)
            i += 1
        }
        // Skip spaces, then at most one separator, then spaces.
        while i < chars.count && (chars[i] == " " || chars[i] == "\t") { i += 1 }
        if i < chars.count && (chars[i] == "=" || chars[i] == ":") { i += 1 }
        while i < chars.count && (chars[i] == " " || chars[i] == "\t") { i += 1 }
        var value = ""
        chars = Array(chars[i...])
        i = 0
        while i < chars.count {
            if chars[i] == "\\" {
                let (decoded, next) = try unescape(chars, at: i, line: number)
                value.append(decoded)
                i = next
            } else {
                value.append(chars[i])
                i += 1
            }
        }
        return (key, value)
    }

    private static func unescape(_ chars: [Character], at i: Int, line: Int) throws -> (Character, Int) {
        guard i + 1 < chars.count else { return ("\\", i + 1) }
        switch chars[i + 1] {
        case "t": return ("\t", i + 2)
        case "n": return ("\n", i + 2)
        case "r": return ("\r", i + 2)
        case "f": return ("\u{0C}", i + 2)
        case "u":
            guard i + 6 <= chars.count, let code = UInt32(String(chars[(i + 2)..<(i + 6)]), radix: 16),
                  let scalar = Unicode.Scalar(code)
            else { throw PropertiesError(line: line, reason: "malformed \\uXXXX escape") }
            return (Character(scalar), i + 6)
        default: return (chars[i + 1], i + 2)
        }
    }
}

/// A properties file that cannot be read.
public struct PropertiesError: Error, CustomStringConvertible, Sendable {
    /// 1-based line number.
    public var line: Int
    /// What is wrong.
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}
