"""The landing area: where exports arrive (`incoming/`), where loaded files are kept (`archive/`), where bad ones
are put aside with their reason (`quarantine/`), and where generated reports are written (`reports/`).

Two backends, one behaviour: a local folder (`file:///...`) for development and single-machine runs, and an S3
bucket (`s3://bucket/prefix`) for workers spread over machines, reached through the `aws` connection `dlsei_aws`
when one is set. Moves, naming and the quarantine reason are written
once, in `Landing`, on top of a few storage primitives, so the backends cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from tempfile import TemporaryDirectory
from typing import Any, Final
from urllib.parse import urlsplit
from urllib.request import url2pathname

import boto3
from botocore.exceptions import ClientError

INCOMING: Final = "incoming/"
ARCHIVE: Final = "archive/"
QUARANTINE: Final = "quarantine/"
REPORTS: Final = "reports/"
REASON_SUFFIX: Final = ".reason.json"
CHUNK_BYTES: Final = 1 << 20


@dataclass(frozen=True)
class LandedFile:
    key: str  # relative to the landing root, e.g. "incoming/x.csv"
    name: str
    size: int
    # When it was delivered (the file's modification time, the object's LastModified), UTC: what dates a file whose
    # name carries no export time.
    modified: datetime | None = field(default=None, compare=False)


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"not a landing key: {key!r}")
    return key


def _check_prefix(prefix: str) -> str:
    if prefix.startswith("/") or any(part in (".", "..") for part in prefix.split("/")):
        raise ValueError(f"not a landing prefix: {prefix!r}")
    return prefix


def _numbered(name: str, number: int) -> str:
    """`x.csv`, then `x.1.csv`, `x.2.csv`...: the original extension stays last, so the file still opens."""
    if number == 0:
        return name
    path = PurePosixPath(name)
    return f"{path.stem}.{number}{path.suffix}"


class Landing(ABC):
    url: str

    @abstractmethod
    def list(self, prefix: str) -> list[LandedFile]:
        """Files whose key starts with `prefix`, at any depth, sorted by key."""

    @abstractmethod
    def fetch(self, key: str) -> AbstractContextManager[Path]:
        """A local path to read the file from, valid inside the `with` block."""

    @abstractmethod
    def put(self, key: str, data: bytes) -> None:
        """Write a file whole (replacing any file of that key): readers see the old bytes or the new, never a part."""

    @abstractmethod
    def _chunks(self, key: str) -> Iterator[bytes]: ...

    @abstractmethod
    def _move(self, source: str, target: str) -> None:
        """Move a file: FileExistsError if `target` exists (nothing moves), FileNotFoundError if `source` is gone."""

    @abstractmethod
    def _delete(self, key: str) -> None: ...

    def list_incoming(self) -> list[LandedFile]:
        return sorted(self.list(INCOMING), key=lambda landed: (landed.name, landed.key))

    def sha256(self, key: str) -> str:
        digest = hashlib.sha256()
        for chunk in self._chunks(_check_key(key)):
            digest.update(chunk)
        return digest.hexdigest()

    def archive(self, key: str, subdir: str) -> str:
        """Move an incoming file to archive/<subdir>/<name>; a name already taken gets a number. Returns the new key."""
        return self._move_aside(key, f"{ARCHIVE}{subdir.strip('/')}/")

    def quarantine(self, key: str, reason: dict[str, Any]) -> str:
        """Move an incoming file, bytes untouched, to quarantine/<name> and write <name>.reason.json beside it."""
        target = self._move_aside(key, QUARANTINE)
        text = json.dumps(reason, indent=2, ensure_ascii=False, sort_keys=True, default=str)
        self.put(target + REASON_SUFFIX, text.encode("utf-8"))
        return target

    def replay(self, name: str) -> str:
        """Put a fixed quarantined file back in incoming/ for the next run, and drop its reason. Returns the new key."""
        source = _check_key(QUARANTINE + name)
        target = INCOMING + name
        self._move(source, target)
        self._delete(source + REASON_SUFFIX)
        return target

    def reload(self, stored_key: str) -> str:
        """Move an archived file back to incoming/ for the next run to load it again. Returns the new key."""
        if not _check_key(stored_key).startswith(ARCHIVE):
            raise ValueError(f"only archived files are loaded again, not {stored_key!r}")
        target = INCOMING + PurePosixPath(stored_key).name
        self._move(stored_key, target)
        return target

    def _move_aside(self, key: str, folder: str) -> str:
        if not _check_key(key).startswith(INCOMING):
            raise ValueError(f"only incoming files are archived or quarantined, not {key!r}")
        name = PurePosixPath(key).name
        number = 0
        while True:
            target = _check_key(folder + _numbered(name, number))
            try:
                self._move(key, target)
            except FileExistsError:
                number += 1
                continue
            return target


class LocalLanding(Landing):
    # Written beside the final file and renamed over it, so a partial file never carries a landed name.
    _PARTIAL: Final = ".dlsei-partial-"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.url = self.root.as_uri()

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def list(self, prefix: str) -> list[LandedFile]:
        folder = self.root / _check_prefix(prefix)[: prefix.rfind("/") + 1]
        if not folder.is_dir():
            return []
        found = []
        for path in folder.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            if not key.startswith(prefix) or path.name.startswith(self._PARTIAL):
                continue
            try:
                if path.is_file():
                    stat = path.stat()
                    modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
                    found.append(LandedFile(key=key, name=path.name, size=stat.st_size, modified=modified))
            except FileNotFoundError:
                continue  # moved away by another worker while we looked
        return sorted(found, key=lambda landed: landed.key)

    @contextmanager
    def _local(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(f"{self.url}/{key}")
        yield path

    def fetch(self, key: str) -> AbstractContextManager[Path]:
        return self._local(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{self._PARTIAL}{uuid.uuid4().hex}")
        try:
            with partial.open("xb") as stream:
                stream.write(data)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)

    def _chunks(self, key: str) -> Iterator[bytes]:
        with self._path(key).open("rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                yield chunk

    def _move(self, source: str, target: str) -> None:
        source_path, target_path = self._path(source), self._path(target)
        if not source_path.is_file():
            raise FileNotFoundError(f"{self.url}/{source}")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        # Claim the target name first (O_EXCL fails if it exists), then rename over the claim: two workers can never
        # both take one name, and nothing already there is overwritten.
        os.close(os.open(target_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        try:
            source_path.replace(target_path)
        except BaseException:
            target_path.unlink(missing_ok=True)
            raise

    def _delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def s3_client(aws_conn_id: str | None = None) -> Any:
    """The boto3 S3 client of the Airflow connection `aws_conn_id` (type `aws`), made by the Amazon provider's
    S3Hook: its keys, region and `endpoint_url` extra (MinIO and other S3-compatible stores), or, when it holds no
    keys, the IAM role / instance profile. Without a connection: boto3's own chain (the AWS_* variables)."""
    if aws_conn_id is None:
        return boto3.client("s3")
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    return S3Hook(aws_conn_id=aws_conn_id).get_conn()


class S3Landing(Landing):
    """A bucket (and optional prefix) reached with the client of `s3_client(aws_conn_id)`."""

    def __init__(self, bucket: str, prefix: str = "", aws_conn_id: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self._client = s3_client(aws_conn_id)

    def _object(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def list(self, prefix: str) -> list[LandedFile]:
        found = []
        skip = len(self.prefix) + 1 if self.prefix else 0
        for page in self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._object(_check_prefix(prefix))
        ):
            for item in page.get("Contents", []):
                key = item["Key"][skip:]
                if key and not key.endswith("/"):  # "folder" marker objects made by consoles are not files
                    found.append(
                        LandedFile(
                            key=key, name=PurePosixPath(key).name, size=item["Size"], modified=item["LastModified"]
                        )
                    )
        return sorted(found, key=lambda landed: landed.key)

    @contextmanager
    def _downloaded(self, key: str) -> Iterator[Path]:
        with TemporaryDirectory(prefix="dlsei-landing-") as scratch:
            path = Path(scratch) / PurePosixPath(key).name
            try:
                # Streamed to disk in parts by boto3's transfer manager: a large export never sits in memory.
                self._client.download_file(self.bucket, self._object(_check_key(key)), str(path))
            except ClientError as error:
                if _missing(error):
                    raise FileNotFoundError(f"{self.url}/{key}") from error
                raise
            yield path

    def fetch(self, key: str) -> AbstractContextManager[Path]:
        return self._downloaded(key)

    def put(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self.bucket, Key=self._object(_check_key(key)), Body=data)

    def _chunks(self, key: str) -> Iterator[bytes]:
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=self._object(key))["Body"]
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(f"{self.url}/{key}") from error
            raise
        with body:
            yield from body.iter_chunks(CHUNK_BYTES)

    def _exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as error:
            if _missing(error):
                return False
            raise
        return True

    def _move(self, source: str, target: str) -> None:
        # S3 has no rename and no conditional copy: check, copy, delete. Unlike the local backend, two workers
        # moving files to one name in the same instant could still collide.
        if self._exists(target):
            raise FileExistsError(f"{self.url}/{target}")
        if not self._exists(source):
            raise FileNotFoundError(f"{self.url}/{source}")
        copy_source = {"Bucket": self.bucket, "Key": self._object(source)}
        self._client.copy(copy_source, self.bucket, self._object(target))  # multipart above 5 GB, unlike copy_object
        self._client.delete_object(Bucket=self.bucket, Key=self._object(source))

    def _delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._object(key))


def landing_from_url(url: str, aws_conn_id: str | None = None) -> Landing:
    """`file:///abs/path` -> LocalLanding; `s3://bucket/prefix` -> S3Landing (through `aws_conn_id` if given)."""
    parts = urlsplit(url)
    if parts.scheme == "file" and parts.netloc in ("", "localhost"):
        return LocalLanding(Path(url2pathname(parts.path)))
    if parts.scheme == "s3" and parts.netloc:
        return S3Landing(parts.netloc, parts.path, aws_conn_id)
    raise ValueError(f"unsupported landing URL {url!r}: use file:///absolute/path or s3://bucket/prefix")
