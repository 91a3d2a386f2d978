import XCTest
@testable import KairosSim
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Figures 10–20 are well-formed SVG holding the expected series with the model's values.
final class FigureTests: XCTestCase {
    /// Collects elements and attributes while checking well-formedness.
    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var texts: [String] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            elements.append((name, attributes))
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            texts.append(string)
        }
    }

    private func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> Collector {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed: \(String(describing: parser.parserError))", file: file, line: line)
        return collector
    }

    func testAllElevenFiguresAreWellFormedSVG() throws {
        let figures = try PaperModel().figures()
        XCTAssertEqual(figures.map(\.number), Array(10...20))
        for figure in figures {
            let doc = parse(figure.svg)
            XCTAssertEqual(doc.elements.first?.name, "svg", figure.id)
            XCTAssertEqual(doc.elements.first?.attributes["xmlns"], "http://www.w3.org/2000/svg")
            XCTAssertEqual(doc.elements.first?.attributes["id"], figure.id)
            let text = doc.texts.joined()
            XCTAssertTrue(text.contains("Fig \(figure.number)."), "\(figure.id) title")
            XCTAssertTrue(text.contains("(") && text.contains(")"), "\(figure.id) axis labels carry units")
            for name in figure.seriesNames {
                XCTAssertTrue(text.contains(name), "\(figure.id) legend lists \(name)")
            }
        }
    }

    func testLoadFiguresHaveOneLinePerStrategyOverTheGrid() throws {
        let model = try PaperModel()
        let figures = model.figures()
        for number in [12, 13, 14, 15, 16, 18] {
            let doc = parse(figures[number - 10].svg)
            let lines = doc.elements.filter { $0.name == "polyline" }
            XCTAssertEqual(Set(lines.compactMap { $0.attributes["data-name"] }),
                           Set(StrategyKey.allCases.map(\.displayName)), "fig\(number)")
            for line in lines {
                XCTAssertEqual(line.attributes["points"]?.split(separator: " ").count, 151, "fig\(number) n=0...150")
            }
        }
    }

    func testFigure11DropsToZeroAtTheBuffers() throws {
        let figure = try PaperModel().figures()[1]
        let doc = parse(figure.svg)
        let lines = doc.elements.filter { $0.name == "polyline" }
        XCTAssertEqual(lines.compactMap { $0.attributes["data-name"] }, ["k = 1", "k = 2", "k = 3"])
        // The series data: k=1 is 52 kB/s up to S = 32 kB and 0 after.
        let model = try PaperModel()
        XCTAssertEqual(model.evaluate(dataKB: 32, producers: 1, partitions: 20, rule: .bufferOnly).throughputKBps, 52)
        XCTAssertEqual(model.evaluate(dataKB: 32.5, producers: 1, partitions: 20, rule: .bufferOnly).throughputKBps, 0)
    }

    func testBarFiguresCarryTheModelAndPaperValues() throws {
        let model = try PaperModel()
        let results = model.evaluateAll()
        let figures = model.figures()
        let fig19 = parse(figures[9].svg).elements.filter { $0.name == "rect" && $0.attributes["class"] == "bar" }
        XCTAssertEqual(fig19.count, 8)
        let lstmModel = fig19.first {
            $0.attributes["data-category"] == StrategyKey.lstm.displayName
                && $0.attributes["data-series"]?.hasPrefix("Kairos") == true
        }
        XCTAssertEqual(Double(lstmModel?.attributes["data-value"] ?? "") ?? -1,
                       results[.lstm]!.summary.efficiencyPct, accuracy: 1e-6)
        let fig20 = parse(figures[10].svg).elements.filter { $0.name == "rect" && $0.attributes["class"] == "bar" }
        let samplingPaper = fig20.first {
            $0.attributes["data-category"] == StrategyKey.sampling.displayName
                && $0.attributes["data-series"] == "paper (reported)"
        }
        XCTAssertEqual(Double(samplingPaper?.attributes["data-value"] ?? "") ?? -1, 71.3, accuracy: 1e-9)
        let fig17 = parse(figures[7].svg).elements.filter { $0.name == "rect" && $0.attributes["class"] == "bar" }
        XCTAssertEqual(fig17.count, 16 * 4)
        let originalAt60 = fig17.first {
            $0.attributes["data-category"] == "60" && $0.attributes["data-series"] == StrategyKey.original.displayName
        }
        XCTAssertEqual(Double(originalAt60?.attributes["data-value"] ?? ""), 0, "energy returns to zero past capacity")
    }

    func testReportIsWellFormedAndLinksEveryFigure() throws {
        let model = try PaperModel()
        let figures = model.figures()
        let html = PaperReport.html(model: model, figures: figures, count: ReproducedCount(model.comparison()), formulaCount: nil)
        for figure in figures {
            XCTAssertTrue(html.contains("src=\"\(figure.id).svg\""))
        }
        XCTAssertTrue(html.contains("80.32"))
        XCTAssertTrue(html.contains("§7.6"))
    }

    func testEscapingAndFormatting() {
        XCTAssertEqual(escapeXML("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;")
        XCTAssertEqual(formatNumber(1.2345, decimals: 2), "1.23")
        XCTAssertEqual(formatNumber(-0.004, decimals: 2), "0.00")
        XCTAssertEqual(formatNumber(-2.5, decimals: 1), "-2.5")
        XCTAssertEqual(formatNumber(40, decimals: 4, trimZeros: true), "40")
        XCTAssertEqual(niceTicks(upTo: 151), [0, 50, 100, 150, 200])
        XCTAssertEqual(niceTicks(upTo: 38.4), [0, 10, 20, 30, 40])
    }
}
