"""Daily taxi trips: extract → raw zone → transform → processed zone → warehouse.

Bucket and warehouse names come from Airflow Variables (AIRFLOW_VAR_* environment variables the
pipeline sets from Terraform's outputs); AWS credentials from the `aws_default` connection, which on
EKS carries only the region while the pod's identity supplies the credentials.
"""

from __future__ import annotations

from datetime import date, datetime

from airflow.sdk import Variable, dag, task

AWS_CONN_ID = "aws_default"
TABLE = "public.taxi_trips"


def _day(logical_date: datetime | None) -> date:
    # A manual run without a logical date processes today.
    return (logical_date or datetime.now()).date()


@dag(
    dag_id="trips_to_warehouse",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2},
    tags=["data-lake", "warehouse"],
    doc_md=__doc__,
)
def trips_to_warehouse():
    @task
    def extract_to_raw(logical_date: datetime | None = None) -> str:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook
        from lake.sample import generate_trips
        from lake.storage import put_text, raw_key

        day = _day(logical_date)
        s3 = S3Hook(aws_conn_id=AWS_CONN_ID).get_conn()
        return put_text(s3, Variable.get("raw_bucket"), raw_key(day), generate_trips(day))

    @task
    def transform_to_processed(raw_uri: str, logical_date: datetime | None = None) -> str:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook
        from lake.storage import get_text, processed_key, put_bytes
        from lake.transform import transform_trips

        day = _day(logical_date)
        bucket, key = raw_uri.removeprefix("s3://").split("/", 1)
        s3 = S3Hook(aws_conn_id=AWS_CONN_ID).get_conn()
        result = transform_trips(get_text(s3, bucket, key), day)
        print(f"kept {result.kept} trips, rejected {result.rejected}")
        return put_bytes(s3, Variable.get("processed_bucket"), processed_key(day), result.body, "text/csv")

    @task
    def load_to_warehouse(processed_uri: str, logical_date: datetime | None = None) -> list[str]:
        from airflow.exceptions import AirflowSkipException
        from airflow.providers.amazon.aws.hooks.redshift_data import RedshiftDataHook
        from lake.warehouse import load_statements, run_statements

        workgroup = Variable.get("warehouse_workgroup", default="")
        if not workgroup:
            raise AirflowSkipException("no warehouse in this environment (enable_warehouse = false)")
        statements = load_statements(TABLE, _day(logical_date), processed_uri, Variable.get("warehouse_copy_role"))
        data_api = RedshiftDataHook(aws_conn_id=AWS_CONN_ID).conn
        return run_statements(data_api, statements, workgroup=workgroup, database=Variable.get("warehouse_database"))

    load_to_warehouse(transform_to_processed(extract_to_raw()))


trips_to_warehouse()
