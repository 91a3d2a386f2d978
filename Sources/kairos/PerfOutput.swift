import Foundation

/// Where a perf run writes: `result` for the summary (stdout), `progress` for the periodic lines (stdout in text
/// mode, stderr with --json so stdout holds nothing but the JSON). Tests pass closures that collect the lines.
struct PerfOutput: Sendable {
    let result: @Sendable (String) -> Void
    let progress: @Sendable (String) -> Void

    /// Standard output and error, as the CLI uses them.
    static func standard(json: Bool) -> PerfOutput {
        let out: @Sendable (String) -> Void = { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        let err: @Sendable (String) -> Void = { line in printError(line) }
        return PerfOutput(result: out, progress: json ? err : out)
    }

    /// Encodes `value` as one line of JSON with sorted keys.
    static func jsonLine<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Monotonic nanoseconds (the same clock across the process, so a producer and a consumer can compare stamps).
func perfNowNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
