"""The end of a case's life in btiflow: its archive package for the municipality's archive.

``archive_case`` and ``archive_closed`` write, per case, the relay log as PDF/A and the KS Fiks
Arkiv V1 ``arkivmelding`` messages that file it, and record a ``case_archived`` entry in the
case's log. Sending the messages through Fiks IO is the municipality's integration's job. The
PDF needs the optional extra ``btiflow[archive]`` (WeasyPrint). See docs/archive.md.
"""

from btiflow.archive.arkivmelding import ArchivedFile, Classification
from btiflow.archive.package import (
    ARCHIVED,
    ArchivePackage,
    ArchiveRun,
    archive_case,
    archive_closed,
    is_archived,
)

__all__ = [
    "ARCHIVED",
    "ArchivePackage",
    "ArchiveRun",
    "ArchivedFile",
    "Classification",
    "archive_case",
    "archive_closed",
    "is_archived",
]
