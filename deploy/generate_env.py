"""Write `.env` for docker-compose.yml from deploy/.env.example, every secret freshly generated.

    python3 deploy/generate_env.py            # writes ./.env next to docker-compose.yml (never over an existing one)
    python3 deploy/generate_env.py --out PATH

Standard library only, so it runs before anything is installed. Secrets are hex (free of the characters a
connection URI or `.env` would need escaped); alerts go to Mailpit (`docker compose --profile mail up -d`) until
AIRFLOW_CONN_DLSEI_SMTP names a real server.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "deploy" / ".env.example"
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|SECRET_KEY|SECRET_ACCESS_KEY)$")
# Filled when the example leaves them empty: names, not secrets, and the local mail sink.
CHOSEN = {
    "MINIO_ROOT_USER": "dlsei-admin",
    "LANDING_S3_ACCESS_KEY_ID": "dlsei-pipeline",
    "AIRFLOW_VAR_DLSEI_DATA_TEAM_EMAIL": "data-team@dlsei.example",
    "AIRFLOW_VAR_DLSEI_NATIONAL_TEAM_EMAIL": "dlsei-national@hec.example",
    "AIRFLOW_CONN_DLSEI_SMTP": "smtp://mailpit:1025?disable_ssl=true&disable_tls=true&from_email=dlsei-alerts%40hec.example",
}


def generated(name: str) -> str | None:
    if name == "AIRFLOW__CORE__FERNET_KEY":
        return base64.urlsafe_b64encode(os.urandom(32)).decode()  # what cryptography's Fernet.generate_key() makes
    if name == "AIRFLOW_UID" and hasattr(os, "getuid"):
        return str(os.getuid())  # files the containers write into the working copy stay the user's own
    if SECRET_NAME.search(name):
        return secrets.token_hex(32)
    return CHOSEN.get(name)


def env_text(example: str) -> str:
    lines = []
    for line in example.splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#") and (value == "" or name == "AIRFLOW_UID"):
            lines.append(f"{name}={generated(name) or value}")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / ".env")
    args = parser.parse_args(argv)
    if args.out.exists():
        print(f"{args.out} exists; not overwritten (its secrets may already be in use)", file=sys.stderr)
        return 1
    args.out.write_text(env_text(EXAMPLE.read_text(encoding="utf-8")), encoding="utf-8")
    args.out.chmod(0o600)
    print(f"wrote {args.out}: fresh secrets, alerts to Mailpit; review it, then `docker compose build`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
