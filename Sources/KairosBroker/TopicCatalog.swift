import Foundation

/// The broker's durable metadata: topics (ids, partition counts, config overrides) and the next
/// producer id. Kept as one JSON file in the log directory, replaced atomically on every change,
/// so a crash leaves either the old or the new version.
struct TopicCatalog: Codable, Equatable, Sendable {
    static let fileName = "kairos-catalog.json"
    static let formatVersion = 1

    struct TopicRecord: Codable, Equatable, Sendable {
        var name: String
        var idHigh: UInt64
        var idLow: UInt64
        var partitions: Int32
        var config: TopicConfig
    }

    var version: Int = TopicCatalog.formatVersion
    var topics: [TopicRecord] = []
    /// Producer ids below this may have been handed out; a restarted broker starts here.
    var producerIdLimit: Int64 = 0

    /// Reads the catalog in `directory`; a missing file is an empty catalog.
    static func load(directory: String) throws -> TopicCatalog {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return TopicCatalog() }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let catalog = try JSONDecoder().decode(TopicCatalog.self, from: data)
        guard catalog.version == formatVersion else {
            throw CatalogError(message: "\(path) has format version \(catalog.version); this Kairos reads \(formatVersion)")
        }
        return catalog
    }

    /// Writes the catalog to a temporary file, fsyncs it, and renames it over the old one.
    func save(directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        let path = directory + "/" + TopicCatalog.fileName
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw CatalogError(message: "cannot write \(temporary)")
        }
        let fd = open(temporary, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
        guard rename(temporary, path) == 0 else {
            throw CatalogError(message: "cannot rename \(temporary) to \(path): errno \(errno)")
        }
    }
}

/// The catalog file could not be read or written.
struct CatalogError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
