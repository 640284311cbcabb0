"""Raw trip CSV → the processed layout the warehouse table has (gzip CSV with a header)."""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from datetime import date, datetime

PROCESSED_COLUMNS = [
    "trip_date",
    "vendor_id",
    "pickup_at",
    "dropoff_at",
    "duration_minutes",
    "passenger_count",
    "distance_miles",
    "pickup_location_id",
    "dropoff_location_id",
    "payment_type",
    "fare_amount",
    "tip_amount",
    "total_amount",
]

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class TransformResult:
    body: bytes
    kept: int
    rejected: int


def transform_trips(raw_csv: str, day: date) -> TransformResult:
    """Keeps trips that start on `day`, have a positive distance and end after they start."""
    reader = csv.DictReader(io.StringIO(raw_csv))
    missing = {"tpep_pickup_datetime", "tpep_dropoff_datetime", "trip_distance"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"raw file lacks columns {sorted(missing)}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PROCESSED_COLUMNS)
    kept = rejected = 0
    for row in reader:
        try:
            pickup = datetime.strptime(row["tpep_pickup_datetime"], TIME_FORMAT)
            dropoff = datetime.strptime(row["tpep_dropoff_datetime"], TIME_FORMAT)
            distance = float(row["trip_distance"])
        except (TypeError, ValueError):
            rejected += 1
            continue
        if pickup.date() != day or dropoff <= pickup or distance <= 0:
            rejected += 1
            continue
        writer.writerow(
            [
                day.isoformat(),
                row["VendorID"],
                pickup.strftime(TIME_FORMAT),
                dropoff.strftime(TIME_FORMAT),
                round((dropoff - pickup).total_seconds() / 60, 2),
                row["passenger_count"],
                distance,
                row["PULocationID"],
                row["DOLocationID"],
                row["payment_type"],
                row["fare_amount"],
                row["tip_amount"],
                row["total_amount"],
            ]
        )
        kept += 1
    # mtime=0: the same input gives byte-identical output, so a rerun writes the same object.
    return TransformResult(body=gzip.compress(out.getvalue().encode(), mtime=0), kept=kept, rejected=rejected)
