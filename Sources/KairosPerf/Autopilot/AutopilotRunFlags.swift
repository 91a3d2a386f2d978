import ArgumentParser
import Foundation

/// The flags of `kairos autopilot run`.
public struct AutopilotRunFlags: ParsableArguments {
    @OptionGroup var client: ClientOptions
    @Option(help: "Comma-separated topics to watch; each is one source of the summed volume.") var topics: String
    @Option(help: "Observation interval: 10s, 500ms, 1m, or milliseconds.") var interval: String = "10s"
    @Option(help: "host:port of the HTTP endpoint serving /metrics and /scale (port 0: any free one).")
    var listen: String = "127.0.0.1:9481"
    @Option(name: .customLong("property"), help: "key=value: an autopilot.* property or a client property; repeatable.")
    var property: [String] = []
    @Option(help: "Append each decision as one JSON line to this file instead of stdout.") var decisions: String?

    public init() {}

    public func validate() throws {
        _ = try topicList()
        _ = try intervalMs()
        _ = try listenAddress()
        for pair in property { _ = try ClientOptions.split(pair) }
    }

    func topicList() throws -> [String] {
        let list = topics.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !list.isEmpty else { throw ValidationError("--topics needs at least one topic name") }
        return list
    }

    /// `--interval` in milliseconds: a number with `ms`, `s` or `m`, or a bare number of milliseconds.
    func intervalMs() throws -> Int64 {
        let text = interval.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 1), ("s", 1_000), ("m", 60_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value.isFinite, value > 0, value * factor >= 1 {
                return Int64((value * factor).rounded())
            }
            break
        }
        if let value = Int64(text), value >= 1 { return value }
        throw ValidationError("--interval '\(interval)' is not a duration such as 10s, 500ms or 1m")
    }

    func listenAddress() throws -> (host: String, port: Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65_535).contains(port), colon != listen.startIndex else {
            throw ValidationError("--listen '\(listen)' is not host:port")
        }
        return (String(listen[..<colon]), port)
    }

    /// Runs until cancelled, with decisions on stdout or in `--decisions`; `onListening` gets the bound port.
    public func run(onListening: @Sendable (Int) -> Void = { _ in }) async throws {
        let sink: @Sendable (String) -> Void
        if let decisions {
            let file = try DecisionFile(path: decisions)
            sink = { file.append($0) }
        } else {
            sink = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
        }
        try await run(sink: sink, onListening: onListening)
    }

    /// Runs until cancelled, handing each decision line to `sink`.
    func run(sink: @escaping @Sendable (String) -> Void, onListening: @Sendable (Int) -> Void = { _ in }) async throws {
        let (host, port) = try listenAddress()
        try await AutopilotWatchRun.run(AutopilotWatchOptions(
            properties: try client.properties(extra: property), topics: try topicList(), intervalMs: try intervalMs(),
            listenHost: host, listenPort: port, decisionSink: sink), onListening: onListening)
    }
}

// Only strings and numbers inside (the option wrappers hold parsed values), so a copy may cross tasks.
extension AutopilotRunFlags: @unchecked Sendable {}
