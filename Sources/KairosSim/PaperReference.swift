/// The numbers the paper reports (§2.3, §2.4, abstract), and the inconsistencies docs/paper-model.md §7 documents.
public enum PaperReference {
    /// The paper's reported aggregates per strategy, in the shape of `StrategySummary`.
    ///
    /// The kB/J maxima are swap-corrected: the paper prints 1.23 for IPOOA and 1.476 for sampling, but its own
    /// formulas and the Fig 15 text put 1.476 on IPOOA (docs/paper-model.md §7.8). Waste 0 for original and IPOOA is the Fig 20
    /// text ("no resource waste").
    public static let summaries: [StrategyKey: StrategySummary] = [
        .original: StrategySummary(capacityTx: 52, maxThroughputKBps: 52, maxKBPerJoule: 1.28, avgEnergyJ: 65,
                                   maxUsagePerJoule: 1.538, efficiencyPct: 27.7, wastePct: 0),
        .ipooa: StrategySummary(capacityTx: 60, maxThroughputKBps: 65, maxKBPerJoule: 1.476, avgEnergyJ: 65,
                                maxUsagePerJoule: 1.538, efficiencyPct: 39.96, wastePct: 0),
        .sampling: StrategySummary(capacityTx: 150, maxThroughputKBps: 151, maxKBPerJoule: 1.23, avgEnergyJ: 195,
                                   maxUsagePerJoule: 0.497, efficiencyPct: 77.4, wastePct: 71.3),
        .lstm: StrategySummary(capacityTx: 150, maxThroughputKBps: 151, maxKBPerJoule: 1.23, avgEnergyJ: 130,
                               maxUsagePerJoule: 1.453, efficiencyPct: 80.32, wastePct: 6.66),
    ]

    /// Average throughputs §2.3 reports for k = 1, 2, 3 producers at P = 20, in kB/s.
    public static let averageThroughputKBps: [Int: Double] = [1: 52, 2: 108, 3: 151]

    /// Efficiency gains of the LSTM method, in percentage points, as the abstract and §2.4 should read.
    public static let efficiencyGainPp: [StrategyKey: Double] = [.original: 52.62, .ipooa: 40.36, .sampling: 2.92]

    /// The known inconsistencies of the paper (docs/paper-model.md §7), by section number.
    public static let inconsistencies: [Int: String] = [
        1: "Throughput: the formula gives 2.5 kB/s per producer per partition; the reported 52/108/151/65 kB/s "
            + "are 2.60/2.70/2.517/2.60. No single Vmax, c or P fits all four, hence the calibrated mode.",
        2: "Crash rule: eq 8 says down when S > kM (original capacity 20 tx); §2.3 uses S > kM + T (52 tx).",
        3: "Usage maximum 1.538 = 100 %/65 J needs usage exactly 100 % at capacity (T1 = 51.2 or IPOOA T = 64), "
            + "but the efficiencies need T1 in [51.84, 52.03) and T = 64.94.",
        4: "LSTM usage maximum 1.453 needs T1 = 51.0 (n = 49) or 52.7 (n -> 50-); neither is 52.",
        5: "Sampling usage maximum 0.497 needs T3 = 151.6, while 77.4 % needs T3 <= 151.03.",
        6: "LSTM efficiency 80.32 % as a 3-regime mean with T1 = 52, T3 = 151 needs T2 = 108.58, not 108.",
        7: "Waste 71.3 % needs C2 = 107.0 tx; 6.66 % needs C1 = 53, which contradicts the capacity of 52.",
        8: "Arithmetic: 80.32 - 27.7 = 52.62 (§2.4 prints 56.62); 80.32 - 39.96 = 40.36 (§2.4 prints 40.63); "
            + "efficiency is cited as Fig 17 but is Fig 19.",
        9: "Equations: eq 5 double-counts k (eq 8 drops it); eq 25 prints x for +; eq 31 lacks the square.",
        10: "Data set: member ranges 3-100, 19-25, 15-45 sum to 37-170, the text says 1-100, the axis is 0-150.",
    ]
}
