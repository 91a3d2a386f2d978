import KairosBroker
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// A tiny HTTP server for Prometheus, as a swift-service-lifecycle `Service`: `GET /metrics` answers the text
/// exposition format; other paths get 404, other methods 405. `run()` binds, serves until graceful shutdown (or
/// `shutdown()`), then stops listening. The broker runs one when `metrics.listener` is set; anything else that can
/// render its metrics as text can run one in its own service group.
public final class MetricsEndpoint: Service, Sendable {
    private struct State {
        var port = 0
        var bindError: (any Error)?
        var bound = false
        var stopRequested = false
        var boundWaiters: [CheckedContinuation<Int, any Error>] = []
        var stopWaiter: CheckedContinuation<Void, Never>?
    }

    private let host: String
    private let requestedPort: Int
    private let group: any EventLoopGroup
    private let render: @Sendable () -> String
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    /// An endpoint for `host:port` (port 0 picks a free one) on `group`, answering with what `render` returns.
    public init(host: String, port: Int, group: any EventLoopGroup, logger: Logger,
                render: @escaping @Sendable () -> String) {
        self.host = host
        self.requestedPort = port
        self.group = group
        self.logger = logger
        self.render = render
    }

    /// The port bound, 0 before binding.
    public var port: Int { state.withLockedValue { $0.port } }

    /// Binds and serves until graceful shutdown or `shutdown()`; throws when it cannot bind.
    public func run() async throws {
        let channel: any Channel
        do {
            channel = try await bind()
        } catch {
            bound(.failure(error))
            throw error
        }
        let port = channel.localAddress?.port ?? requestedPort
        bound(.success(port))
        logger.info("metrics endpoint listening", metadata: ["address": "http://\(host):\(port)/metrics"])
        await withGracefulShutdownHandler {
            await waitForStop()
        } onGracefulShutdown: {
            self.shutdown()
        }
        try? await channel.close()
    }

    /// Returns the bound port once `run()` has bound, or throws its bind error.
    public func waitUntilBound() async throws -> Int {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
            let outcome: Result<Int, any Error>? = state.withLockedValue { state in
                if let error = state.bindError { return .failure(error) }
                if state.bound { return .success(state.port) }
                state.boundWaiters.append(continuation)
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    /// Asks a running endpoint to stop listening (as graceful shutdown does); before `run()`, it stops at once.
    public func shutdown() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLockedValue { state in
            state.stopRequested = true
            defer { state.stopWaiter = nil }
            return state.stopWaiter
        }
        waiter?.resume()
    }

    private func waitForStop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let stopped: Bool = state.withLockedValue { state in
                if state.stopRequested { return true }
                state.stopWaiter = continuation
                return false
            }
            if stopped { continuation.resume() }
        }
    }

    private func bound(_ result: Result<Int, any Error>) {
        let waiters: [CheckedContinuation<Int, any Error>] = state.withLockedValue { state in
            switch result {
            case .success(let port):
                state.port = port
                state.bound = true
            case .failure(let error):
                state.bindError = error
            }
            defer { state.boundWaiters = [] }
            return state.boundWaiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    private func bind() async throws -> any Channel {
        let render = self.render
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(TextRouteHandler(routes: [
                        "/metrics": { TextHTTPServer.Response(contentType: "text/plain; version=0.0.4; charset=utf-8", body: render()) },
                    ]))
                }
            }
            .bind(host: host, port: requestedPort).get()
    }
}
