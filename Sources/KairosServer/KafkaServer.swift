import Atomics
import KairosBroker
import KairosStorage
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The Kairos broker on a TCP socket: Kafka's wire protocol over NIO, as a graceful `Service`.
///
/// `run()` binds, serves until graceful shutdown is requested (SIGINT/SIGTERM through
/// ServiceLifecycle, or `shutdown()`), then stops accepting, lets in-flight replies go out, closes
/// the connections and the logs.
public final class KafkaServer: Service, Sendable {
    /// The broker this server exposes.
    public let broker: Broker
    private let config: ServerConfig
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let connectionIds = ManagedAtomic<UInt64>(0)
    private let tracker = ConnectionTracker()
    private let boundPort = ManagedAtomic<Int>(0)
    /// The port each listener actually bound, by name.
    private let boundPorts = NIOLockedValueBox<[String: Int]>([:])
    private let stopRequested: EventLoopPromise<Void>
    /// Disk maintenance (retention, timed fsync) runs here, off the event loops that serve clients.
    private let maintenance = NIOThreadPool(numberOfThreads: 1)
    /// Request counts, latencies and load, for `metrics.listener`.
    public let metrics: ServerMetrics
    private let metricsPort = ManagedAtomic<Int>(0)

    /// Makes a server; the broker's logs are opened (and recovered) here.
    public init(config: ServerConfig, broker: Broker, logger: Logger) {
        self.config = config
        self.broker = broker
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: config.networkThreads)
        self.metrics = ServerMetrics(
            threads: config.networkThreads,
            logFlush: config.logFlushMetrics)
        self.stopRequested = group.next().makePromise(of: Void.self)
    }

    /// The port the first listener actually bound (useful with port 0), or 0 before binding.
    public var port: Int { boundPort.load(ordering: .acquiring) }

    /// The port the listener named `name` actually bound, or nil before binding (or for no such listener).
    public func port(listener name: String) -> Int? { boundPorts.withLockedValue { $0[name.uppercased()] } }

    /// The port of the metrics endpoint (0 when off or not yet bound).
    public var metricsEndpointPort: Int { metricsPort.load(ordering: .acquiring) }

    /// Open client connections.
    public var connectionCount: Int { tracker.count }

    /// Serves until graceful shutdown.
    public func run() async throws {
        let channels = try await bindAll()
        maintenance.start()
        let tasks = scheduleMaintenance()
        // The metrics endpoint is a service of its own, run beside the broker and stopped with it.
        var metricsRun: Task<Void, any Error>?
        var metricsEndpoint: MetricsEndpoint?
        if let listener = config.metricsListener {
            let endpoint = MetricsEndpoint(host: listener.host, port: listener.port, group: group, logger: logger) {
                [metrics, broker, tracker] in metrics.render(broker: broker, connections: tracker.count)
            }
            metricsRun = Task { try await endpoint.run() }
            do {
                metricsPort.store(try await endpoint.waitUntilBound(), ordering: .releasing)
            } catch {
                for task in tasks { task.cancel() }
                for channel in channels { try? await channel.close() }
                throw error
            }
            metricsEndpoint = endpoint
        }
        for listener in config.listeners {
            let advertised = broker.advertisedAddress(listener: listener.name)
            logger.info(
                "Kairos broker listening",
                metadata: [
                    "listener": "\(listener.name)", "protocol": "\(listener.securityProtocol.rawValue)",
                    "address": "\(listener.host):\(self.port(listener: listener.name) ?? listener.port)",
                    "advertised": "\(advertised.host):\(advertised.port)",
                    "log.dirs": "\(config.broker.logDir)",
                ])
            if listener.securityProtocol == .plaintext {
                // Said at start, so an open port is a choice made knowingly.
                logger.notice(
                    "listener is open: no encryption, no authentication, no ACLs",
                    metadata: ["listener": "\(listener.name)", "address": "\(listener.host)"])
            }
        }
        await withGracefulShutdownHandler {
            try? await stopRequested.futureResult.get()
        } onGracefulShutdown: {
            self.stopRequested.succeed(())
        }
        logger.info("Kairos broker shutting down")
        for task in tasks { task.cancel() }
        for channel in channels { try? await channel.close() }
        metricsEndpoint?.shutdown()
        try? await metricsRun?.value
        // Connections finish the request in hand, send what is queued, then close; a fetch still
        // waiting for data is not waited for longer than the grace period.
        broker.beginShutdown()
        let drained = tracker.drainAll(gracePeriod: .seconds(5))
        for closing in drained { try? await closing.get() }
        try? await maintenance.shutdownGracefully()
        broker.shutdown()
        try? await group.shutdownGracefully()
        logger.info("Kairos broker stopped")
    }

    /// Asks a running server to stop, as SIGTERM would.
    public func shutdown() {
        stopRequested.succeed(())
    }

    /// Binds every listener; if one cannot bind, those already bound are closed and the error thrown.
    private func bindAll() async throws -> [any Channel] {
        var channels: [any Channel] = []
        do {
            for (index, listener) in config.listeners.enumerated() {
                channels.append(try await bind(listener, isFirst: index == 0))
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        return channels
    }

    private func bind(_ listener: Listener, isFirst: Bool) async throws -> any Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 4096, initial: 65536, maximum: 1 << 20))
            .childChannelInitializer { [self] channel in
                let id = connectionIds.wrappingIncrementThenLoad(ordering: .relaxed)
                let tls = config.tlsContexts[listener.name]
                let sasl = config.saslSettings[listener.name]
                return channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder(maxFrameBytes: config.socketRequestMaxBytes)))
                    try channel.pipeline.syncOperations.addHandler(
                        ConnectionHandler(
                            broker: broker, logger: logger, connectionId: id, tracker: tracker, metrics: metrics,
                            listenerName: listener.name, copiesFileRegions: tls != nil,
                            authentication: sasl.map { ConnectionAuthentication(settings: $0) }))
                }
            }
        let channel = try await bootstrap.bind(host: listener.host, port: listener.port).get()
        let port = channel.localAddress?.port ?? listener.port
        boundPorts.withLockedValue { $0[listener.name] = port }
        // An advertised port of 0 means "whatever was bound".
        let advertisedPort = listener.advertised.port == 0 ? port : listener.advertised.port
        broker.setAdvertisedAddress(host: listener.advertised.host, port: Int32(advertisedPort), listener: listener.name)
        if isFirst {
            boundPort.store(port, ordering: .releasing)
            if config.broker.advertisedPort == 0 {
                broker.setAdvertisedAddress(host: config.broker.advertisedHost, port: Int32(port))
            }
        }
        return channel
    }

    private func scheduleMaintenance() -> [RepeatedTask] {
        let loop = group.next()
        let retentionEvery = TimeAmount.milliseconds(config.broker.retentionCheckIntervalMs)
        let retention = loop.scheduleRepeatedAsyncTask(initialDelay: retentionEvery, delay: retentionEvery) { [broker, maintenance] _ in
            maintenance.runIfActive(eventLoop: loop) { broker.applyRetention() }
        }
        let flush = loop.scheduleRepeatedAsyncTask(initialDelay: .seconds(1), delay: .seconds(1)) { [broker, maintenance] _ in
            maintenance.runIfActive(eventLoop: loop) { broker.flushDueLogs() }
        }
        let groupsTick = loop.scheduleRepeatedTask(
            initialDelay: .milliseconds(Broker.groupTickIntervalMs), delay: .milliseconds(Broker.groupTickIntervalMs)
        ) { [broker] _ in
            broker.tickGroups()
            broker.tickTransactions()
        }
        return [retention, flush, groupsTick]
    }
}
