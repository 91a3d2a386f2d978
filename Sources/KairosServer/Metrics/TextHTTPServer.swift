import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server for a few fixed GET paths, each answered by a closure called per request (so it shows
/// the latest state); other paths get 404, other methods 405. Keep-alive is honoured. `MetricsEndpoint` serves
/// through the same route handler; this type is for callers that bind and close it themselves (`kairos autopilot
/// run`'s /metrics and /scale).
public final class TextHTTPServer: Sendable {
    /// One answer: content type and body.
    public struct Response: Sendable {
        /// The Content-Type header.
        public var contentType: String
        /// The body, sent as UTF-8.
        public var body: String

        /// An answer.
        public init(contentType: String, body: String) {
            self.contentType = contentType
            self.body = body
        }
    }

    private let routes: [String: @Sendable () -> Response]
    private let channel: any Channel

    /// Binds `host:port` (port 0: any free one) and serves `routes` (path → answer).
    public init(host: String, port: Int, routes: [String: @Sendable () -> Response],
         group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws {
        self.routes = routes
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(TextRouteHandler(routes: routes))
                }
            }
            .bind(host: host, port: port).get()
    }

    /// The port bound.
    public var port: Int { channel.localAddress?.port ?? 0 }

    /// Stops listening (open connections finish their request).
    public func close() async {
        try? await channel.close()
    }
}

/// Answers each request on one connection from the route table.
final class TextRouteHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: [String: @Sendable () -> TextHTTPServer.Response]
    private var head: HTTPRequestHead?

    init(routes: [String: @Sendable () -> TextHTTPServer.Response]) { self.routes = routes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
            let status: HTTPResponseStatus
            let response: TextHTTPServer.Response
            if head.method != .GET && head.method != .HEAD {
                status = .methodNotAllowed
                response = .init(contentType: "text/plain", body: "only GET\n")
            } else if let route = routes[path] {
                status = .ok
                response = route()
            } else {
                status = .notFound
                response = .init(contentType: "text/plain", body: "not found; try " + routes.keys.sorted().joined(separator: ", ") + "\n")
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: response.contentType)
            headers.add(name: "Content-Length", value: String(response.body.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: response.body)))), promise: nil)
            }
            let keepAlive = head.isKeepAlive
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { loopBound.value.close(promise: nil) }
            }
        }
    }
}
