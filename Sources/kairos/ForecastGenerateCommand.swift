import ArgumentParser
import Foundation
import KairosForecast

/// `kairos forecast generate`: write a synthetic workload as CSV.
struct ForecastGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic series as CSV: the paper's three users, or realistic traffic."
    )

    @Option(help: "paper (three users, uniform 3-100, 19-25, 15-45) or traffic (seasonal, bursts, trend, noise).")
    var kind: String = "traffic"

    @Option(help: "Number of intervals.")
    var count: Int = 288 * 28

    @Option(help: "Traffic: intervals per day.")
    var stepsPerDay: Int = 288

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @Option(help: "Output file (default: standard output).")
    var out: String?

    func run() async throws {
        guard count >= 1 else { throw ValidationError("--count must be positive") }
        let data: SeriesData
        switch kind {
        case "paper": data = Workloads.paperThreeUsers(count: count, seed: seed)
        case "traffic":
            guard stepsPerDay >= 2 else { throw ValidationError("--steps-per-day must be at least 2") }
            var shape = Workloads.TrafficShape()
            shape.stepsPerDay = stepsPerDay
            data = Workloads.realisticTraffic(count: count, shape: shape, seed: seed)
        default: throw ValidationError("--kind must be paper or traffic")
        }
        let text = CSVSeries.format(data)
        if let out {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out))
        } else {
            print(text, terminator: "")
        }
    }
}
