"""Rebuild GX Data Docs from the stored suites and validation results, and publish the site where people read it.

The site is always built into the GX project's local folder (GX's own SiteBuilder). In production
`AIRFLOW_VAR_DLSEI_DATA_DOCS_URL=s3://bucket/prefix` mirrors it there after each build; the run summary links to
`AIRFLOW_VAR_DLSEI_DATA_DOCS_LINK` (the address a browser opens: an S3 website or CDN in front of that prefix),
else to the index's own URL.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlparse

from dlsei.quality.context import get_context, gx_root
from dlsei.settings import Settings, s3_bucket_and_prefix

LOCAL_SITE: Final = Path("uncommitted/data_docs/local_site")
INDEX: Final = "index.html"


def prune_results(keep_days: int, now: datetime) -> int:
    """Remove the GX validation results older than `keep_days` (the warehouse's dq_result keeps every outcome, so
    nothing is lost to analysts) and return how many went: each build renders every stored result, so without
    this the site, and its build, would grow every day. GX drops the removed results' pages at the next build."""
    context = get_context()
    store = context.validation_results_store
    cutoff = now - timedelta(days=keep_days)
    old = [key for key in store.list_keys() if key.run_id.run_time < cutoff]
    for key in old:
        store.remove_key(key)
    # The filesystem store leaves each removed result's folders (run name, run time) behind. Only those are
    # removed, and only when empty: another run's validation may be creating its own folders meanwhile.
    results = Path(context.root_directory) / "uncommitted" / "validations"
    for key in old:
        suite, run_name, run_time, *_ = key.to_tuple()
        for folder in (results / suite / run_name / run_time, results / suite / run_name):
            with contextlib.suppress(OSError):  # not empty (or already gone): kept
                folder.rmdir()
    return len(old)


def build_data_docs() -> Path:
    """Bring the local site up to date once per run, downstream of every validation, and return its index.html.

    Only the pages missing from the site are rendered (the results stored since the last build) and the suites'
    own pages, which `dlsei.quality.maintain` may have changed; the index is rebuilt whole, and GX drops from it, and
    from the site, the pages of results pruned meanwhile. Rendering every stored result each day cost about 14 s a
    run after a few days, and would grow with the days kept. Validations never build docs themselves: parallel
    tasks would race on the same site files.
    """
    context = get_context()
    pages = Path(context.root_directory) / LOCAL_SITE / "validations"
    missing = [
        key
        for key in context.validation_results_store.list_keys()
        if not pages.joinpath(*key.to_tuple()[:-1], f"{key.to_tuple()[-1]}.html").exists()
    ]
    # Never empty: GX reads an empty list as "render everything".
    suites = list(context.expectations_store.list_keys())
    urls = context.build_data_docs(resource_identifiers=[*suites, *missing])
    return Path(unquote(urlparse(urls["local_site"]).path))


@dataclass(frozen=True)
class Mirrored:
    uploaded: int
    unchanged: int
    deleted: int


def mirror_site(site: Path, url: str, aws_conn_id: str | None = None) -> Mirrored:
    """Make `s3://bucket/prefix` hold exactly the files of the local `site` folder: pages whose bytes changed are
    uploaded with their content type (so a browser renders them), pages gone from the site (pruned validation
    results) are deleted, and the rest is left alone: most pages of a day-old site are unchanged."""
    from dlsei.ingest.landing import s3_client  # boto3: only a production run with a Data Docs URL pays for it

    bucket, prefix = s3_bucket_and_prefix(url)
    client = s3_client(aws_conn_id)
    stored = {
        item["Key"]: item["ETag"].strip('"')
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/")
        for item in page.get("Contents", [])
    }
    uploaded = unchanged = 0
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        key = f"{prefix}/{path.relative_to(site).as_posix()}"
        body = path.read_bytes()
        # A single-part upload's ETag is the MD5 of its bytes; a page is far below the multipart threshold. (With
        # SSE-KMS the ETag is no MD5: every page is then uploaded again, which costs requests, never a page.)
        if stored.pop(key, None) == hashlib.md5(body, usedforsecurity=False).hexdigest():
            unchanged += 1
            continue
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
        uploaded += 1
    stale = sorted(stored)
    for start in range(0, len(stale), 1000):  # DeleteObjects takes at most 1,000 keys
        batch = [{"Key": key} for key in stale[start : start + 1000]]
        client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    return Mirrored(uploaded=uploaded, unchanged=unchanged, deleted=len(stale))


def data_docs_link(settings: Settings) -> str:
    """Where the data team opens the site: the configured link, else the S3 index, else the local index."""
    if settings.data_docs_link:
        return settings.data_docs_link
    if settings.data_docs_url:
        bucket, prefix = s3_bucket_and_prefix(settings.data_docs_url)
        return f"s3://{bucket}/{prefix}/{INDEX}"
    return (gx_root() / LOCAL_SITE / INDEX).as_uri()


def data_docs_line(settings: Settings) -> str:
    """The line a note to the data team carries when a check stopped something."""
    return f"Every check, in Data Docs: {data_docs_link(settings)}\n"


def publish_data_docs(settings: Settings, now: datetime) -> str:
    """Prune results past their keeping, rebuild the site, mirror it when a Data Docs URL is set, and return the
    link to it."""
    prune_results(settings.dq_results_keep_days, now)
    index = build_data_docs()
    if settings.data_docs_url:
        mirror_site(index.parent, settings.data_docs_url, settings.aws_conn_id)
    return data_docs_link(settings)
