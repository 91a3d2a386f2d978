/// A compression or decompression that failed: corrupt input, an output over its bound, or a library error.
///
/// A struct over a private enum, so cases can be added without breaking callers.
public struct CompressionError: Error, Hashable, CustomStringConvertible, Sendable {
    private enum Kind: Hashable, Sendable {
        case corrupt(codec: CompressionCodec, reason: String)
        case tooLarge(codec: CompressionCodec, maxBytes: Int)
        case failed(codec: CompressionCodec, reason: String)
    }

    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// The compressed input is not a valid stream of `codec`.
    public static func corrupt(_ codec: CompressionCodec, _ reason: String) -> CompressionError {
        CompressionError(.corrupt(codec: codec, reason: reason))
    }

    /// Decompressing would produce more than `maxBytes` (a decompression bomb, or a bound set too low).
    public static func tooLarge(_ codec: CompressionCodec, maxBytes: Int) -> CompressionError {
        CompressionError(.tooLarge(codec: codec, maxBytes: maxBytes))
    }

    /// The library refused to work for a reason unrelated to the input (memory, bad parameters).
    public static func failed(_ codec: CompressionCodec, _ reason: String) -> CompressionError {
        CompressionError(.failed(codec: codec, reason: reason))
    }

    /// The codec whose stream failed.
    public var codec: CompressionCodec {
        switch kind {
        case .corrupt(let codec, _), .tooLarge(let codec, _), .failed(let codec, _): return codec
        }
    }

    /// True when the output bound was exceeded.
    public var isTooLarge: Bool {
        if case .tooLarge = kind { return true }
        return false
    }

    /// The bound that was exceeded, for `.tooLarge`.
    public var maxBytes: Int? {
        if case .tooLarge(_, let maxBytes) = kind { return maxBytes }
        return nil
    }

    /// True when the input was not a valid compressed stream.
    public var isCorrupt: Bool {
        if case .corrupt = kind { return true }
        return false
    }

    public var description: String {
        switch kind {
        case .corrupt(let codec, let reason): return "corrupt \(codec.name) data: \(reason)"
        case .tooLarge(let codec, let maxBytes): return "\(codec.name) data decompresses to more than \(maxBytes) bytes"
        case .failed(let codec, let reason): return "\(codec.name) failed: \(reason)"
        }
    }
}
