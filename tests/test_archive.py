"""The archive package: the relay log as PDF/A and the Fiks Arkiv V1 messages that file it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from casekit import TEACHER, Clock, make_engine, snapshot, to_level_1_decision, workflow
from storekit import Backend

from btiflow.archive import ARCHIVED, Classification, archive_case, archive_closed, is_archived
from btiflow.case.people import Actor
from btiflow.engine import Engine
from btiflow.errors import ArchiveError, CaseNotFound

if TYPE_CHECKING:
    from xmlschema import XMLSchema

pypdf = pytest.importorskip("pypdf")
xmlschema = pytest.importorskip("xmlschema")

ARCHIVIST = Actor("arkivar-1", "admin", "Arkivtjenesten", "Arkivar A")
SCHEMAS = Path(__file__).resolve().parent.parent.parent / "shared" / "standards" / "fiks-arkiv-v1"
SCHEMA = SCHEMAS / "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.xsd"
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


def fiks_arkiv_schema() -> XMLSchema:
    """The official schema from ../shared/standards; CI must have it, elsewhere it may be gone."""
    if not SCHEMA.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Fiks Arkiv V1 schema is missing in CI: {SCHEMA}")
        pytest.skip(f"the Fiks Arkiv V1 schema is not here ({SCHEMA}); CI has it")
    schema: XMLSchema = xmlschema.XMLSchema(str(SCHEMA))
    return schema


def closed_case(tmp_path: Path, engine: Engine | None = None) -> tuple[Engine, str]:
    """A case walked to level 1's decision and closed there with a closing summary."""
    engine = engine or make_engine(tmp_path)[0]
    case = to_level_1_decision(engine)
    engine.act(
        case.id, "decide", TEACHER, outcome="close", changes="Eleven er mer med i leken",
        agreed="Foresatte og skolen avslutter samarbeidet",
    )  # fmt: skip
    return engine, case.id


def test_closed_case_package_validates_against_fiks_arkiv(tmp_path: Path) -> None:
    """Both arkivmelding messages of a closed case validate against the official schema."""
    schema = fiks_arkiv_schema()
    engine, case_id = closed_case(tmp_path)
    package = archive_case(engine.store, case_id, tmp_path / "arkiv", by=ARCHIVIST, now=NOW)
    names = sorted(p.name for p in package.directory.iterdir())
    assert names == [
        "arkivmelding-avslutning.xml",
        "arkivmelding.xml",
        "manifest.json",
        "stafettlogg.pdf",
    ]
    for name in ("arkivmelding.xml", "arkivmelding-avslutning.xml"):
        schema.validate(str(package.directory / name))


def test_arkivmelding_names_no_child_and_carries_the_checksum(tmp_path: Path) -> None:
    """The folder is titled by subject id and class; the PDF's SHA-256 and name are referenced."""
    engine, case_id = closed_case(tmp_path)
    classification = Classification("KL", "B31")
    package = archive_case(
        engine.store, case_id, tmp_path / "arkiv", by=ARCHIVIST, now=NOW,
        classification=classification,
    )  # fmt: skip
    xml = (package.directory / "arkivmelding.xml").read_text(encoding="utf-8")
    pdf = (package.directory / "stafettlogg.pdf").read_bytes()
    assert "<tittel>Stafettlogg BTI – elev-0042 – KL B31</tittel>" in xml
    assert f"<sjekksum>{hashlib.sha256(pdf).hexdigest()}</sjekksum>" in xml
    assert "<sjekksumAlgoritme>SHA-256</sjekksumAlgoritme>" in xml
    assert "<referanseDokumentfil>stafettlogg.pdf</referanseDokumentfil>" in xml
    assert "Elev D" not in xml  # the child's name (casekit's CHILD) is nowhere
    closing = (package.directory / "arkivmelding-avslutning.xml").read_text(encoding="utf-8")
    assert "Eleven er mer med i leken" in closing
    # placed in the folder of message 1 through btiflow's key for the case
    assert f"<n5mdk:noekkel>{case_id}</n5mdk:noekkel>" in closing


def test_pdf_is_pdf_a_with_fonts_embedded_and_the_timeline(tmp_path: Path) -> None:
    """The PDF's XMP says PDF/A-3B, every font has an embedded font file, the timeline is in it."""
    engine, case_id = closed_case(tmp_path)
    package = archive_case(engine.store, case_id, tmp_path / "arkiv", by=ARCHIVIST, now=NOW)
    reader = pypdf.PdfReader(io.BytesIO((package.directory / "stafettlogg.pdf").read_bytes()))
    xmp = reader.xmp_metadata
    assert xmp is not None
    packet = xmp.stream.get_data().decode()
    assert re.search(r'pdfaid:part="3"', packet)
    assert re.search(r'pdfaid:conformance="B"', packet)
    fonts = 0
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            for part in [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]:
                descriptor = part["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts += 1
    assert fonts > 0
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for line in ("Nærmeste leder informert", "Foresatte informert", "Saken avsluttet på nivå 1"):
        assert line in text
    assert "Slik foresatte og barnet ser saken" in text


def test_manifest_and_archived_entry(tmp_path: Path) -> None:
    """The manifest lists each file's checksum; the log's new entry records the manifest's."""
    engine, case_id = closed_case(tmp_path)
    before = engine.case(case_id)
    package = archive_case(engine.store, case_id, tmp_path / "arkiv", by=ARCHIVIST, now=NOW)
    manifest_bytes = (package.directory / "manifest.json").read_bytes()
    manifest = json.loads(manifest_bytes)
    assert package.checksum == hashlib.sha256(manifest_bytes).hexdigest()
    for item in manifest["files"]:
        data = (package.directory / item["name"]).read_bytes()
        assert item["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["send_in_order"] == ["arkivmelding.xml", "arkivmelding-avslutning.xml"]
    last = engine.log(case_id)[-1]
    assert last.kind == ARCHIVED
    assert last.actor == ARCHIVIST.id
    assert last.role == "admin"
    assert dict(last.data) == {
        "package": package.checksum,
        "status": "closed",
        "head_seq": before.seq,
        "head_hash": before.head_hash,
    }
    assert engine.verify().ok
    assert engine.case(case_id).status == "closed"
    assert engine.store.access_log(case_id)[-1].what == "archive"
    assert engine.store.access_log(case_id)[-1].seq == last.seq


def test_open_case_on_demand_does_not_count_as_archived(tmp_path: Path) -> None:
    """An open case can be archived on demand: one message, and it is still to be archived."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    package = archive_case(engine.store, case.id, tmp_path / "arkiv", by=ARCHIVIST, now=NOW)
    assert not (package.directory / "arkivmelding-avslutning.xml").exists()
    assert not is_archived(engine.log(case.id))


def test_closed_before_archives_each_case_once(tmp_path: Path) -> None:
    """Two runs over the same cases: the first archives the closed one, the second nothing."""
    engine, case_id = closed_case(tmp_path)
    out = tmp_path / "arkiv"
    first = archive_closed(
        engine.store, out, closed_before=dt.date(2026, 12, 1), by=ARCHIVIST, now=NOW
    )
    assert [p.case_id for p in first.packages] == [case_id]
    second = archive_closed(
        engine.store, out, closed_before=dt.date(2026, 12, 1), by=ARCHIVIST, now=NOW
    )
    assert second.packages == ()
    assert second.failed == ()
    assert [e.kind for e in engine.log(case_id)].count(ARCHIVED) == 1
    assert len(list(out.iterdir())) == 1


def test_closed_before_on_every_store(tmp_path: Path, backend: Backend) -> None:
    """SQLite and PostgreSQL alike: the closed case is archived once and the chain verifies."""
    engine, case_id = closed_case(tmp_path, Engine(workflow(), backend.open(), clock=Clock()))
    for _ in range(2):
        archive_closed(
            engine.store, tmp_path / "arkiv", closed_before=dt.date(2026, 12, 1), by=ARCHIVIST
        )
    assert [e.kind for e in engine.log(case_id)].count(ARCHIVED) == 1
    assert engine.verify().ok


def test_closed_before_leaves_later_closings(tmp_path: Path) -> None:
    """A case closed on or after the date is left for a later run."""
    engine, case_id = closed_case(tmp_path)
    closed_day = dt.datetime.fromisoformat(engine.case(case_id).closed_at or "").date()
    run = archive_closed(engine.store, tmp_path / "arkiv", closed_before=closed_day, by=ARCHIVIST)
    assert run.packages == ()
    assert not (tmp_path / "arkiv").exists()


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    """Unknown case, a file for a directory, a non-administrator: an error, nothing written."""
    engine, case_id = closed_case(tmp_path)
    before = snapshot(engine)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(CaseNotFound):
        archive_case(engine.store, "no-such-case", tmp_path / "arkiv", by=ARCHIVIST)
    with pytest.raises(ArchiveError, match="not a directory"):
        archive_case(engine.store, case_id, blocker / "arkiv", by=ARCHIVIST)
    with pytest.raises(ArchiveError, match="administrator"):
        archive_case(engine.store, case_id, tmp_path / "arkiv", by=TEACHER)
    assert snapshot(engine) == before
    assert not (tmp_path / "arkiv").exists()


def test_document_speaks_the_guides_language(tmp_path: Path) -> None:
    """A nynorsk guide's case gets the document's frame in nynorsk."""
    engine, _ = make_engine(tmp_path, "nore-og-uvdal")
    case = engine.open_case("elev-0042", TEACHER, concern="Trekker seg unna i friminutta")
    package = archive_case(engine.store, case.id, tmp_path / "arkiv", by=ARCHIVIST, now=NOW)
    reader = pypdf.PdfReader(io.BytesIO((package.directory / "stafettlogg.pdf").read_bytes()))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Slik føresette og barnet ser saka" in text
    assert "Saka er open" in text
