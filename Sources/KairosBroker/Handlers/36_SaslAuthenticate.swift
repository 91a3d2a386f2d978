// SaslAuthenticate (key 36), v0-2: one SASL token each way. Before a SaslHandshake, or outside a SASL listener,
// ILLEGAL_SASL_STATE. Refused credentials get SASL_AUTHENTICATION_FAILED and are logged with the user name and the
// peer, never the password; the connection then answers nothing more (the next request closes it).
import KafkaProtocol
import NIOCore

extension ApiHandler {
    /// SaslAuthenticate.
    static let saslAuthenticate = ApiHandler(SaslAuthenticateRequest.self) { broker, request, header, context in
        broker.reply(broker.handleSaslAuthenticate(request, context: context), header)
    }
}

extension Broker {
    func handleSaslAuthenticate(_ request: SaslAuthenticateRequest, context: RequestContext) -> SaslAuthenticateResponse {
        guard let authentication = context.authentication,
              case .awaitingAuthenticate(let mechanism) = authentication.state
        else {
            return SaslAuthenticateResponse(
                errorCode: ErrorCode.illegalSaslState.rawValue, errorMessage: "SaslAuthenticate without a SaslHandshake",
                authBytes: ByteBuffer())
        }
        var bytes = request.authBytes
        let message = bytes.readBytes(length: bytes.readableBytes) ?? []
        switch mechanism {
        case .plain:
            switch PlainMechanism.check(message, users: authentication.settings.plainUsers) {
            case .authenticated(let user):
                authentication.move(to: .authenticated(principal: "User:\(user)"))
                logger.info("SASL authenticated", metadata: ["peer": "\(context.peer)", "mechanism": "PLAIN", "user": "\(user)"])
                return SaslAuthenticateResponse(errorCode: 0, errorMessage: nil, authBytes: ByteBuffer())
            case .refused(let user, let reason):
                authentication.move(to: .failed)
                logger.warning(
                    "SASL authentication failed",
                    metadata: ["peer": "\(context.peer)", "mechanism": "PLAIN", "user": "\(user ?? "?")", "reason": "\(reason)"])
                return SaslAuthenticateResponse(
                    errorCode: ErrorCode.saslAuthenticationFailed.rawValue,
                    errorMessage: "Authentication failed: invalid username or password", authBytes: ByteBuffer())
            }
        }
    }
}
