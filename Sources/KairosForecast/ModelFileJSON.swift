import Foundation

// JSON encoding of model files, kept apart from the model code so that stays free of Foundation.

extension ModelFile {
    /// Pretty-printed, key-sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Decodes and validates a model file.
    public static func decode(jsonData: Data) throws -> ModelFile {
        // Read the header first, so a newer file reports its version rather than a key error.
        struct Header: Decodable { var format: String?; var version: Int? }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: jsonData)
        } catch {
            throw ForecastError.invalidInput("model file is not valid JSON: \(error)")
        }
        guard header.format == formatName else { throw ForecastError.invalidInput("not a Kairos forecast model file") }
        if let version = header.version, version > currentVersion { throw ForecastError.unsupportedVersion(version) }
        let file: ModelFile
        do {
            file = try JSONDecoder().decode(ModelFile.self, from: jsonData)
        } catch {
            throw ForecastError.invalidInput("model file is malformed: \(error)")
        }
        try file.validate()
        return file
    }
}
