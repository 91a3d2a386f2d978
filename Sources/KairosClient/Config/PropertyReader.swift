/// Reads typed values out of Kafka-style string properties, remembering which keys were used so that unknown
/// keys can be reported, and throwing `invalidConfiguration` with the key's name for bad values.
struct PropertyReader {
    private let properties: [String: String]
    private(set) var usedKeys: Set<String> = []

    init(_ properties: [String: String]) {
        self.properties = properties
    }

    /// Keys present in the input that no reader asked for.
    var unknownKeys: [String] { properties.keys.filter { !usedKeys.contains($0) }.sorted() }

    mutating func string(_ key: String) -> String? {
        usedKeys.insert(key)
        return properties[key]?.trimmingCharacters(in: .whitespaces)
    }

    mutating func int(_ key: String, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let raw = string(key) else { return nil }
        guard let value = Int(raw) else {
            throw KafkaClientError.invalidConfiguration("\(key)=\(raw) is not an integer")
        }
        guard range.contains(value) else {
            throw KafkaClientError.invalidConfiguration("\(key)=\(raw) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    mutating func bool(_ key: String) throws -> Bool? {
        guard let raw = string(key) else { return nil }
        switch raw.lowercased() {
        case "true": return true
        case "false": return false
        default: throw KafkaClientError.invalidConfiguration("\(key)=\(raw) is not true or false")
        }
    }

    mutating func servers(_ key: String) throws -> [BrokerAddress]? {
        guard let raw = string(key) else { return nil }
        return try BrokerAddress.parseList(raw)
    }
}

import Foundation
