"""The streaming stack's read API: the aggregates Spark writes to Postgres."""

import os

import psycopg
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.get("/aggregates/{key}")
def aggregate(key: str) -> dict:
    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
        row = connection.execute("select count, updated_at from aggregates where key = %s", (key,)).fetchone()
    return {"key": key, "count": row[0] if row else 0, "updated_at": str(row[1]) if row else None}
