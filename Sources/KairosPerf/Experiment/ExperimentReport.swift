import Foundation

/// Writes an experiment's `results.json` and `report.html` into its directory, each first under a temporary name
/// and renamed only when both are written, so that an interrupted run leaves no report that looks complete.
enum ExperimentReport {
    /// The HTML page: the run's settings and one table row per strategy.
    static func html(_ r: ExperimentResults) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        func num(_ v: Double?, _ digits: Int = 2) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "n/a" }
        let header = ["strategy", "P", "throughput (rec/s)", "p50 (ms)", "p99 (ms)", "buffer exhausted", "acked",
                      "consumed", "lost", "producer-s", "oracle producer-s", "under-prov. intervals", "intervals",
                      "energy (J)", "efficiency W (kB/J)", "waste (%)"]
        let rows = r.strategies.map { s in
            [s.strategy, "\(s.partitions)", num(s.throughput, 1), num(s.latencyP50Ms), num(s.latencyP99Ms),
             "\(s.bufferExhausted)", "\(s.recordsAcked)", "\(s.recordsConsumed)", "\(s.recordsLost)",
             num(s.producerSeconds, 1), num(s.oracleProducerSeconds, 1), "\(s.underProvisionedIntervals)",
             "\(s.intervals)", num(s.energyJ, 0), num(s.efficiency, 4), num(100 * s.waste, 1)]
        }
        let table = "<tr>" + header.map { "<th>\(esc($0))</th>" }.joined() + "</tr>\n"
            + rows.map { "<tr>" + $0.map { "<td>\(esc($0))</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>Kairos experiment: \(esc(r.workload))</title>
            <style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:3px 6px;text-align:right}</style>
            </head><body>
            <h1>Kairos experiment: \(esc(r.workload))</h1>
            <p>\(r.intervals) intervals of \(r.intervalMs) ms per strategy; peak load \(num(r.peakLoad, 0)) records per interval;
            one producer's capacity \(num(r.capacityRecordsPerInterval, 1)) records per interval (\(num(r.capacityRecordsPerSec, 1)) records/s),
            enforced by \(esc(r.capacityEnforcement)); \(r.recordSizeBytes)-byte records; \(r.embeddedBroker ? "embedded broker" : "external broker")\(r.quick ? "; quick mode" : "").</p>
            <table id="strategies">
            \(table)
            </table>
            <h2>Not yet in this report</h2>
            <ul>
            \(r.notes.map { "<li>\(esc($0))</li>" }.joined(separator: "\n"))
            </ul>
            </body></html>

            """
    }

    /// Writes both files into `directory` (created if missing); on any error, no final-named file is left new.
    static func write(_ results: ExperimentResults, to directory: String) throws {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw PerfError("--out \(directory): cannot create the directory: \((error as NSError).localizedDescription)")
        }
        let json = try PerfOutput.jsonLine(results) + "\n"
        let files = [("results.json", json), ("report.html", html(results))]
        let suffix = ".partial-\(UInt64.random(in: 0...UInt64.max))"
        var temporary: [String] = []
        do {
            for (name, text) in files {
                let path = (directory as NSString).appendingPathComponent(name + suffix)
                try text.write(toFile: path, atomically: false, encoding: .utf8)
                temporary.append(path)
            }
            for (index, (name, _)) in files.enumerated() {
                let final = (directory as NSString).appendingPathComponent(name)
                if fm.fileExists(atPath: final) { try fm.removeItem(atPath: final) }
                try fm.moveItem(atPath: temporary[index], toPath: final)
            }
        } catch {
            for path in temporary { try? fm.removeItem(atPath: path) }
            throw PerfError("--out \(directory): cannot write the report: \((error as NSError).localizedDescription)")
        }
    }
}
