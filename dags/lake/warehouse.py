"""Loads a day of processed trips into Redshift through the Redshift Data API.

The load is idempotent: the day's rows are deleted and copied again, so a rerun or a backfill of
the same day never duplicates data. Statements run one after the other and each is waited for,
so a failing COPY fails the task with Redshift's own error message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from typing import Any

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
S3_URI = re.compile(r"^s3://[a-z0-9.-]+/[\w=./-]+$")


class LoadError(Exception):
    """A statement Redshift rejected or aborted."""


def load_statements(table: str, day: date, s3_uri: str, copy_role_arn: str) -> list[str]:
    # Identifiers and literals cannot be bound as parameters in COPY, so they are validated instead.
    if not IDENTIFIER.match(table):
        raise ValueError(f"table '{table}' is not a plain [schema.]name identifier")
    if not S3_URI.match(s3_uri):
        raise ValueError(f"'{s3_uri}' is not an s3:// URI of a key")
    if not ROLE_ARN.match(copy_role_arn):
        raise ValueError(f"'{copy_role_arn}' is not an IAM role ARN")
    return [
        f"""CREATE TABLE IF NOT EXISTS {table} (
    trip_date DATE NOT NULL,
    vendor_id SMALLINT,
    pickup_at TIMESTAMP NOT NULL,
    dropoff_at TIMESTAMP NOT NULL,
    duration_minutes DECIMAL(8,2),
    passenger_count SMALLINT,
    distance_miles DECIMAL(8,2),
    pickup_location_id SMALLINT,
    dropoff_location_id SMALLINT,
    payment_type SMALLINT,
    fare_amount DECIMAL(10,2),
    tip_amount DECIMAL(10,2),
    total_amount DECIMAL(10,2)
) SORTKEY (trip_date)""",
        f"DELETE FROM {table} WHERE trip_date = '{day.isoformat()}'",
        f"COPY {table} FROM '{s3_uri}' IAM_ROLE '{copy_role_arn}' FORMAT AS CSV GZIP IGNOREHEADER 1 "
        "TIMEFORMAT 'YYYY-MM-DD HH:MI:SS'",
    ]


def run_statements(
    data_api: Any,
    statements: list[str],
    *,
    workgroup: str,
    database: str,
    poll_seconds: float = 2.0,
    timeout_seconds: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[str]:
    """Runs each statement and waits for it; returns the statement ids."""
    ids = []
    deadline = clock() + timeout_seconds
    for sql in statements:
        statement_id = data_api.execute_statement(WorkgroupName=workgroup, Database=database, Sql=sql)["Id"]
        while True:
            described = data_api.describe_statement(Id=statement_id)
            status = described["Status"]
            if status == "FINISHED":
                break
            if status in ("FAILED", "ABORTED"):
                raise LoadError(f"{sql.split()[0]} {status.lower()}: {described.get('Error', 'no error message')}")
            if clock() >= deadline:
                data_api.cancel_statement(Id=statement_id)
                raise LoadError(f"{sql.split()[0]} still {status.lower()} after {timeout_seconds:.0f} s; cancelled")
            sleep(poll_seconds)
        ids.append(statement_id)
    return ids
