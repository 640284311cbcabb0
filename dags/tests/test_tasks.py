"""The task functions against moto: S3 for both zones, the Redshift Data API for the load."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date

import boto3
import pytest
from lake.sample import COLUMNS, generate_trips
from lake.storage import get_text, processed_key, put_bytes, put_text, raw_key
from lake.transform import PROCESSED_COLUMNS, transform_trips
from lake.warehouse import LoadError, load_statements, run_statements

DAY = date(2026, 3, 14)
ROLE = "arn:aws:iam::123456789012:role/warehouse-copy"


def test_sample_is_deterministic_per_day_and_in_trip_record_layout():
    first, again, other = generate_trips(DAY), generate_trips(DAY), generate_trips(date(2026, 3, 15))
    assert first == again and first != other
    rows = list(csv.reader(io.StringIO(first)))
    assert rows[0] == COLUMNS and len(rows) == 501


def test_extract_and_transform_through_s3(s3, buckets):
    raw_uri = put_text(s3, buckets["raw"], raw_key(DAY), generate_trips(DAY))
    assert raw_uri == f"s3://{buckets['raw']}/trips/date=2026-03-14/trips.csv"

    result = transform_trips(get_text(s3, buckets["raw"], raw_key(DAY)), DAY)
    uri = put_bytes(s3, buckets["processed"], processed_key(DAY), result.body, "text/csv")
    assert uri.endswith("/trips/date=2026-03-14/trips.csv.gz")

    stored = s3.get_object(Bucket=buckets["processed"], Key=processed_key(DAY))["Body"].read()
    rows = list(csv.reader(io.StringIO(gzip.decompress(stored).decode())))
    assert rows[0] == PROCESSED_COLUMNS
    assert len(rows) - 1 == result.kept and result.kept + result.rejected == 500
    assert result.rejected >= 8  # the generator plants zero-distance and backwards trips
    assert all(row[0] == "2026-03-14" and float(row[4]) > 0 and float(row[6]) > 0 for row in rows[1:])


def test_transform_is_byte_identical_on_rerun():
    raw = generate_trips(DAY)
    assert transform_trips(raw, DAY).body == transform_trips(raw, DAY).body


@pytest.mark.parametrize(
    ("raw", "kept", "rejected"),
    [
        pytest.param("tpep_pickup_datetime,tpep_dropoff_datetime,trip_distance\n", 0, 0, id="header only"),
        pytest.param(
            "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,PULocationID,"
            "DOLocationID,payment_type,fare_amount,tip_amount,total_amount\n"
            "1,2026-03-14 10:00:00,2026-03-14 10:20:00,1,3.5,1,2,1,10,1,12\n"
            "1,2026-03-13 23:50:00,2026-03-14 00:10:00,1,3.5,1,2,1,10,1,12\n"
            "1,not a time,2026-03-14 00:10:00,1,3.5,1,2,1,10,1,12\n",
            1,
            2,
            id="other day and unparsable rows rejected",
        ),
    ],
)
def test_transform_filters_rows(raw, kept, rejected):
    result = transform_trips(raw, DAY)
    assert (result.kept, result.rejected) == (kept, rejected)


def test_transform_rejects_a_file_without_the_trip_columns():
    with pytest.raises(ValueError, match="lacks columns"):
        transform_trips("a,b\n1,2\n", DAY)


def test_load_statements_are_idempotent_and_copy_the_day():
    create, delete, copy = load_statements("public.taxi_trips", DAY, "s3://processed/trips/date=2026-03-14/trips.csv.gz", ROLE)
    assert create.startswith("CREATE TABLE IF NOT EXISTS public.taxi_trips")
    assert delete == "DELETE FROM public.taxi_trips WHERE trip_date = '2026-03-14'"
    assert copy.startswith("COPY public.taxi_trips FROM 's3://processed/trips/date=2026-03-14/trips.csv.gz'")
    assert f"IAM_ROLE '{ROLE}'" in copy and "GZIP IGNOREHEADER 1" in copy


@pytest.mark.parametrize(
    ("table", "uri", "role", "message"),
    [
        pytest.param("trips; DROP TABLE x", "s3://b/k.gz", ROLE, "identifier", id="injected table"),
        pytest.param("trips", "s3://b/k'; --", ROLE, "s3:// URI", id="injected uri"),
        pytest.param("trips", "s3://b/k.gz", "arn:aws:iam::123:user/x", "IAM role ARN", id="not a role"),
    ],
)
def test_load_statements_refuse_unsafe_values(table, uri, role, message):
    with pytest.raises(ValueError, match=message):
        load_statements(table, DAY, uri, role)


def test_run_statements_against_the_data_api(moto_endpoint):
    """moto's Data API accepts a statement but never runs it (it stays STARTED), so against moto the
    wait must give up at its deadline and cancel what it submitted; FINISHED is played back below."""
    data_api = boto3.client("redshift-data", endpoint_url=moto_endpoint, region_name="us-east-1")
    submitted = []
    execute = data_api.execute_statement

    def recording_execute(**kwargs):
        response = execute(**kwargs)
        submitted.append(response["Id"])
        return response

    data_api.execute_statement = recording_execute
    statements = load_statements("public.taxi_trips", DAY, "s3://processed/trips/date=2026-03-14/trips.csv.gz", ROLE)
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    with pytest.raises(LoadError, match="still started after 10 s; cancelled"):
        run_statements(data_api, statements, workgroup="datapipe-dev-warehouse", database="analytics", timeout_seconds=10, sleep=sleep, clock=lambda: now[0])
    assert len(submitted) == 1
    described = data_api.describe_statement(Id=submitted[0])
    assert described["QueryString"] == statements[0]


def test_run_statements_waits_for_each_statement_in_turn():
    api = ScriptedDataApi(["SUBMITTED", "STARTED", "FINISHED"])
    ids = run_statements(api, ["DELETE FROM t", "COPY t FROM 's3://b/k'"], workgroup="wh", database="db", sleep=lambda _: None)
    assert ids == ["stmt-1", "stmt-1"]
    assert api.cancelled == []


class ScriptedDataApi:
    """Plays back statement states, to reach the failure paths moto never takes."""

    def __init__(self, states):
        self.states = list(states)
        self.cancelled = []

    def execute_statement(self, **_):
        return {"Id": "stmt-1"}

    def describe_statement(self, Id):
        status = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"Id": Id, "Status": status, "Error": "S3ServiceException: Access Denied"}

    def cancel_statement(self, Id):
        self.cancelled.append(Id)


@pytest.mark.parametrize(
    ("states", "message", "cancelled"),
    [
        pytest.param(["SUBMITTED", "STARTED", "FAILED"], "COPY failed: S3ServiceException: Access Denied", [], id="failed"),
        pytest.param(["ABORTED"], "COPY aborted", [], id="aborted"),
        pytest.param(["STARTED"], "still started after 10 s; cancelled", ["stmt-1"], id="timeout cancels"),
    ],
)
def test_run_statements_fails_with_redshifts_message(states, message, cancelled):
    now = [0.0]
    api = ScriptedDataApi(states)

    def sleep(seconds):
        now[0] += seconds

    with pytest.raises(LoadError, match=message):
        run_statements(api, ["COPY t FROM 's3://b/k'"], workgroup="wh", database="db", timeout_seconds=10, sleep=sleep, clock=lambda: now[0])
    assert api.cancelled == cancelled
