import Foundation
import KairosClient
import KairosPerf

extension ClientOptions {
    /// The client configuration these options give; a bad property is a user error naming it.
    func clientConfig() throws -> ClientConfig {
        do {
            return try ClientConfig(properties: properties())
        } catch let error as KafkaClientError {
            throw CLIError("\(error)")
        }
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
