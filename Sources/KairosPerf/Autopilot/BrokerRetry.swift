import Logging

/// Retries a broker call that fails (broker not up yet, gone away) with doubling back-off, logging every failure,
/// until it succeeds or `timeoutMs` has passed; then throws the last error. Cancellation stops it at once.
enum BrokerRetry {
    static func retrying<T: Sendable>(_ what: String, timeoutMs: Int, logger: Logger, initialBackoffMs: Int = 100,
                                      maxBackoffMs: Int = 5_000, _ body: () async throws -> T) async throws -> T {
        let deadline = perfNowNanos() + UInt64(max(timeoutMs, 0)) * 1_000_000
        var backoffMs = initialBackoffMs
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let now = perfNowNanos()
                guard now < deadline else {
                    logger.error("\(what) failed, giving up", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                    throw error
                }
                let waitMs = min(backoffMs, Int((deadline - now) / 1_000_000) + 1)
                logger.warning("\(what) failed, retrying", metadata: [
                    "attempt": "\(attempt)", "retry_in_ms": "\(waitMs)", "error": "\(error)"])
                try await Task.sleep(nanoseconds: UInt64(waitMs) * 1_000_000)
                backoffMs = min(backoffMs * 2, maxBackoffMs)
                attempt += 1
            }
        }
    }
}
