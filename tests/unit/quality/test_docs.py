"""Data Docs published where people read them: the site GX builds, mirrored to an S3 prefix (a real S3 API on
localhost), changed pages only, and the link the run summary carries."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pandas as pd
import pytest

from dlsei.quality import validate
from dlsei.quality.context import ROOT_ENV, gx_root
from dlsei.quality.docs import (
    Mirrored,
    build_data_docs,
    data_docs_link,
    mirror_site,
    prune_results,
    publish_data_docs,
)
from dlsei.settings import ConfigurationError, load_settings


@pytest.fixture
def gx_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "great_expectations"
    shutil.copytree(gx_root(), root, ignore=shutil.ignore_patterns("uncommitted"))
    monkeypatch.setenv(ROOT_ENV, str(root))
    yield root


def objects(bucket: str, prefix: str) -> dict[str, dict]:
    client = boto3.client("s3")
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {item["Key"]: client.head_object(Bucket=bucket, Key=item["Key"]) for item in listed}


def site(root: Path, pages: dict[str, str]) -> Path:
    for name, text in pages.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_the_mirror_uploads_changed_pages_and_deletes_pruned_ones(s3_bucket: str, tmp_path: Path) -> None:
    boto3.client("s3").put_object(Bucket=s3_bucket, Key="elsewhere/keep.txt", Body=b"not the site's")
    local = site(
        tmp_path / "site",
        {"index.html": "<html>1</html>", "static/styles/x.css": "body {}", "validations/a.html": "a"},
    )
    url = f"s3://{s3_bucket}/data-docs"

    assert mirror_site(local, url) == Mirrored(uploaded=3, unchanged=0, deleted=0)
    stored = objects(s3_bucket, "data-docs/")
    assert sorted(stored) == ["data-docs/index.html", "data-docs/static/styles/x.css", "data-docs/validations/a.html"]
    assert stored["data-docs/index.html"]["ContentType"] == "text/html"
    assert stored["data-docs/static/styles/x.css"]["ContentType"] == "text/css"

    (local / "validations" / "a.html").unlink()  # a pruned validation result
    site(local, {"index.html": "<html>2</html>", "validations/b.html": "b"})
    assert mirror_site(local, url) == Mirrored(uploaded=2, unchanged=1, deleted=1)
    assert sorted(objects(s3_bucket, "data-docs/")) == [
        "data-docs/index.html",
        "data-docs/static/styles/x.css",
        "data-docs/validations/b.html",
    ]
    body = boto3.client("s3").get_object(Bucket=s3_bucket, Key="data-docs/index.html")["Body"].read()
    assert body == b"<html>2</html>"
    assert list(objects(s3_bucket, "elsewhere/")) == ["elsewhere/keep.txt"], "only the site's prefix is touched"


def test_a_run_builds_the_site_and_publishes_it_to_s3(gx_project: Path, s3_bucket: str) -> None:
    frame = pd.DataFrame({"program_slug": ["p1"], "university_id": ["U1"], "cohort_id": ["C1"]}, dtype="string")
    validate("registry:programmes", frame, source="hec_programmes.csv", parameters={"university_ids": ["U1"]})
    settings = replace(load_settings(), data_docs_url=f"s3://{s3_bucket}/dq/site/")

    link = publish_data_docs(settings, datetime.now(UTC))

    assert link == f"s3://{s3_bucket}/dq/site/index.html"
    local = gx_project / "uncommitted" / "data_docs" / "local_site"
    published = objects(s3_bucket, "dq/site/")
    assert len(published) == sum(1 for p in local.rglob("*") if p.is_file())
    index = boto3.client("s3").get_object(Bucket=s3_bucket, Key="dq/site/index.html")["Body"].read().decode()
    assert "hec_programmes" in index


def test_the_link_is_the_configured_address_else_the_index(gx_project: Path) -> None:
    settings = load_settings()
    assert data_docs_link(settings) == (gx_project / "uncommitted/data_docs/local_site/index.html").as_uri()
    assert data_docs_link(replace(settings, data_docs_url="s3://b/p")) == "s3://b/p/index.html"
    website = "https://dq.example.org/index.html"
    assert data_docs_link(replace(settings, data_docs_url="s3://b/p", data_docs_link=website)) == website


@pytest.mark.parametrize("url", ["s3://bucket", "s3://bucket/", "https://bucket/prefix", "/var/docs"])
def test_the_mirror_needs_a_prefix_of_its_own(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="s3://bucket/prefix"):
        mirror_site(tmp_path, url)


def test_results_past_their_keeping_leave_the_project_and_the_site(gx_project: Path) -> None:
    frame = pd.DataFrame({"program_slug": ["p1"], "university_id": ["U1"], "cohort_id": ["C1"]}, dtype="string")
    for source in ("old.csv", "new.csv"):
        validate("registry:programmes", frame, source=source, parameters={"university_ids": ["U1"]})
    results = gx_project / "uncommitted" / "validations" / "hec_programmes"
    old_result = next((results / "old.csv").rglob("*.json"))
    made = datetime.strptime(old_result.parent.name, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=UTC)
    new_made = datetime.strptime(next((results / "new.csv").rglob("*.json")).parent.name, "%Y%m%dT%H%M%S.%fZ")
    between = made + (new_made.replace(tzinfo=UTC) - made) / 2
    settings = replace(load_settings(), dq_results_keep_days=30)

    assert prune_results(30, between + timedelta(days=29)) == 0
    publish_data_docs(settings, between + timedelta(days=30))

    assert sorted(p.name for p in results.iterdir()) == ["new.csv"], "the old result and its folders are gone"
    pages = gx_project / "uncommitted" / "data_docs" / "local_site" / "validations" / "hec_programmes"
    assert sorted(p.name for p in pages.iterdir()) == ["new.csv"]
    assert "old.csv" not in (pages.parents[1] / "index.html").read_text(encoding="utf-8")


def test_a_build_renders_only_the_results_stored_since_the_last_one(gx_project: Path) -> None:
    frame = pd.DataFrame({"program_slug": ["p1"], "university_id": ["U1"], "cohort_id": ["C1"]}, dtype="string")
    validate("registry:programmes", frame, source="monday.csv", parameters={"university_ids": ["U1"]})
    index = build_data_docs()
    pages = index.parent / "validations" / "hec_programmes"
    (monday,) = (pages / "monday.csv").rglob("*.html")
    monday.write_text("rendered on monday", encoding="utf-8")  # a page rendered again would lose this

    validate("registry:programmes", frame, source="tuesday.csv", parameters={"university_ids": ["U1"]})
    assert build_data_docs() == index

    assert monday.read_text(encoding="utf-8") == "rendered on monday"
    (tuesday,) = (pages / "tuesday.csv").rglob("*.html")
    assert "hec_programmes" in tuesday.read_text(encoding="utf-8")
    listed = index.read_text(encoding="utf-8")
    assert "monday.csv" in listed and "tuesday.csv" in listed
    assert (index.parent / "expectations" / "hec_programmes.html").exists()
