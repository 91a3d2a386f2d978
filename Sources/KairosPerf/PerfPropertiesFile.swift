import Foundation
import KairosServer

/// Reads a client properties file given to a perf tool (`--producer.config`, `--consumer.config`), in the Java
/// `.properties` format Kafka's tools read.
enum PerfPropertiesFile {
    /// The properties in the file at `path` (none when `path` is nil); `flag` names the option in errors.
    static func read(_ path: String?, flag: String) throws -> [String: String] {
        guard let path else { return [:] }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PerfError("cannot read \(flag) \(path)")
        }
        do {
            return try PropertiesFile.parse(text)
        } catch {
            throw PerfError("\(flag) \(path): \(error)")
        }
    }
}
