/// A point in time as the caller's clock gives it, in milliseconds from an origin the caller
/// chooses (a live loop uses its monotonic clock, a test or a replay a virtual one). The
/// autopilot never reads a clock itself; only differences between instants matter.
public struct ControlInstant: Sendable, Hashable, Comparable, Codable {
    /// Milliseconds since the caller's origin.
    public var milliseconds: Int64

    /// An instant `milliseconds` after the caller's origin.
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// An instant `milliseconds` after the caller's origin.
    public static func milliseconds(_ milliseconds: Int64) -> ControlInstant {
        ControlInstant(milliseconds: milliseconds)
    }

    /// Milliseconds from `earlier` to this instant (negative if `earlier` is later).
    public func millisecondsSince(_ earlier: ControlInstant) -> Int64 {
        milliseconds - earlier.milliseconds
    }

    /// Orders by time.
    public static func < (lhs: ControlInstant, rhs: ControlInstant) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }

    /// Encodes as a bare number of milliseconds.
    public init(from decoder: any Decoder) throws {
        milliseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    /// Encodes as a bare number of milliseconds.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(milliseconds)
    }
}
