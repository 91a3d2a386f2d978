// SaslHandshake (key 17), v0-1. v0 announced raw SASL tokens outside Kafka's framing, which every current client
// has replaced with SaslAuthenticate (v1): a v0 handshake is answered UNSUPPORTED_VERSION. On a listener without SASL, or once a mechanism was chosen, ILLEGAL_SASL_STATE;
// a mechanism the listener does not enable gets UNSUPPORTED_SASL_MECHANISM. Both answers list the enabled ones.
import KafkaProtocol

extension ApiHandler {
    /// SaslHandshake.
    static let saslHandshake = ApiHandler(SaslHandshakeRequest.self) { broker, request, header, context in
        broker.reply(broker.handleSaslHandshake(request, version: header.apiVersion, authentication: context.authentication), header)
    }
}

extension Broker {
    func handleSaslHandshake(
        _ request: SaslHandshakeRequest, version: Int16, authentication: ConnectionAuthentication?
    ) -> SaslHandshakeResponse {
        guard let authentication else {
            return SaslHandshakeResponse(errorCode: ErrorCode.illegalSaslState.rawValue, mechanisms: [])
        }
        let enabled = authentication.settings.enabledMechanisms
        guard version >= 1 else {
            return SaslHandshakeResponse(errorCode: ErrorCode.unsupportedVersion.rawValue, mechanisms: enabled.map(\.rawValue))
        }
        guard authentication.state == .awaitingHandshake else {
            return SaslHandshakeResponse(errorCode: ErrorCode.illegalSaslState.rawValue, mechanisms: enabled.map(\.rawValue))
        }
        guard let mechanism = enabled.first(where: { $0.rawValue == request.mechanism }) else {
            return SaslHandshakeResponse(errorCode: ErrorCode.unsupportedSaslMechanism.rawValue, mechanisms: enabled.map(\.rawValue))
        }
        authentication.move(to: .awaitingAuthenticate(mechanism))
        return SaslHandshakeResponse(errorCode: ErrorCode.none.rawValue, mechanisms: enabled.map(\.rawValue))
    }
}
