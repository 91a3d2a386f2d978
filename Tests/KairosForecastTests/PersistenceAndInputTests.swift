import XCTest
import Foundation
@testable import KairosForecast

final class PersistenceAndInputTests: XCTestCase {
    func testModelFileRoundTripsEveryModel() throws {
        var shape = Workloads.TrafficShape()
        shape.stepsPerDay = 24
        let data = Workloads.realisticTraffic(count: 24 * 20, shape: shape, seed: 4)
        var settings = ModelSettings()
        settings.seasonLengths = [24]
        settings.lstm.hiddenSize = 4
        settings.lstm.lookback = 6
        settings.lstm.training.epochs = 2
        for name in ModelCatalog.names {
            let model = try CalibratedModel.fit(name, data: data, settings: settings, quantile: 0.9)
            let file = ModelFile(series: "t", covariates: [], settings: settings, thresholds: [50, 100], trainPoints: data.count, model: model)
            let decoded = try ModelFile.decode(jsonData: try file.jsonData())
            XCTAssertEqual(decoded.model.model.name, name)
            XCTAssertEqual(decoded.model.model.forecast(data, origin: data.count, horizon: 2),
                           model.model.forecast(data, origin: data.count, horizon: 2), name)
            XCTAssertEqual(decoded.model.calibration, model.calibration, name)
        }
    }

    func testModelFileRejectsNewerVersionAndForeignJSON() throws {
        let file = ModelFile(series: "s", covariates: [], settings: ModelSettings(), thresholds: [], trainPoints: 3,
                             model: CalibratedModel(model: .naive(NaiveForecaster()),
                                                    calibration: QuantileCalibration(quantile: 0.9, mode: .additive, offsets: [1])))
        var text = String(decoding: try file.jsonData(), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 99")
        XCTAssertThrowsError(try ModelFile.decode(jsonData: Data(text.utf8))) { error in
            XCTAssertEqual(error as? ForecastError, .unsupportedVersion(99))
        }
        XCTAssertThrowsError(try ModelFile.decode(jsonData: Data("{\"a\": 1}".utf8)))
        XCTAssertThrowsError(try ModelFile.decode(jsonData: Data("not json".utf8)))
    }

    func testCSVPicksLastNumericColumnAndHonoursHeader() throws {
        let text = "time,label,calls,other\n2003-03-03 07:00,\"a,b\",12,1.5\n2003-03-03 07:05,c,15,2.5\n"
        let s = try CSVSeries.parse(text)
        XCTAssertEqual(s.target, [1.5, 2.5])
        XCTAssertEqual(try CSVSeries.parse(text, column: "calls").target, [12, 15])
        let withCovariate = try CSVSeries.parse(text, column: "other", covariateColumns: ["calls"])
        XCTAssertEqual(withCovariate.covariates, [[12, 15]])
        XCTAssertEqual(withCovariate.covariateNames, ["calls"])
        XCTAssertEqual(try CSVSeries.parse("1,10\n2,20\n3,30\n").target, [10, 20, 30], "no header")
        XCTAssertEqual(try CSVSeries.parse("1,10\r\n2,20\r\n").target, [10, 20], "CRLF")
        XCTAssertThrowsError(try CSVSeries.parse(text, column: "missing"))
        XCTAssertThrowsError(try CSVSeries.parse("a,b\n1,2\n3\n"))
        XCTAssertThrowsError(try CSVSeries.parse("a,b\nx,y\n"))
        XCTAssertThrowsError(try CSVSeries.parse(""))
        let round = try CSVSeries.parse(CSVSeries.format(Workloads.paperThreeUsers(count: 5, seed: 1)), column: "value",
                                        covariateColumns: ["user1", "user2", "user3"])
        XCTAssertEqual(round.target, Workloads.paperThreeUsers(count: 5, seed: 1).target)
    }

    func testPaperWorkloadRangesAndDeterminism() {
        let a = Workloads.paperThreeUsers(count: 2000, seed: 10)
        XCTAssertEqual(a, Workloads.paperThreeUsers(count: 2000, seed: 10))
        XCTAssertNotEqual(a, Workloads.paperThreeUsers(count: 2000, seed: 11))
        XCTAssertEqual(a.covariates[0].min(), 3); XCTAssertEqual(a.covariates[0].max(), 100)
        XCTAssertEqual(a.covariates[1].min(), 19); XCTAssertEqual(a.covariates[1].max(), 25)
        XCTAssertEqual(a.covariates[2].min(), 15); XCTAssertEqual(a.covariates[2].max(), 45)
        for t in 0..<a.count { XCTAssertEqual(a.target[t], a.covariates[0][t] + a.covariates[1][t] + a.covariates[2][t]) }
    }

    func testTrafficHasDailyAndWeeklyShape() {
        let shape = Workloads.TrafficShape()
        let data = Workloads.realisticTraffic(count: 288 * 14, shape: shape, seed: 2)
        XCTAssertTrue(data.target.allSatisfy { $0 >= 0 })
        let acf = SeasonDetection.autocorrelation(data.target, maxLag: 288 * 7)
        XCTAssertGreaterThan(acf[288], 0.6, "daily cycle")
        // Over equally long stretches, a week apart correlates more than three days apart (weekends line up).
        func pearson(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
            let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
            let cov = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) }
            let va = a.reduce(0) { $0 + ($1 - ma) * ($1 - ma) }, vb = b.reduce(0) { $0 + ($1 - mb) * ($1 - mb) }
            return cov / (va * vb).squareRoot()
        }
        let week = 288 * 7, y = data.target
        XCTAssertGreaterThan(pearson(y[0..<week], y[week..<(2 * week)]), pearson(y[0..<week], y[(288 * 3)..<(288 * 3 + week)]) + 0.05)
        let weekday = data.target[0..<(288 * 5)].reduce(0, +) / Double(288 * 5)
        let weekend = data.target[(288 * 5)..<(288 * 7)].reduce(0, +) / Double(288 * 2)
        XCTAssertLessThan(weekend, weekday * 0.85)
    }

    func testGeneratorIsDeterministicAndUniform() {
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        XCTAssertEqual((0..<10).map { _ in a.next() }, (0..<10).map { _ in b.next() })
        var g = SeededGenerator(seed: 6)
        let draws = (0..<20000).map { _ in g.nextUnit() }
        XCTAssertEqual(draws.reduce(0, +) / 20000, 0.5, accuracy: 0.01)
        XCTAssertTrue(draws.allSatisfy { $0 >= 0 && $0 < 1 })
        let normals = (0..<20000).map { _ in g.normal() }
        let mean = normals.reduce(0, +) / 20000
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20000, 1, accuracy: 0.04)
    }
}
