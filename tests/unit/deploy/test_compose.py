"""Static checks of the production deployment (docker-compose.yml, deploy/): no Docker engine, no network.

`docker compose config` would need the engine, so the file is read with PyYAML (which resolves the `<<: *anchor`
merges the same way) and the few compose rules that matter here are checked by hand: interpolation of
`${NAME...}`, the services and their order of start, health checks, pinned images, and that every setting the
pipeline reads from the environment is passed to every Airflow container, with no secret written into the file.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "deploy" / "Dockerfile"
DOCKERIGNORE = REPO / "deploy" / "Dockerfile.dockerignore"
ENV_EXAMPLE = REPO / "deploy" / ".env.example"
INITDB = REPO / "deploy" / "postgres" / "initdb"
PACKAGE = REPO / "include" / "dlsei"

AIRFLOW_BASE_IMAGE = "apache/airflow:3.3.2-python3.11"
AIRFLOW_SERVICES = (
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
SUPPORT_SERVICES = ("postgres", "redis", "minio", "minio-create-bucket")
# Run once and exit; every other service runs for good and must say whether it is healthy.
ONE_SHOT_SERVICES = {"airflow-init", "minio-create-bucket", "airflow-cli"}

# `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`, `${NAME?message}`; `$$` is a literal `$`.
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
REQUIRED = re.compile(r"^\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):\?[^}]+\}$")
# Names the pipeline reads from the environment: Airflow Variables and Connections of its own, and DLSEI_*.
SETTING_NAME = re.compile(r"\b(?:AIRFLOW_VAR_|AIRFLOW_CONN_|DLSEI_)[A-Z0-9_]*[A-Z0-9]\b")
# Names of values that are secrets (or connections, which may embed one).
SECRET_KEY_NAME = re.compile(r"(PASSWORD|SECRET|SECRET_KEY|FERNET_KEY|ACCESS_KEY|ACCESS_KEY_ID)$|^AIRFLOW_CONN_")
OPTIONAL_CONNECTIONS = ("AIRFLOW_CONN_DLSEI_SMTP", "AIRFLOW_CONN_DLSEI_SLACK")
URL_PASSWORD = re.compile(r"^[a-z0-9+]+://[^:/@]*:(?P<password>[^@]*)@")


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def common() -> dict[str, Any]:
    return compose()["x-airflow-common"]


def common_env() -> dict[str, str]:
    return common()["environment"]


def without_escapes(text: str) -> str:
    return text.replace("$$", "")


def resolve_defaults(text: str) -> str:
    """The value compose would produce with nothing set: `${NAME:-default}` becomes `default`."""
    return INTERPOLATION.sub(lambda m: m["arg"] if m["op"] in (":-", "-") else "", without_escapes(text))


def url(value: str) -> SplitResult:
    """Split a URL whose parts may be `${NAME:?message}` references (their `?` would start a query string)."""
    return urlsplit(INTERPOLATION.sub("interpolated", without_escapes(value)))


def strings(node: object) -> list[str]:
    """Every string value in the parsed compose file: where compose interpolates (comments are gone)."""
    if isinstance(node, dict):
        return [text for value in node.values() for text in strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in strings(value)]
    return [node] if isinstance(node, str) else []


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return command if isinstance(command, str) else "\n".join(command)


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def settings_read_by_pipeline() -> set[str]:
    """Every AIRFLOW_VAR_*, AIRFLOW_CONN_* and DLSEI_* name in settings.py and in any other module of the package
    that reads the environment."""
    sources = {PACKAGE / "settings.py"}
    sources |= {
        path for path in PACKAGE.rglob("*.py") if re.search(r"os\.environ|os\.getenv", path.read_text(encoding="utf-8"))
    }
    names: set[str] = set()
    for path in sources:
        names |= set(SETTING_NAME.findall(path.read_text(encoding="utf-8")))
    return names


# --- structure ------------------------------------------------------------------------------------------------
def test_compose_file_is_yaml_with_the_official_layout() -> None:
    document = compose()
    assert isinstance(document, dict)
    assert {"x-airflow-common", "services", "volumes"} <= document.keys()
    assert {"image", "environment", "volumes", "user", "depends_on"} <= common().keys()


def test_every_service_of_the_deployment_exists() -> None:
    missing = set(AIRFLOW_SERVICES + SUPPORT_SERVICES) - services().keys()
    assert not missing, f"services missing from docker-compose.yml: {sorted(missing)}"


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_services_use_the_common_block(name: str) -> None:
    service = services()[name]
    for key in ("image", "build", "volumes"):
        assert service[key] == common()[key], f"{name}.{key} differs from x-airflow-common"
    # A service may add to the common environment (the worker, airflow-init), never drop or change it.
    assert service["environment"].items() >= common_env().items(), f"{name} changes the common environment"
    assert {"postgres", "redis"} <= service["depends_on"].keys()


def test_the_image_is_built_from_the_pinned_airflow_image() -> None:
    build = common()["build"]
    assert build["dockerfile"] == "deploy/Dockerfile"
    assert build["args"]["AIRFLOW_BASE_IMAGE"] == AIRFLOW_BASE_IMAGE
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert f"ARG AIRFLOW_BASE_IMAGE={AIRFLOW_BASE_IMAGE}\n" in dockerfile
    assert re.search(r"^FROM \$\{AIRFLOW_BASE_IMAGE\}$", dockerfile, re.MULTILINE)
    # The image's Airflow is the locked one, and the image installs the lock and the package.
    version = AIRFLOW_BASE_IMAGE.split(":")[1].split("-", maxsplit=1)[0]
    assert f"apache-airflow=={version}\n" in (REPO / "requirements.txt").read_text(encoding="utf-8")
    assert "-r /opt/airflow/requirements.txt" in dockerfile
    assert re.search(r"pip install .*-e /opt/airflow\b", dockerfile)


def test_no_image_is_latest_or_unpinned() -> None:
    images = {name: resolve_defaults(s["image"]) for name, s in services().items() if "image" in s}
    images["<build base>"] = common()["build"]["args"]["AIRFLOW_BASE_IMAGE"]
    for name, image in images.items():
        if "@sha256:" in image:
            continue
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: image {image!r} has no tag"
        assert "latest" not in tag, f"{name}: image {image!r} uses a moving 'latest' tag"
        # A pinned tag names at least major.minor (PostgreSQL's own versions have two parts) or a release stamp;
        # a bare major such as `postgres:16` moves with every release.
        assert re.search(r"\d+\.\d+|RELEASE\.\d{4}-", tag), f"{name}: image {image!r} is not pinned"


def test_celery_executor_with_redis_broker_and_postgres_result_backend() -> None:
    env = common_env()
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    broker = url(env["AIRFLOW__CELERY__BROKER_URL"])
    assert (broker.scheme, broker.hostname) == ("redis", "redis")
    backend = url(env["AIRFLOW__CELERY__RESULT_BACKEND"])
    assert (backend.scheme, backend.hostname, backend.path) == ("db+postgresql+psycopg2", "postgres", "/airflow")
    metadata = url(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert (metadata.scheme, metadata.hostname, metadata.path) == ("postgresql+psycopg2", "postgres", "/airflow")


def test_components_share_jwt_secret_and_execution_api_url() -> None:
    env = common_env()
    assert REQUIRED.match(env["AIRFLOW__API_AUTH__JWT_SECRET"])
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    assert env["GX_ANALYTICS_ENABLED"] == "false"
    assert env["DLSEI_ENV"] == "production"


def test_ui_logins_have_roles_rather_than_one_shared_admin() -> None:
    """The admin from .env, then AIRFLOW_USERS: the data team as op, managers and coordinators as viewers (who may
    open the dashboard, tests/unit/web/test_auth.py, and may not delete a DAG); each login gets a password."""
    users = common_env()["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"]
    assert users == "${AIRFLOW_ADMIN_USERNAME:-admin}:admin,${AIRFLOW_USERS:?set AIRFLOW_USERS in .env}"
    roles = dict(entry.split(":") for entry in env_example()["AIRFLOW_USERS"].split(","))
    assert set(roles.values()) == {"op", "viewer"}, roles
    assert "admin" not in roles.values(), "one admin, from AIRFLOW_ADMIN_USERNAME"
    init = command_text(services()["airflow-init"])
    assert "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS" in init and "secrets.token_urlsafe" in init


def test_project_folders_are_mounted_where_the_image_has_them() -> None:
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in common()["volumes"]}
    for folder in ("dags", "plugins", "include", "great_expectations"):
        assert mounts.get(f"/opt/airflow/{folder}") == f"./{folder}", f"{folder}/ is not mounted"


# --- start order and health -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(services().keys() - ONE_SHOT_SERVICES))
def test_long_running_services_have_a_health_check(name: str) -> None:
    service = services()[name]
    assert service.get("restart") == "always"
    test = service.get("healthcheck", {}).get("test")
    assert test and test != ["NONE"], f"{name} has no health check"


def test_one_shot_services_are_not_restarted() -> None:
    for name in ONE_SHOT_SERVICES:
        assert services()[name].get("restart") == "no", f"{name} would be restarted after it exits"


def test_every_dependency_waits_on_a_condition_the_target_can_meet() -> None:
    for name, service in services().items():
        for target, rule in service.get("depends_on", {}).items():
            assert target in services(), f"{name} depends on unknown service {target}"
            condition = rule["condition"]
            if target in ONE_SHOT_SERVICES:
                assert condition == "service_completed_successfully", f"{name} -> {target}"
            else:
                assert condition == "service_healthy", f"{name} -> {target}"
                assert "healthcheck" in services()[target], f"{name} waits for {target}, which has no check"


def test_airflow_init_migrates_both_databases_and_gates_the_rest() -> None:
    init = services()["airflow-init"]
    script = command_text(init)
    assert "set -euo pipefail" in script, "a failed migration must fail airflow-init"
    # Each as a command line of its own (an `echo` mentioning it does not count).
    assert re.search(r"^\s*airflow db migrate\s*$", script, re.MULTILINE)
    assert re.search(r"^\s*dlsei db upgrade\s*$", script, re.MULTILINE)
    assert init["depends_on"]["minio-create-bucket"]["condition"] == "service_completed_successfully"
    for name in set(AIRFLOW_SERVICES) - {"airflow-init"}:
        assert services()[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


def test_postgres_creates_the_warehouse_the_pipeline_connects_to() -> None:
    postgres = services()["postgres"]
    assert "./deploy/postgres/initdb:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    sql = "\n".join(path.read_text(encoding="utf-8") for path in sorted(INITDB.glob("*.sql")))
    role = re.search(r"CREATE ROLE (\w+) LOGIN PASSWORD :'(\w+)'", sql)
    database = re.search(r"CREATE DATABASE (\w+) OWNER (\w+)", sql)
    assert role and database
    assert re.search(rf"\\getenv {role[2]} WAREHOUSE_DB_PASSWORD", sql), "the password must come from the env"
    assert REQUIRED.match(postgres["environment"]["WAREHOUSE_DB_PASSWORD"])
    warehouse = url(common_env()["AIRFLOW_CONN_DLSEI_WAREHOUSE"])
    assert (warehouse.scheme, warehouse.hostname) == ("postgresql", "postgres")
    assert (warehouse.username, warehouse.path) == (role[1], f"/{database[1]}")
    assert database[2] == role[1]
    assert postgres["environment"]["POSTGRES_DB"] == "airflow"


def test_the_bucket_created_is_the_landing_bucket() -> None:
    landing = url(common_env()["AIRFLOW_VAR_DLSEI_LANDING_URL"])
    assert landing.scheme == "s3"
    bucket_service = services()["minio-create-bucket"]
    assert bucket_service["environment"]["LANDING_BUCKET"] == landing.netloc
    assert bucket_service["depends_on"]["minio"]["condition"] == "service_healthy"
    aws = json.loads(resolve_defaults(common_env()["AIRFLOW_CONN_DLSEI_AWS"]))
    assert (aws["conn_type"], aws["extra"]["endpoint_url"]) == ("aws", "http://minio:9000")


# --- settings and secrets -------------------------------------------------------------------------------------
def test_every_setting_the_pipeline_reads_is_passed_to_airflow() -> None:
    names = settings_read_by_pipeline()
    assert {"AIRFLOW_VAR_DLSEI_PSEUDONYMISATION_SECRET", "AIRFLOW_CONN_DLSEI_WAREHOUSE", "DLSEI_ENV"} <= names
    missing = names - common_env().keys()
    assert not missing, f"read by the pipeline but not set in x-airflow-common: {sorted(missing)}"


def test_the_pseudonymisation_secret_is_required_from_env_not_written_here() -> None:
    value = common_env()["AIRFLOW_VAR_DLSEI_PSEUDONYMISATION_SECRET"]
    match = REQUIRED.match(value)
    assert match, f"expected ${{NAME:?message}}, got {value!r}"
    assert match["name"] in env_example()


def test_no_secret_is_a_literal_in_the_compose_file() -> None:
    for name, service in services().items():
        for key, raw in (service.get("environment") or {}).items():
            value = str(raw)
            if password := URL_PASSWORD.match(value):
                assert REQUIRED.match(password["password"]), f"{name}: {key} has a literal password"
            elif value.startswith("{"):  # a connection in Airflow's JSON form: its keys come from .env
                connection = json.loads(INTERPOLATION.sub(lambda m: m[0].replace('"', ""), value))
                for part in ("login", "password"):
                    assert REQUIRED.match(connection[part]), f"{name}: {key} has a literal {part}"
            elif SECRET_KEY_NAME.search(key) and key not in OPTIONAL_CONNECTIONS:
                assert REQUIRED.match(value), f"{name}: {key} must be ${{NAME:?message}} from .env"
    # The optional alert connections may be empty (then alerts stay in the outbox), but never a literal either.
    for key in OPTIONAL_CONNECTIONS:
        assert common_env()[key] == f"${{{key}:-}}"


def test_connections_are_passed_as_airflow_reads_them() -> None:
    env = common_env()
    assert not {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} & env.keys(), "S3 is a connection"
    assert {"AIRFLOW_CONN_DLSEI_WAREHOUSE", "AIRFLOW_CONN_DLSEI_AWS", *OPTIONAL_CONNECTIONS} <= env.keys()


def test_mailpit_and_flower_are_opt_in_profiles() -> None:
    mailpit, flower = services()["mailpit"], services()["flower"]
    assert mailpit["profiles"] == ["mail"] and "127.0.0.1:8025:8025" in mailpit["ports"]
    assert flower["profiles"] == ["flower"] and command_text(flower) == "celery flower"
    assert flower["image"] == common()["image"] and flower["environment"] == common_env()
    assert "smtp://mailpit:1025" in ENV_EXAMPLE.read_text(encoding="utf-8")


def test_the_header_cites_only_files_the_repository_has() -> None:
    header = COMPOSE_FILE.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    cited = set(re.findall(r"\b(?:deploy|docs|include|dags|plugins)/[\w./-]*\w/?", header))
    assert cited, "the header names the files it relies on"
    assert {path for path in cited if not (REPO / path).exists()} == set()


def test_the_generator_fills_every_value_compose_requires(tmp_path: Path) -> None:
    out = tmp_path / ".env"
    subprocess.run([sys.executable, str(REPO / "deploy" / "generate_env.py"), "--out", str(out)], check=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    values = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    required = {m["name"] for text in strings(compose()) for m in INTERPOLATION.finditer(text) if m["op"] == ":?"}
    assert {name for name in required if not values.get(name)} == set()
    assert len({values[name] for name in required if SECRET_KEY_NAME.search(name)}) > 5, "each secret its own"
    assert out.stat().st_mode & 0o077 == 0, ".env is readable by its owner only"


def test_env_example_documents_every_variable_and_holds_no_secret() -> None:
    used = {m["name"] for text in strings(compose()) for m in INTERPOLATION.finditer(without_escapes(text))}
    example = env_example()
    assert used - example.keys() == set(), "used by docker-compose.yml, missing from deploy/.env.example"
    assert example.keys() - used == set(), "in deploy/.env.example, unused by docker-compose.yml"
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    for name, value in example.items():
        assert re.search(rf"#.*\n{name}=", text), f"{name} has no comment in deploy/.env.example"
        if SECRET_KEY_NAME.search(name):
            assert value == "", f"{name} must be empty in deploy/.env.example, to be filled in .env"


def test_secrets_stay_out_of_the_image_build_context() -> None:
    ignored = set(DOCKERIGNORE.read_text(encoding="utf-8").split())
    assert {".env", "**/.env", ".git", ".venv", "var", "great_expectations/uncommitted"} <= ignored
