import ArgumentParser

/// The one Kairos binary: broker, tools and autopilot as subcommands.
@main
struct Kairos: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kairos",
        abstract: "A self-managing Kafka-compatible streaming platform.",
        subcommands: KairosSubcommands.all
    )
}
