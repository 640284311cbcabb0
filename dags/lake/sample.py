"""A day of taxi-trip records in the public NYC TLC trip-record CSV layout (a subset of its columns).

The records are generated, deterministically per day, instead of downloaded: the pipeline must run in
accounts without internet egress from the cluster, and the same day always yields the same file, so
reruns are idempotent. Replace `generate_trips` with a download to use the real data set.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime, timedelta

COLUMNS = [
    "VendorID",
    "tpep_pickup_datetime",
    "tpep_dropoff_datetime",
    "passenger_count",
    "trip_distance",
    "PULocationID",
    "DOLocationID",
    "payment_type",
    "fare_amount",
    "tip_amount",
    "total_amount",
]


def generate_trips(day: date, count: int = 500) -> str:
    """CSV text with a header and `count` trips starting on `day`; a few rows are deliberately bad."""
    rng = random.Random(day.toordinal())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    start = datetime(day.year, day.month, day.day)
    for index in range(count):
        pickup = start + timedelta(seconds=rng.randrange(0, 86_400))
        minutes = rng.uniform(2, 60)
        distance = round(rng.uniform(0.3, 18.0), 2)
        fare = round(3.0 + distance * 2.5 + minutes * 0.5, 2)
        tip = round(fare * rng.choice([0, 0.1, 0.15, 0.2]), 2)
        row = [
            rng.choice([1, 2]),
            pickup.strftime("%Y-%m-%d %H:%M:%S"),
            (pickup + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S"),
            rng.randint(1, 4),
            distance,
            rng.randint(1, 263),
            rng.randint(1, 263),
            rng.choice([1, 2]),
            fare,
            tip,
            round(fare + tip + 1.0, 2),
        ]
        # Real trip records contain such rows: a zero distance and a dropoff before the pickup.
        if index % 97 == 13:
            row[4] = 0
        if index % 101 == 7:
            row[2] = (pickup - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow(row)
    return out.getvalue()
