import ServiceLifecycle

extension KafkaProducer: Service {
    /// Runs the producer as a swift-service-lifecycle `Service`: returns once the producer is closed. Graceful
    /// shutdown closes it as `close()` does (no new records, everything buffered is sent, then the connections it
    /// owns close); cancellation closes it at once, failing what is not sent yet with `closed`. Records can be sent
    /// from other tasks while it runs; a `close()` called directly also ends it.
    public func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await closeFinished.wait()
            } onGracefulShutdown: {
                Task { await self.close() }
            }
        } onCancel: {
            self.abandonClose()
            Task { await self.close(timeoutMs: 0) }
        }
    }
}
