"""Turns the RDS-managed database secret into the Kubernetes Secrets the Airflow chart reads.

stdin: the Secrets Manager SecretString of the database (JSON with username and password).
env:   DB_HOST, DB_PORT, DB_NAME, RELEASE (chart release name), EXISTING_KEYS (the current
       `<release>-keys` Secret as JSON, or empty when there is none).
stdout: a Kubernetes List of Secrets for `kubectl apply -f -`.

The password is masked for the runner before anything else is printed, and it only ever travels
through stdin and stdout, never through process arguments. Airflow's own keys (fernet, API secret,
JWT secret, the first admin's password, its database user's password) are generated once and kept: a new
fernet key would make stored connections unreadable. Airflow connects as its own user, airflow_app; the
master credentials go only to `<release>-db-admin`, for the migration job, which the deploy job deletes
once the release is installed (helm/README.md, "The database user, and the password RDS rotates").
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
from urllib.parse import quote

KEY_NAMES = ("fernet-key", "api-secret-key", "jwt-secret", "admin-password", "db-password")


def fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def secret(name: str, data: dict[str, str]) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "pipeline-actions"}},
        "stringData": data,
    }


def existing_keys(raw: str) -> dict[str, str]:
    if not raw.strip():
        return {}
    data = json.loads(raw).get("data") or {}
    return {key: base64.b64decode(value).decode() for key, value in data.items() if key in KEY_NAMES}


# Airflow's own database user (helm/airflow/values.yaml's migration job creates it with the master credentials):
# RDS rotates the master password, never this one, so nothing running holds a password that changes.
APP_USER = "airflow_app"


def build(db_secret: dict, env: dict[str, str]) -> dict:
    master_user = db_secret["username"]
    master_password = db_secret["password"]
    release = env.get("RELEASE", "airflow")
    host, port, database = env["DB_HOST"], env.get("DB_PORT", "5432"), env["DB_NAME"]

    keys = existing_keys(env.get("EXISTING_KEYS", ""))
    keys.setdefault("fernet-key", fernet_key())
    keys.setdefault("api-secret-key", secrets.token_urlsafe(32))
    keys.setdefault("jwt-secret", secrets.token_urlsafe(32))
    # The UI's first admin; read it with `kubectl get secret <release>-keys`, change it after the first login.
    keys.setdefault("admin-password", secrets.token_urlsafe(18))
    # Airflow's own password: generated once and kept; delete the key and deploy again to rotate it.
    keys.setdefault("db-password", secrets.token_urlsafe(32))
    password = keys["db-password"]
    user_q, password_q = quote(APP_USER, safe=""), quote(password, safe="")

    # Airflow talks to PgBouncer (the chart's `<release>-pgbouncer` service, database alias
    # `<release>-metadata`); PgBouncer talks to RDS over TLS, as Airflow's own user.
    metadata = f"postgresql://{user_q}:{password_q}@{release}-pgbouncer:6543/{release}-metadata?sslmode=disable"
    pgbouncer_ini = "\n".join(
        [
            "[databases]",
            f"{release}-metadata = host={host} dbname={database} port={port} pool_size=10",
            "",
            "[pgbouncer]",
            "pool_mode = transaction",
            "listen_port = 6543",
            "listen_addr = *",
            "auth_type = scram-sha-256",
            "auth_file = /etc/pgbouncer/users.txt",
            f"stats_users = {APP_USER}",
            "ignore_startup_parameters = extra_float_digits",
            "max_client_conn = 100",
            "server_tls_sslmode = require",
            "",
        ]
    )
    users_txt = f'"{APP_USER}" "{password}"\n'
    stats = f"postgresql://{user_q}:{password_q}@127.0.0.1:6543/pgbouncer?sslmode=disable"
    # The master credentials of this run, for the migration job's database-user step only; the deploy job
    # deletes this Secret once the release is installed.
    admin = {"host": host, "port": str(port), "dbname": database, "username": master_user, "password": master_password}

    return {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            secret(f"{release}-metadata", {"connection": metadata}),
            secret(f"{release}-pgbouncer-config", {"pgbouncer.ini": pgbouncer_ini, "users.txt": users_txt}),
            secret(f"{release}-pgbouncer-stats", {"connection": stats}),
            secret(f"{release}-keys", keys),
            secret(f"{release}-db-admin", admin),
        ],
    }


def main() -> int:
    db_secret = json.loads(sys.stdin.read())
    # Masks first: every later line of the log hides these values.
    for value in (db_secret.get("password", ""), quote(db_secret.get("password", ""), safe="")):
        if value:
            print(f"::add-mask::{value}", file=sys.stderr)
    manifest = build(db_secret, dict(os.environ))
    keys = next(item for item in manifest["items"] if item["metadata"]["name"].endswith("-keys"))["stringData"]
    for value in keys.values():
        print(f"::add-mask::{value}", file=sys.stderr)
    # Airflow's own password also appears URL-encoded, in the connection strings.
    print(f"::add-mask::{quote(keys['db-password'], safe='')}", file=sys.stderr)
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
