import Foundation

/// Where a perf run writes: `result` for the summary (stdout), `progress` for the periodic lines. The CLI sends
/// progress to stderr, and only when stderr is a terminal and the summary is not JSON, so that piped output and
/// `--json` output hold nothing but the result. Tests pass closures that collect the lines.
public struct PerfOutput: Sendable {
    let result: @Sendable (String) -> Void
    let progress: @Sendable (String) -> Void

    /// An output that hands each line to `result` or `progress`.
    public init(result: @escaping @Sendable (String) -> Void, progress: @escaping @Sendable (String) -> Void) {
        self.result = result
        self.progress = progress
    }

    /// Standard output for the result; progress on standard error when it is a terminal and `json` is false.
    public static func standard(json: Bool) -> PerfOutput {
        let out: @Sendable (String) -> Void = { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        let showProgress = TerminalProgress.enabled(json: json)
        let err: @Sendable (String) -> Void = { line in
            if showProgress { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        return PerfOutput(result: out, progress: err)
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

/// User plus system CPU seconds this process has used so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
