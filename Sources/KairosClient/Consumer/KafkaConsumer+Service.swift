import ServiceLifecycle

extension KafkaConsumer: Service {
    /// Runs the consumer as a swift-service-lifecycle `Service`: returns once the consumer is closed. Graceful
    /// shutdown closes it as `close()` does (an auto commit when `enable.auto.commit` is on, then it leaves the group
    /// and closes the connections it owns); cancellation closes it without the commit. Iterating `records` (or
    /// polling) from another task ends with the close; a `close()` called directly also ends `run()`.
    public nonisolated func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await self.waitUntilClosed()
            } onGracefulShutdown: {
                Task { await self.close() }
            }
        } onCancel: {
            Task { await self.close(autoCommit: false) }
        }
    }
}
