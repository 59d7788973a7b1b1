"""``gridgis demo`` writes the guideline's documents and says where they are."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from pypdf import PdfReader

from gridgis.cli.main import cli


def test_demo_writes_statistics_notice_cards_and_figure(demo_run: tuple[Path, str]) -> None:
    out, printed = demo_run
    assert "10. stats" in printed and "agrees with the assign line" in printed
    assert "11. print" in printed and "HTML and PDF" in printed
    folder = out / "documents"
    assert f"documents to print       {folder}" in printed
    notice = folder / "640122101204-谢家井村"
    cards = folder / "640122101204-谢家井村-网格员责任告知卡"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            "stats.xlsx",
            notice.name + ".html",
            notice.name + ".pdf",
            cards.name + ".html",
            cards.name + ".pdf",
            "supervision.png",
        ]
    )
    assert openpyxl.load_workbook(folder / "stats.xlsx").active["G6"].value == 3000
    assert "0951-0000000（演示）" in notice.with_suffix(".html").read_text(encoding="utf-8")
    assert len(PdfReader(notice.with_suffix(".pdf")).pages) >= 1
    assert len(PdfReader(cards.with_suffix(".pdf")).pages) >= 1


def test_the_document_commands_are_registered() -> None:
    assert {"stats", "ledger", "notice", "cards", "figure"} <= set(cli.commands)
    assert "export" in cli.commands["ledger"].commands  # type: ignore[attr-defined]
