import Foundation

/// Progress for long runs, for a person at a terminal: lines on standard error, shown only when standard error is
/// a terminal and the command's output is not JSON (scripts that pipe or parse the output see nothing extra).
public enum TerminalProgress {
    /// True when progress should be shown: stderr is a TTY and `json` is false.
    public static func enabled(json: Bool) -> Bool { !json && isatty(STDERR_FILENO) == 1 }

    /// Writes `line` to standard error when `enabled(json:)`.
    public static func line(_ line: String, json: Bool) {
        guard enabled(json: json) else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Runs `body` while a background timer prints `status(elapsedSeconds)` every `intervalSeconds` on standard
    /// error (only when `enabled(json:)`): for synchronous work with no progress of its own to report.
    public static func ticking<T>(json: Bool, intervalSeconds: Double = 5, status: @escaping @Sendable (Double) -> String,
                                  _ body: () throws -> T) rethrows -> T {
        guard enabled(json: json) else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "kairos.progress"))
        timer.schedule(deadline: .now() + intervalSeconds, repeating: intervalSeconds)
        timer.setEventHandler {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            FileHandle.standardError.write(Data((status(elapsed) + "\n").utf8))
        }
        timer.resume()
        defer { timer.cancel() }
        return try body()
    }
}
