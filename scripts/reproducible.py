"""Files the demo generators write byte for byte the same on every run.

``openpyxl.Workbook.save`` stamps the current time into the document properties
and into every ZIP entry, so two runs of a generator would give different bytes
for the same content. :func:`save_workbook` drives the writer directly and
re-packs the archive with a fixed entry time.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.writer.excel import ExcelWriter

FIXED_TIME = datetime(2024, 6, 30, 9, 0, 0)
ZIP_TIME = (2024, 6, 30, 9, 0, 0)


def save_workbook(workbook: openpyxl.Workbook, path: Path, *, creator: str) -> None:
    """Save ``workbook`` to ``path`` with fixed timestamps: equal content, equal bytes."""
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = creator
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    with (
        zipfile.ZipFile(buffer) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, source.read(info.filename))
