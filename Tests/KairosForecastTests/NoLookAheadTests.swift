import XCTest
@testable import KairosForecast

/// A forecast from origin t may use only the values before t: cutting the series at t must not
/// change it, for any model, for origins inside and after each model's warm-up.
final class NoLookAheadTests: XCTestCase {
    private func assertNoLookAhead(_ name: String, data: SeriesData, fitCount: Int, origins: [Int], horizon: Int = 3,
                                   settings: ModelSettings, file: StaticString = #filePath, line: UInt = #line) throws {
        var model = try ModelCatalog.make(name, settings: settings)
        try model.fit(data.prefix(fitCount))
        let lower = origins.min()!, upper = origins.max()! + 1
        let rolling = model.rollingForecasts(data, origins: lower..<upper, horizon: horizon)
        for t in origins {
            let cut = data.prefix(t)
            let alone = model.forecast(cut, origin: t, horizon: horizon)
            XCTAssertEqual(alone, model.forecast(data, origin: t, horizon: horizon), "\(name) at origin \(t)", file: file, line: line)
            XCTAssertEqual(alone, rolling[t - lower], "\(name) rolling at origin \(t)", file: file, line: line)
            // Changing everything from t on must not matter either.
            var changed = data
            for i in t..<changed.count { changed.target[i] = 1000 + Double(i) }
            XCTAssertEqual(alone, model.forecast(changed, origin: t, horizon: horizon), "\(name) at origin \(t), future changed", file: file, line: line)
        }
    }

    func testHoltWintersInitialisationDoesNotReadAheadOfTheOrigin() throws {
        let m = 12
        let data = SeriesData(target: TestSeries.seasonal(count: 200, season: m, seed: 4))
        let settings = TestSeries.quickSettings(seasons: [m])
        // Origins before, inside and after the two-season initialisation window.
        try assertNoLookAhead("hw", data: data, fitCount: 120, origins: [1, 5, m, m + 3, 2 * m - 1, 2 * m, 2 * m + 1, 60, 150, 197],
                              settings: settings)
    }

    func testNoModelReadsAheadOfTheOrigin() throws {
        let m = 12
        let data = SeriesData(target: TestSeries.bursty(count: 240, season: m, seed: 9))
        let settings = TestSeries.quickSettings(seasons: [m])
        for name in ModelCatalog.baseNames {
            try assertNoLookAhead(name, data: data, fitCount: 160, origins: [30, 100, 161, 200, 237], settings: settings)
        }
    }
}
