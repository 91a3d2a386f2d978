import ArgumentParser
import Foundation
import KairosSim

/// `kairos paper figures --out DIR`: Figures 10–20 as SVG and an HTML report with the table beside them.
struct PaperFiguresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "figures",
        abstract: "Write Figures 10-20 as SVG, the table as text and JSON, and index.html showing them together."
    )

    @OptionGroup var model: PaperModelOptions

    @Option(help: "Directory to write into (created if missing).")
    var out: String

    func run() throws {
        let model = try model.model()
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let figures = model.figures()
        for figure in figures {
            try write(figure.svg, to: directory.appendingPathComponent("\(figure.id).svg"))
        }
        let (count, formulaCount) = try PaperTableJSON.counts(model)
        try write(PaperReport.html(model: model, figures: figures, count: count, formulaCount: formulaCount),
                  to: directory.appendingPathComponent("index.html"))
        try write(PaperTableText.comparison(model.comparison())
                  + PaperTableText.counts(count, mode: model.parameters.throughputMode.name, formula: formulaCount) + "\n",
                  to: directory.appendingPathComponent("table.txt"))
        try write(try PaperJSON.encode(PaperTableJSON(model: model)) + "\n", to: directory.appendingPathComponent("table.json"))
        // The directory as given (relative stays relative): the line names no machine's absolute path.
        print("wrote \(figures.count) figures, index.html, table.txt and table.json to \(out)")
    }

    private func write(_ text: String, to url: URL) throws {
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw ValidationError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
