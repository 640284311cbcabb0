"""Fixtures: a moto server on loopback for S3 and the Redshift Data API.

moto runs from the bench's own Python (MOTO_PYTHON, set by test/pipeline/dags.test.ts) so the Airflow
environment needs no moto of its own; the tests talk to it over HTTP like the tasks talk to AWS.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

DAGS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(DAGS))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint():
    python = os.environ.get("MOTO_PYTHON")
    if not python:
        pytest.fail("MOTO_PYTHON must name a Python with moto[server] installed (npm run setup provides one)")
    port = _free_port()
    process = subprocess.Popen(
        [python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"moto exited with {process.returncode}")
                time.sleep(0.05)
        else:
            pytest.fail("moto did not start within 10 s")
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    # Never reach a real account, whatever the developer's environment holds.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def s3(moto_endpoint):
    return boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")


@pytest.fixture
def buckets(s3, request):
    suffix = request.node.name.replace("_", "-").lower()[:30].strip("-")
    names = {"raw": f"raw-{suffix}", "processed": f"processed-{suffix}"}
    for name in names.values():
        s3.create_bucket(Bucket=name)
    return names
