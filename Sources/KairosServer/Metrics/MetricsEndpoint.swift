import KairosBroker
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A tiny HTTP server for Prometheus: `GET /metrics` answers the text exposition format; other
/// paths get 404, other methods 405. Started when `metrics.listener` is set.
final class MetricsEndpoint: Sendable {
    private let render: @Sendable () -> String
    private let logger: Logger

    init(logger: Logger, render: @escaping @Sendable () -> String) {
        self.logger = logger
        self.render = render
    }

    /// Binds `host:port` on `group`; returns the listening channel.
    func bind(host: String, port: Int, group: any EventLoopGroup) async throws -> any Channel {
        let render = self.render
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(render: render))
                }
            }
            .bind(host: host, port: port).get()
    }
}

/// Answers one HTTP/1.1 request at a time.
private final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let render: @Sendable () -> String
    private var head: HTTPRequestHead?

    init(render: @escaping @Sendable () -> String) { self.render = render }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let (status, body): (HTTPResponseStatus, String)
            if head.method != .GET && head.method != .HEAD {
                (status, body) = (.methodNotAllowed, "only GET\n")
            } else if head.uri.split(separator: "?").first != "/metrics" {
                (status, body) = (.notFound, "try /metrics\n")
            } else {
                (status, body) = (.ok, render())
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: status == .ok ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            }
            let keepAlive = head.isKeepAlive
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { loopBound.value.close(promise: nil) }
            }
        }
    }
}
