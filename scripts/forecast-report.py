#!/usr/bin/env python3
"""Renders the JSON of `kairos forecast backtest --json` as a Markdown table.

Usage: forecast-report.py REPORT.json
"""
import json
import sys


def main() -> None:
    r = json.load(open(sys.argv[1]))
    q = round(r["quantile"] * 100)
    print(f"series `{r['series']}`: {r['trainPoints']} training points, {r['testPoints']} test origins, "
          f"seasons {r['seasons'] or 'none'}, thresholds {[round(t, 1) for t in r['thresholds']]}, "
          f"decisions from the P{q} forecast")
    print()
    print(f"| model | RMSE | MAE | sMAPE % | k accuracy % | under % | over % | extra producer-intervals % | P{q} coverage % | seconds | detail |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for m in r["models"]:
        print(f"| {m['name']} | {m['rmse']:.2f} | {m['mae']:.2f} | {m['smape']:.2f} | {100 * m['kAccuracy']:.1f} | "
              f"{100 * m['underProvisionRate']:.2f} | {100 * m['overProvisionRate']:.2f} | "
              f"{100 * m['extraProducerFraction']:.2f} | {100 * m['coverage']:.1f} | {m['seconds']:.1f} | {m.get('detail') or ''} |")
    for name, why in sorted(r.get("skipped", {}).items()):
        print(f"\nskipped {name}: {why}")
    singles = [m for m in r["models"] if m["name"] != "auto"]
    auto = next((m for m in r["models"] if m["name"] == "auto"), None)
    print(f"\nbest on test RMSE: **{r['best']}**", end="")
    if auto and singles:
        best_single = min(singles, key=lambda m: m["rmse"])
        print(f"; auto vs best single ({best_single['name']}): RMSE {auto['rmse']:.2f} vs {best_single['rmse']:.2f}"
              f" ({'not worse' if auto['rmse'] <= best_single['rmse'] else 'WORSE'})", end="")
    print()


if __name__ == "__main__":
    main()
