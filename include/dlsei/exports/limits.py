"""How large a delivered file may make itself once read: members, sizes and compression ratio of a ZIP, and the
longest field of a CSV. A file over a limit is refused with the limit named, before it can fill a disk or memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dlsei.settings import Settings, load_settings

# Below this a member's compression ratio says nothing: a short header-only CSV compresses far better than data.
RATIO_FLOOR_BYTES: Final = 1 << 20


@dataclass(frozen=True)
class Limits:
    max_members: int
    max_member_bytes: int
    max_total_bytes: int
    max_ratio: int
    max_field_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_members=settings.zip_max_members,
            max_member_bytes=settings.zip_max_member_bytes,
            max_total_bytes=settings.zip_max_total_bytes,
            max_ratio=settings.zip_max_ratio,
            max_field_bytes=settings.csv_max_field_bytes,
        )


def current_limits() -> Limits:
    """The limits the deployment's settings give."""
    return Limits.from_settings(load_settings())
