"""S3 keys of the two zones, and moving objects between them with a boto3 S3 client."""

from __future__ import annotations

from datetime import date
from typing import Any


def raw_key(day: date) -> str:
    return f"trips/date={day.isoformat()}/trips.csv"


def processed_key(day: date) -> str:
    return f"trips/date={day.isoformat()}/trips.csv.gz"


def put_text(s3: Any, bucket: str, key: str, text: str) -> str:
    s3.put_object(Bucket=bucket, Key=key, Body=text.encode(), ContentType="text/csv")
    return f"s3://{bucket}/{key}"


def put_bytes(s3: Any, bucket: str, key: str, body: bytes, content_type: str) -> str:
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, ContentEncoding="gzip")
    return f"s3://{bucket}/{key}"


def get_text(s3: Any, bucket: str, key: str) -> str:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
