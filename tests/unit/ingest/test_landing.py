"""The landing area behaves the same on a local folder and on S3 (moto's server, over HTTP on localhost)."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import boto3
import pytest
from dlsei_dev.generator import SampleConfig, generate_sample
from sqlalchemy import Engine, func, select

from dlsei.ingest.coursera import ingest_coursera_exports
from dlsei.ingest.landing import LandedFile, Landing, LocalLanding, S3Landing, landing_from_url
from dlsei.ingest.ledger import LOADED
from dlsei.resources import resources
from dlsei.runs import KARACHI, RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import snap_membership


@pytest.fixture(params=["local", "s3"])
def landing(request: pytest.FixtureRequest, tmp_path: Path) -> Landing:
    if request.param == "local":
        return landing_from_url((tmp_path / "landing").as_uri())
    bucket = request.getfixturevalue("s3_bucket")
    return landing_from_url(f"s3://{bucket}/dlsei/landing")


def test_the_url_picks_the_backend(landing: Landing) -> None:
    expected = LocalLanding if landing.url.startswith("file://") else S3Landing
    assert isinstance(landing, expected)
    landing.put("incoming/a.csv", b"a")
    # The URL it reports opens the same area again.
    assert [f.key for f in landing_from_url(landing.url).list_incoming()] == ["incoming/a.csv"]


def test_list_incoming_is_files_only_recursive_and_sorted_by_name(landing: Landing) -> None:
    landing.put("incoming/zeta.csv", b"zz")
    landing.put("incoming/2026/05/alpha.csv", b"a")
    landing.put("incoming/mid.zip", b"PK..")
    landing.put("archive/2026-05-01/old.csv", b"old")
    landing.put("reports/r.csv", b"r")
    assert landing.list_incoming() == [
        LandedFile(key="incoming/2026/05/alpha.csv", name="alpha.csv", size=1),
        LandedFile(key="incoming/mid.zip", name="mid.zip", size=4),
        LandedFile(key="incoming/zeta.csv", name="zeta.csv", size=2),
    ]
    assert [f.key for f in landing.list("reports/")] == ["reports/r.csv"]
    assert [f.key for f in landing.list("")] == [
        "archive/2026-05-01/old.csv",
        "incoming/2026/05/alpha.csv",
        "incoming/mid.zip",
        "incoming/zeta.csv",
        "reports/r.csv",
    ]
    # A prefix is a prefix of the key, not only a folder.
    assert [f.key for f in landing.list("incoming/m")] == ["incoming/mid.zip"]


def test_an_empty_area_lists_nothing(landing: Landing) -> None:
    assert landing.list_incoming() == []
    assert landing.list("quarantine/") == []


def test_fetch_gives_a_local_copy_of_the_bytes(landing: Landing) -> None:
    data = bytes(range(256)) * 12_000  # ~3 MB: several download parts and hash chunks
    landing.put("incoming/big.csv", data)
    with landing.fetch("incoming/big.csv") as path:
        assert path.read_bytes() == data
        assert path.name == "big.csv"
    assert landing.sha256("incoming/big.csv") == hashlib.sha256(data).hexdigest()
    if isinstance(landing, S3Landing):
        assert not path.exists()  # the download is removed after use


def test_fetch_and_hash_of_a_missing_file(landing: Landing) -> None:
    with pytest.raises(FileNotFoundError), landing.fetch("incoming/none.csv"):
        pass
    with pytest.raises(FileNotFoundError):
        landing.sha256("incoming/none.csv")
    with pytest.raises(FileNotFoundError):
        landing.archive("incoming/none.csv", "d")
    with pytest.raises(FileNotFoundError):
        landing.quarantine("incoming/none.csv", {"rule": "x"})
    assert landing.list("") == []  # nothing half-done is left behind


def test_archive_moves_and_never_overwrites(landing: Landing) -> None:
    landing.put("incoming/x.csv", b"first")
    assert landing.archive("incoming/x.csv", "2026-05-04") == "archive/2026-05-04/x.csv"
    landing.put("incoming/sub/x.csv", b"second")
    landing.put("incoming/x.csv", b"third")
    assert landing.archive("incoming/sub/x.csv", "2026-05-04") == "archive/2026-05-04/x.1.csv"
    assert landing.archive("incoming/x.csv", "2026-05-04/") == "archive/2026-05-04/x.2.csv"
    assert landing.list_incoming() == []
    archived = {f.key: f.size for f in landing.list("archive/")}
    assert archived == {"archive/2026-05-04/x.csv": 5, "archive/2026-05-04/x.1.csv": 6, "archive/2026-05-04/x.2.csv": 5}
    with landing.fetch("archive/2026-05-04/x.csv") as path:
        assert path.read_bytes() == b"first"


def test_archive_into_nested_folders(landing: Landing) -> None:
    landing.put("incoming/hec_people_2026-05-01.csv", b"p")
    stored = landing.archive("incoming/hec_people_2026-05-01.csv", "registry/2026-05-01")
    assert stored == "archive/registry/2026-05-01/hec_people_2026-05-01.csv"


def test_quarantine_keeps_the_bytes_and_writes_the_reason(landing: Landing) -> None:
    data = b"Name,Email\r\n\xef\xbb\xbfodd bytes \xff\n"
    landing.put("incoming/bad.csv", data)
    before = landing.sha256("incoming/bad.csv")
    reason = {"file": "bad.csv", "rule": "encoding", "reason": "not UTF-8 at byte 24", "run": "dag/run-1"}
    stored = landing.quarantine("incoming/bad.csv", reason)
    assert stored == "quarantine/bad.csv"
    assert landing.sha256(stored) == before
    with landing.fetch("quarantine/bad.csv.reason.json") as path:
        assert json.loads(path.read_text(encoding="utf-8")) == reason
    assert landing.list_incoming() == []

    landing.put("incoming/bad.csv", b"again")
    assert landing.quarantine("incoming/bad.csv", {"rule": "empty_file"}) == "quarantine/bad.1.csv"
    assert [f.key for f in landing.list("quarantine/")] == [
        "quarantine/bad.1.csv",
        "quarantine/bad.1.csv.reason.json",
        "quarantine/bad.csv",
        "quarantine/bad.csv.reason.json",
    ]


def test_replay_returns_a_fixed_file_to_incoming(landing: Landing) -> None:
    landing.put("incoming/fixed.csv", b"v1")
    landing.quarantine("incoming/fixed.csv", {"rule": "truncated"})
    landing.put("quarantine/fixed.csv", b"v2, repaired")  # the data team repairs it in place
    assert landing.replay("fixed.csv") == "incoming/fixed.csv"
    assert landing.list("quarantine/") == []
    with landing.fetch("incoming/fixed.csv") as path:
        assert path.read_bytes() == b"v2, repaired"


def test_replay_never_overwrites_an_incoming_file(landing: Landing) -> None:
    landing.put("incoming/f.csv", b"old")
    landing.quarantine("incoming/f.csv", {"rule": "header_only"})
    landing.put("incoming/f.csv", b"new delivery")
    with pytest.raises(FileExistsError):
        landing.replay("f.csv")
    assert [f.key for f in landing.list("quarantine/")] == ["quarantine/f.csv", "quarantine/f.csv.reason.json"]
    with landing.fetch("incoming/f.csv") as path:
        assert path.read_bytes() == b"new delivery"


def test_replay_of_an_unknown_name(landing: Landing) -> None:
    with pytest.raises(FileNotFoundError):
        landing.replay("never-quarantined.csv")


def test_put_replaces_a_report(landing: Landing) -> None:
    landing.put("reports/2026-05-04/reclaim.csv", b"v1")
    landing.put("reports/2026-05-04/reclaim.csv", b"version 2")
    assert landing.list("reports/") == [LandedFile(key="reports/2026-05-04/reclaim.csv", name="reclaim.csv", size=9)]


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../outside.csv", "incoming/../../outside.csv", "incoming//x.csv"])
def test_keys_stay_inside_the_area(landing: Landing, key: str) -> None:
    with pytest.raises(ValueError, match="not a landing key"):
        landing.put(key, b"x")


def test_only_incoming_files_are_moved_aside(landing: Landing) -> None:
    landing.put("reports/r.csv", b"r")
    with pytest.raises(ValueError, match="only incoming files"):
        landing.archive("reports/r.csv", "x")
    with pytest.raises(ValueError, match="only incoming files"):
        landing.quarantine("reports/r.csv", {})


def test_local_in_progress_writes_are_not_listed(tmp_path: Path) -> None:
    landing = LocalLanding(tmp_path)
    (tmp_path / "incoming").mkdir()
    (tmp_path / "incoming" / ".dlsei-partial-0123").write_bytes(b"half")
    (tmp_path / "incoming" / "empty-folder").mkdir()
    assert landing.list_incoming() == []


def test_s3_folder_markers_are_not_files(s3_bucket: str) -> None:
    boto3.client("s3").put_object(Bucket=s3_bucket, Key="area/incoming/2026/", Body=b"")
    landing = landing_from_url(f"s3://{s3_bucket}/area/")
    landing.put("incoming/2026/a.csv", b"a")
    assert [f.key for f in landing.list_incoming()] == ["incoming/2026/a.csv"]


def test_s3_at_the_bucket_root_and_by_the_generic_endpoint_variable(
    s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", os.environ["AWS_ENDPOINT_URL_S3"])
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    landing = landing_from_url(f"s3://{s3_bucket}")
    assert landing.url == f"s3://{s3_bucket}"
    landing.put("incoming/a.csv", b"a")
    assert landing.archive("incoming/a.csv", "d") == "archive/d/a.csv"
    keys = [item["Key"] for item in boto3.client("s3").list_objects_v2(Bucket=s3_bucket)["Contents"]]
    assert keys == ["archive/d/a.csv"]


@pytest.mark.parametrize("url", ["ftp://host/x", "/plain/path", "s3:///no-bucket", "file://otherhost/x"])
def test_unsupported_urls(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported landing URL"):
        landing_from_url(url)


def test_file_url_forms(tmp_path: Path) -> None:
    assert landing_from_url(f"file://localhost{tmp_path}").url == tmp_path.resolve().as_uri()
    assert landing_from_url(tmp_path.as_uri()).url == tmp_path.resolve().as_uri()


@pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
def test_exports_land_from_s3_through_an_aws_connection(
    s3_endpoint: str, dlsei_env: Path, warehouse: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside Airflow the landing area's client is the `aws` connection's: its keys, region and endpoint_url extra,
    with nothing for boto3 in the environment."""
    import airflow.sdk  # noqa: F401 - a task has the Task SDK loaded: settings resolve through Airflow's chain

    for variable in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    endpoint = quote(s3_endpoint, safe="")
    monkeypatch.setenv(
        "AIRFLOW_CONN_DLSEI_AWS",
        f"aws://key-of-the-connection:its-secret@/?region_name=us-east-1&endpoint_url={endpoint}",
    )
    bucket = f"exports-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_LANDING_URL", f"s3://{bucket}/coursera")
    direct = boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    direct.create_bucket(Bucket=bucket)
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", universities=2, people=30, days=1))
    for path in sample.files:
        if not path.name.startswith("hec_"):
            direct.put_object(Bucket=bucket, Key=f"coursera/incoming/{path.name}", Body=path.read_bytes())

    settings = load_settings()
    assert settings.aws_conn_id == "dlsei_aws"
    run = RunContext(
        load_id="test/aws-connection", logical_dt=datetime(2026, 11, 2, 8, tzinfo=KARACHI), settings=settings
    )
    report = ingest_coursera_exports(run, resources(settings))

    assert {o.status for o in report.outcomes} == {LOADED} and len(report.outcomes) == 2
    with warehouse.connect() as conn:
        assert conn.execute(select(func.count()).select_from(snap_membership)).scalar_one() > 0
    archived = direct.list_objects_v2(Bucket=bucket, Prefix="coursera/archive/")["Contents"]
    assert len(archived) == 2
    assert "Contents" not in direct.list_objects_v2(Bucket=bucket, Prefix="coursera/incoming/")
