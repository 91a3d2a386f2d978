import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A set of routes the Kairos HTTP server carries: the ingest gateway, and pages and APIs added the same way.
public protocol HTTPRouteGroup: Sendable {
    /// Adds this group's routes to `router`.
    func register(on router: Router<BasicRequestContext>)
}

/// The Kairos HTTP server: Hummingbird's HTTP/1.1 server (keep-alive, pipelining) carrying any number of
/// route groups, run as a `Service` so it stops gracefully with the rest of the process.
public struct KairosHTTPServer: Service {
    /// Where to listen.
    public var host: String
    /// The port; 0 lets the system pick one (`onListening` tells which).
    public var port: Int
    /// The route groups, registered in order.
    public var routes: [any HTTPRouteGroup]
    /// Told the bound host and port once the server accepts connections.
    public var onListening: @Sendable (_ host: String, _ port: Int) -> Void
    let logger: Logger

    /// A server for `routes` on `host:port`.
    public init(host: String, port: Int, routes: [any HTTPRouteGroup], logger: Logger = Logger(label: "kairos.http"),
                onListening: @escaping @Sendable (_ host: String, _ port: Int) -> Void = { _, _ in }) {
        self.host = host
        self.port = port
        self.routes = routes
        self.logger = logger
        self.onListening = onListening
    }

    /// Serves until graceful shutdown (requests in progress finish) or cancellation.
    public func run() async throws {
        let router = Router(context: BasicRequestContext.self)
        for group in routes { group.register(on: router) }
        let host = self.host, onListening = self.onListening
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "kairos"),
            onServerRunning: { channel in
                onListening(host, channel.localAddress?.port ?? 0)
            },
            logger: logger)
        try await application.run()
    }
}

/// Builds answers with a body and a content type.
enum HTTPAnswer {
    /// An answer carrying `body` as `contentType`.
    static func body(_ status: HTTPResponse.Status, _ body: ByteBuffer, contentType: String,
                     extraHeaders: HTTPFields = [:]) -> Response {
        var headers = extraHeaders
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// REST Proxy's error answer: `{"error_code":..,"message":..}`, with `Retry-After` when the error has one.
    static func error(_ error: RestError, contentType: String) -> Response {
        var json = JSONWriter(capacity: 64 + error.message.utf8.count)
        json.raw("{\"error_code\":")
        json.number(error.errorCode)
        json.raw(",\"message\":")
        json.string(error.message)
        json.raw("}")
        var headers: HTTPFields = [:]
        if let seconds = error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        return body(HTTPResponse.Status(code: error.status), json.buffer, contentType: contentType, extraHeaders: headers)
    }
}
