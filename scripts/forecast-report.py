#!/usr/bin/env python3
"""Renders the JSON of `kairos forecast backtest --json` as a Markdown table.

Usage: forecast-report.py REPORT.json
"""
import json
import sys


def main() -> None:
    r = json.load(open(sys.argv[1]))
    target = r.get("underProvisionTarget")
    if target is not None:
        decisions = f"each model's quantile chosen for under-provisioning <= {100 * target:g} % on its validation tail"
    else:
        decisions = f"decisions from the P{round(r['quantile'] * 100)} forecast"
    print(f"series `{r['series']}`: {r['trainPoints']} training points, {r['testPoints']} test origins, "
          f"seasons {r['seasons'] or 'none'}, thresholds {[round(t, 1) for t in r['thresholds']]}, {decisions}")
    print()
    print("| model | RMSE | MAE | sMAPE % | k accuracy % | under % | over % | over-provisioned producer-intervals % "
          "| net extra producer-intervals % | quantile | validation under % | coverage % | seconds | detail |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for m in r["models"]:
        validation = m.get("validationUnderProvisionRate")
        validation = "" if validation is None else f"{100 * validation:.2f}" + ("" if m.get("targetMet", True) else " (not met)")
        print(f"| {m['name']} | {m['rmse']:.2f} | {m['mae']:.2f} | {m['smape']:.2f} | {100 * m['kAccuracy']:.1f} | "
              f"{100 * m['underProvisionRate']:.2f} | {100 * m['overProvisionRate']:.2f} | "
              f"{100 * m['overProvisionCost']:.2f} | {100 * m['extraProducerFraction']:.2f} | {m['quantile']:.3f} | "
              f"{validation} | {100 * m['coverage']:.1f} | {m['seconds']:.1f} | {m.get('detail') or ''} |")
    for name, why in sorted(r.get("skipped", {}).items()):
        print(f"\nskipped {name}: {why}")
    singles = [m for m in r["models"] if m["name"] != "auto"]
    auto = next((m for m in r["models"] if m["name"] == "auto"), None)
    print(f"\nbest on test RMSE: **{r['best']}**", end="")
    if auto and singles:
        best_single = min(singles, key=lambda m: m["rmse"])
        print(f"; auto vs best single ({best_single['name']}): RMSE {auto['rmse']:.2f} vs {best_single['rmse']:.2f}"
              f" ({'not worse' if auto['rmse'] <= best_single['rmse'] else 'WORSE'})", end="")
        naive = next((m for m in singles if m["name"] == "naive"), None)
        if naive:
            print(f"; auto vs naive: RMSE {auto['rmse']:.2f} vs {naive['rmse']:.2f}"
                  f" ({'not worse' if auto['rmse'] <= naive['rmse'] else 'WORSE'})", end="")
    print()


if __name__ == "__main__":
    main()
