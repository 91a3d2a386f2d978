/// An error that input (a series, a configuration, a model file) can cause.
public struct ForecastError: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Kind: Sendable, Equatable {
        case seriesTooShort(needed: Int, got: Int)
        case invalidConfiguration(String)
        case unknownModel(String)
        case invalidInput(String)
        case unsupportedVersion(Int)
    }

    private let kind: Kind

    /// The series has fewer points than the model or split needs.
    public static func seriesTooShort(needed: Int, got: Int) -> ForecastError {
        ForecastError(kind: .seriesTooShort(needed: needed, got: got))
    }

    /// A configuration value is out of range.
    public static func invalidConfiguration(_ why: String) -> ForecastError {
        ForecastError(kind: .invalidConfiguration(why))
    }

    /// A model name that the catalogue does not know.
    public static func unknownModel(_ name: String) -> ForecastError {
        ForecastError(kind: .unknownModel(name))
    }

    /// Malformed input data (CSV, values).
    public static func invalidInput(_ why: String) -> ForecastError {
        ForecastError(kind: .invalidInput(why))
    }

    /// A model file written by a newer, incompatible version.
    public static func unsupportedVersion(_ version: Int) -> ForecastError {
        ForecastError(kind: .unsupportedVersion(version))
    }

    /// A human-readable explanation.
    public var description: String {
        switch kind {
        case let .seriesTooShort(needed, got): "series too short: needs at least \(needed) points, got \(got)"
        case let .invalidConfiguration(why): "invalid configuration: \(why)"
        case let .unknownModel(name): "unknown model '\(name)' (known: \(ModelCatalog.names.joined(separator: ", ")))"
        case let .invalidInput(why): "invalid input: \(why)"
        case let .unsupportedVersion(v): "unsupported model file version \(v) (this build reads up to \(ModelFile.currentVersion))"
        }
    }
}
