#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The content of `kairos-catalog.json`: pretty-printed JSON with sorted keys, format version 1.
///
///     {
///       "producerIdLimit" : 1000,
///       "topics" : [
///         { "config" : { "overrides" : { "retention.ms" : "3600000" } },
///           "idHigh" : 6607884981932736616, "idLow" : 10124567926763253899, "name" : "orders", "partitions" : 3 }
///       ],
///       "transactionalProducers" : [ { "epoch" : 3, "producerId" : 17, "timeoutMs" : 60000, "transactionalId" : "app-1" } ],
///       "version" : 1
///     }
///
/// Broker configs changed live are kept under an optional `"dynamicBrokerConfigs"` key (resource name -> property
/// -> value, `""` being the cluster default), written only when there are some.
/// `transactionalProducers` is written only when there is one, so a broker that never saw a transactional producer
/// writes exactly the older form.
///
/// This is byte for byte what the broker wrote before storage owned the file, so existing log directories open
/// unchanged and an older Kairos still reads what this one writes. A new kind of record gets a key of its own that
/// is optional when read (files without it hold none); a change that older readers must not ignore raises the
/// version, which they refuse.
enum MetadataFile {
    /// The format this code reads and writes.
    static let formatVersion = 1

    private struct Version: Decodable {
        var version: Int
    }

    private struct Content: Codable {
        /// Absent in files written before client quotas existed (and left out when there are none).
        var clientQuotas: [Quota]?
        /// Absent in files written before configs could change live, and when none did.
        var dynamicBrokerConfigs: [String: [String: String]]?
        var producerIdLimit: Int64
        var topics: [Topic]
        var transactionalProducers: [TransactionalProducer]?
        var version: Int
    }

    /// One client-quota record: `{ "entity" : [ { "name" : "alice", "type" : "user" } ], "values" : { ... } }`;
    /// a part without `name` is the type's default entity.
    private struct Quota: Codable {
        var entity: [QuotaPart]
        var values: [String: Double]
    }

    private struct QuotaPart: Codable {
        var name: String?
        var type: String
    }

    private struct TransactionalProducer: Codable {
        var epoch: Int16
        var producerId: Int64
        var timeoutMs: Int32
        var transactionalId: String
    }

    private struct Topic: Codable {
        var config: Config
        var idHigh: UInt64
        var idLow: UInt64
        var name: String
        var partitions: Int32
    }

    private struct Config: Codable {
        var overrides: [String: String]
    }

    /// The file's bytes for `metadata`.
    static func encode(_ metadata: BrokerMetadata) throws -> [UInt8] {
        let quotas = metadata.clientQuotas.map {
            Quota(entity: $0.entity.map { QuotaPart(name: $0.name, type: $0.type) }, values: $0.values)
        }
        let content = Content(
            clientQuotas: quotas.isEmpty ? nil : quotas,
            dynamicBrokerConfigs: metadata.dynamicBrokerConfigs.isEmpty ? nil : metadata.dynamicBrokerConfigs,
            producerIdLimit: metadata.producerIdLimit,
            topics: metadata.topics.map {
                Topic(config: Config(overrides: $0.configOverrides), idHigh: $0.idHigh, idLow: $0.idLow, name: $0.name,
                      partitions: $0.partitions)
            },
            transactionalProducers: metadata.transactionalProducers.isEmpty ? nil : metadata.transactionalProducers.map {
                TransactionalProducer(
                    epoch: $0.producerEpoch, producerId: $0.producerId, timeoutMs: $0.transactionTimeoutMs,
                    transactionalId: $0.transactionalId)
            },
            version: formatVersion)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Array(try encoder.encode(content))
    }

    /// The metadata in `bytes`, read from `path`; throws `StorageError.corruptMetadata` naming `path` and what is
    /// wrong (not JSON, a missing or mistyped key, another format version, inconsistent records).
    static func decode(_ bytes: [UInt8], path: String) throws -> BrokerMetadata {
        let data = Data(bytes)
        let decoder = JSONDecoder()
        let content: Content
        do {
            // The version first, so a file from a newer Kairos is named as such rather than as a missing key.
            let version = try decoder.decode(Version.self, from: data).version
            guard version == formatVersion else {
                throw StorageError.corruptMetadata(
                    path: path, "format version \(version); this Kairos reads version \(formatVersion)")
            }
            content = try decoder.decode(Content.self, from: data)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.corruptMetadata(path: path, describe(error))
        }
        let metadata = BrokerMetadata(
            topics: content.topics.map {
                TopicRecord(name: $0.name, idHigh: $0.idHigh, idLow: $0.idLow, partitions: $0.partitions,
                            configOverrides: $0.config.overrides)
            },
            producerIdLimit: content.producerIdLimit,
            clientQuotas: (content.clientQuotas ?? []).map {
                ClientQuotaRecord(entity: $0.entity.map { .init(type: $0.type, name: $0.name) }, values: $0.values)
            },
            dynamicBrokerConfigs: content.dynamicBrokerConfigs ?? [:],
            transactionalProducers: (content.transactionalProducers ?? []).map {
                TransactionalProducerRecord(
                    transactionalId: $0.transactionalId, producerId: $0.producerId, producerEpoch: $0.epoch,
                    transactionTimeoutMs: $0.timeoutMs)
            }
        ).canonical
        if let problem = metadata.inconsistency { throw StorageError.corruptMetadata(path: path, problem) }
        return metadata
    }

    /// A decoding error in a line: what is wrong and where ("topics[1].partitions").
    private static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func location(_ context: DecodingError.Context) -> String {
            guard !context.codingPath.isEmpty else { return "" }
            var text = ""
            for key in context.codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return " at \(text)"
        }
        switch error {
        case .dataCorrupted(let context):
            return "not readable JSON\(location(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "missing key \"\(key.stringValue)\"\(location(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong value\(location(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
