import KafkaProtocol
import NIOCore

/// One API the broker answers: its key, the versions it speaks (what ApiVersions advertises) and how it answers
/// a request body at one of them. Each handler file declares its own beside its code (`ApiHandler.produce` in
/// `00_Produce.swift`, ...) and `ApiHandler.all` lists them; `Broker.handle` looks requests up there.
struct ApiHandler: Sendable {
    /// The API.
    let key: ApiKey
    /// The versions answered; other versions close the connection (ApiVersions answers them with
    /// UNSUPPORTED_VERSION instead).
    let versions: ClosedRange<Int16>
    private let answerBody: @Sendable (Broker, RequestHeader, inout ByteBuffer, RequestContext) throws -> BrokerReply

    /// A handler that decodes a `Request` and makes the reply itself: one sent later (group APIs, long-polling
    /// fetches), none (acks=0), or one with zero-copy record sets. `versions` defaults to all the codec speaks.
    init<Request: KafkaRequestMessage>(
        _ request: Request.Type, versions: ClosedRange<Int16> = Request.versions,
        reply: @escaping @Sendable (Broker, Request, RequestHeader, RequestContext) -> BrokerReply
    ) {
        precondition(
            Request.versions.contains(versions.lowerBound) && Request.versions.contains(versions.upperBound),
            "\(Request.apiKey) advertises versions \(versions) its codec cannot decode")
        self.key = Request.apiKey
        self.versions = versions
        self.answerBody = { broker, header, body, context in
            reply(broker, try Request(from: &body, version: header.apiVersion), header, context)
        }
    }

    /// A handler whose answer is one response, sent at once, computed from the request and its version.
    static func responding<Request: KafkaRequestMessage>(
        to request: Request.Type, versions: ClosedRange<Int16> = Request.versions,
        _ respond: @escaping @Sendable (Broker, Request, _ version: Int16) -> Request.Response
    ) -> ApiHandler {
        ApiHandler(request, versions: versions) { broker, request, header, _ in
            broker.reply(respond(broker, request, header.apiVersion), header)
        }
    }

    /// Decodes `body` (the request after its header, at a version in `versions`) and answers it; throws when the
    /// body does not decode.
    func answer(broker: Broker, header: RequestHeader, body: inout ByteBuffer, context: RequestContext) throws -> BrokerReply {
        try answerBody(broker, header, &body, context)
    }
}

extension ApiHandler {
    /// Every API the broker answers, by key. A handler file that is not listed here is not reachable.
    static let all: [ApiHandler] = [
        .produce, .fetch, .listOffsets, .metadata, .offsetCommit, .offsetFetch, .findCoordinator, .joinGroup,
        .heartbeat, .leaveGroup, .syncGroup, .describeGroups, .listGroups, .saslHandshake, .apiVersions, .createTopics,
        .deleteTopics, .deleteRecords, .initProducerId, .addPartitionsToTxn, .addOffsetsToTxn, .endTxn, .txnOffsetCommit,
        .describeConfigs, .alterConfigs, .saslAuthenticate, .createPartitions, .deleteGroups,
        .incrementalAlterConfigs, .offsetDelete, .describeClientQuotas, .alterClientQuotas, .describeCluster,
        .describeProducers, .describeTransactions, .listTransactions, .kairosPartitionLoad,
    ]

    /// `all` by raw key; two handlers for one key is a bug caught at the first request.
    static let byKey: [Int16: ApiHandler] = Dictionary(uniqueKeysWithValues: all.map { ($0.key.rawValue, $0) })
}
