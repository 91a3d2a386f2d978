import Foundation
import Hummingbird
import KairosClient
import NIOCore

/// The ingest gateway's HTTP face, REST Proxy compatible:
/// - `POST /topics/{topic}` (v2, JSON and binary embedded formats) and `GET /topics`;
/// - `POST /v3/clusters/{cluster_id}/topics/{topic}/records` (v3), `GET /v3/clusters[/{cluster_id}]`;
/// - `GET /v1/sources`: records and bytes per source per interval (`SourceVolumes` as JSON).
/// The source of a record is the `X-Kairos-Source` header, else the topic.
public struct GatewayRoutes: HTTPRouteGroup {
    /// The header that names a request's source (matched without regard to case, as HTTP field names are).
    public static let sourceHeader = "X-Kairos-Source"

    /// The gateway the routes serve.
    public let gateway: IngestGateway

    /// Routes for `gateway`.
    public init(gateway: IngestGateway) {
        self.gateway = gateway
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.post("/topics/:topic") { request, context in await produceV2(request, topic: Self.topic(context)) }
        router.get("/topics") { _, _ in await listTopics() }
        router.post("/v3/clusters/:cluster_id/topics/:topic/records") { request, context in
            await produceV3(request, clusterId: context.parameters.get("cluster_id") ?? "", topic: Self.topic(context))
        }
        router.get("/v3/clusters") { _, _ in await clusters(only: nil) }
        router.get("/v3/clusters/:cluster_id") { _, context in await clusters(only: context.parameters.get("cluster_id")) }
        router.get("/v1/sources") { _, _ in sources() }
    }

    // MARK: v2

    private func produceV2(_ request: Request, topic: String) async -> Response {
        let contentType = RestProxyV2.responseContentType
        guard let format = RestProxyV2.format(contentType: request.headers[.contentType]) else {
            return HTTPAnswer.error(.unsupportedMediaType(request.headers[.contentType],
                                                          expected: RestProxyV2.acceptedContentTypes),
                                    contentType: contentType)
        }
        do {
            let body = try await collectBody(request)
            let records = try RestProxyV2.parse(body, format: format, topic: topic)
            let reports = try await gateway.produce(topic: topic, source: Self.source(of: request, topic: topic), records: records)
            if let failure = wholeRequestFailure(reports, topic: topic, retryAfterSeconds: gateway.settings.retryAfterSeconds) {
                return HTTPAnswer.error(failure, contentType: contentType)
            }
            return HTTPAnswer.body(.ok, RestProxyV2.render(reports), contentType: contentType)
        } catch {
            return HTTPAnswer.error(restError(from: error), contentType: contentType)
        }
    }

    private func listTopics() async -> Response {
        let contentType = RestProxyV2.responseContentType
        do {
            let names = try await gateway.topicNames()
            var json = JSONWriter(capacity: 16 + names.count * 32)
            json.raw("[")
            for (index, name) in names.enumerated() {
                if index > 0 { json.raw(",") }
                json.string(name)
            }
            json.raw("]")
            return HTTPAnswer.body(.ok, json.buffer, contentType: contentType)
        } catch {
            return HTTPAnswer.error(restError(from: error), contentType: contentType)
        }
    }

    // MARK: v3

    private func produceV3(_ request: Request, clusterId: String, topic: String) async -> Response {
        let contentType = RestProxyV3.contentType
        guard RestProxyV3.accepts(contentType: request.headers[.contentType]) else {
            return HTTPAnswer.error(.unsupportedMediaType(request.headers[.contentType], expected: [contentType]),
                                    contentType: contentType)
        }
        do {
            let actualId = try await gateway.clusterId()
            guard actualId == clusterId else { throw RestError.clusterNotFound(clusterId) }
            let body = try await collectBody(request)
            let entries = try RestProxyV3.parse(body, topic: topic)
            let reports = try await gateway.produce(topic: topic, source: Self.source(of: request, topic: topic),
                                                    records: entries.map(\.record))
            if let failure = wholeRequestFailure(reports, topic: topic, retryAfterSeconds: gateway.settings.retryAfterSeconds) {
                return HTTPAnswer.error(failure, contentType: contentType)
            }
            return HTTPAnswer.body(.ok, RestProxyV3.render(entries, reports, clusterId: clusterId, topic: topic),
                                   contentType: contentType)
        } catch {
            return HTTPAnswer.error(restError(from: error), contentType: contentType)
        }
    }

    private func clusters(only wanted: String?) async -> Response {
        let contentType = RestProxyV3.contentType
        do {
            let id = try await gateway.clusterId()
            if let wanted, wanted != id { throw RestError.clusterNotFound(wanted) }
            var json = JSONWriter()
            func cluster(_ json: inout JSONWriter) {
                json.raw("{\"kind\":\"KafkaCluster\",\"metadata\":{\"self\":")
                json.string("/v3/clusters/\(id)")
                json.raw(",\"resource_name\":")
                json.string("crn:///kafka=\(id)")
                json.raw("},\"cluster_id\":")
                json.string(id)
                json.raw("}")
            }
            if wanted != nil {
                cluster(&json)
            } else {
                json.raw("{\"kind\":\"KafkaClusterList\",\"metadata\":{\"self\":\"/v3/clusters\",\"next\":null},\"data\":[")
                cluster(&json)
                json.raw("]}")
            }
            return HTTPAnswer.body(.ok, json.buffer, contentType: contentType)
        } catch {
            return HTTPAnswer.error(restError(from: error), contentType: contentType)
        }
    }

    // MARK: Sources

    private func sources() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let data = try encoder.encode(gateway.volumes.snapshot())
            return HTTPAnswer.body(.ok, ByteBuffer(bytes: data), contentType: "application/json")
        } catch {
            return HTTPAnswer.error(.kafka("cannot encode the source volumes: \(error)"), contentType: "application/json")
        }
    }

    // MARK: Parts of a request

    /// The body, up to `requestBytesMax` (413 beyond).
    private func collectBody(_ request: Request) async throws -> [UInt8] {
        var request = request
        let limit = gateway.settings.requestBytesMax
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw RestError.tooLarge("The request body is larger than \(limit) bytes")
        }
    }

    private static func topic(_ context: BasicRequestContext) -> String {
        let raw = context.parameters.get("topic") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    private static func source(of request: Request, topic: String) -> String {
        let canonical = sourceHeader.lowercased()
        for field in request.headers where field.name.canonicalName == canonical {
            let value = field.value.trimmingCharacters(in: .whitespaces)
            if !value.isEmpty { return value }
        }
        return topic
    }
}
