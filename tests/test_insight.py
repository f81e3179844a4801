"""The right of access (GDPR art. 15): everything held about a guardian or young person."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from casekit import GUARDIAN, TEACHER, make_engine, snapshot, to_level_2

from btiflow.case.people import Actor
from btiflow.errors import ArchiveError
from btiflow.insight import person_insight, write_insight

pypdf = pytest.importorskip("pypdf")

OFFICER = Actor("personvern-1", "admin", "Kommunen", "Personvernombud P")
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


def test_guardian_gets_view_writings_consents_and_access_log(tmp_path: Path) -> None:
    """A guardian's insight: the family's view, their note and consent, and who read the case."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    engine.act(case.id, "add_note", GUARDIAN, text="Vi ønsker møter etter kl. 15")
    engine.view(case.id, GUARDIAN)  # the guardian's own read, logged
    found = person_insight(engine.store, GUARDIAN.id, by=OFFICER, now=NOW)
    (part,) = found.cases
    assert part.relation == "guardian"
    assert part.recorded["id"] == GUARDIAN.id
    assert part.view.case_id == case.id
    # the consent to the relay log itself (leaving level 0), the health station's, and the note
    assert [w.kind for w in part.written] == ["consent_given", "consent_given", "note_added"]
    assert part.written[-1].data["text"] == "Vi ønsker møter etter kl. 15"
    assert [w.kind for w in part.consents] == ["consent_given", "consent_given"]
    assert {"view:family"} <= {r.what for r in part.access_log}
    assert TEACHER.id in {r.actor for r in part.access_log}


def test_write_insight_json_and_pdf_hold_the_access_log(tmp_path: Path) -> None:
    """innsyn.json holds the access log; innsyn.pdf is PDF/A and says who has seen the case."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    engine.view(case.id, GUARDIAN)
    export = write_insight(engine.store, GUARDIAN.id, tmp_path / "innsyn", by=OFFICER, now=NOW)
    data = json.loads(export.json_path.read_text(encoding="utf-8"))
    (part,) = data["cases"]
    assert part["case"] == case.id
    assert any(r["what"] == "view:family" for r in part["access_log"])
    assert part["family_view"]["case_id"] == case.id
    reader = pypdf.PdfReader(io.BytesIO(export.pdf_path.read_bytes()))
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert 'pdfaid:part="3"' in xmp.stream.get_data().decode()
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Hvem har sett saken, og hva de gjorde" in text
    assert "Samtykke gitt for Helsestasjonen" in text
    assert engine.store.access_log(case.id)[-1].what == "insight"


def test_the_child_gets_their_own_case(tmp_path: Path) -> None:
    """The young person the case is about is found by the case's subject id."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    found = person_insight(engine.store, case.subject, by=OFFICER, now=NOW)
    assert [(c.case_id, c.relation) for c in found.cases] == [(case.id, "child")]
    assert found.cases[0].recorded == {"id": case.subject, "birth_date": None}


def test_unknown_person_or_non_admin_writes_nothing(tmp_path: Path) -> None:
    """No case names the person, or the caller is no administrator: an error, nothing written."""
    engine, _ = make_engine(tmp_path)
    to_level_2(engine)
    before = snapshot(engine)
    with pytest.raises(ArchiveError, match="no case"):
        write_insight(engine.store, "ingen-slik", tmp_path / "innsyn", by=OFFICER)
    with pytest.raises(ArchiveError, match="administrator"):
        write_insight(engine.store, GUARDIAN.id, tmp_path / "innsyn", by=TEACHER)
    assert snapshot(engine) == before
    assert not (tmp_path / "innsyn").exists()
