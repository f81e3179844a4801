"""The ``arkivmelding`` messages of KS Fiks Arkiv V1 (``…arkivering.arkivmelding.opprett``).

A message creates at most one case folder (``mappe``) and one registry entry (``registrering``),
so a closed case is two messages, sent in order by the municipality's integration:

1. ``arkivmelding.xml``: the case folder (a ``saksmappe``) and a ``journalpost`` for the relay
   log document (the PDF/A), with the file's name, size and SHA-256 checksum;
2. ``arkivmelding-avslutning.xml``: a ``journalpost`` for the closing summary, placed in the
   folder of message 1 through btiflow's key for the case (``referanseEksternNoekkel``).

No name of the child appears: the folder is titled with the subject id and the municipality's
classification, and every part is screened (``skjerming``: duty of confidentiality). Written with
the standard library; the schema (in ``../shared/standards/fiks-arkiv-v1/``) is used only by
tests.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import attrs

from btiflow.case.state import Case
from btiflow.localtime import OSLO

NAMESPACE = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/arkivmelding/opprett/v1"
METADATA = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/metadatakatalog/v1"
"""The Noark 5 metadata catalogue's namespace: children of its types (a code's ``kode``, a
key's ``noekkel``) are in it, while the message's own elements are in ``NAMESPACE``."""
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MESSAGE_TYPE = "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett"
SYSTEM = "btiflow"
"""The case system's name: ``system`` of each message and ``fagsystem`` of btiflow's keys."""

CONFIDENTIAL = ("13", "Taushetsplikt", "Offl. § 13, jf. fvl. § 13")
"""Access restriction code, its meaning, and the legal basis for screening (Noark 5)."""


@attrs.frozen
class Classification:
    """The municipality's classification of BTI cases in its archive (``klassifikasjon``)."""

    system: str = "BTI"
    """``klassifikasjonssystemID``: the archive's classification system."""
    class_id: str = "stafettlogg"
    """``klasseID``: the class BTI cases are filed under."""

    @classmethod
    def parse(cls, text: str) -> Classification:
        """``SYSTEM=CLASS`` (e.g. ``KL=B31``) as a classification; ValueError if malformed."""
        system, sep, class_id = text.partition("=")
        if not sep or not system.strip() or not class_id.strip():
            raise ValueError(f"a classification is SYSTEM=CLASS (e.g. KL=B31), not {text!r}")
        return cls(system.strip(), class_id.strip())


@attrs.frozen
class ArchivedFile:
    """A file of the package as the message describes it."""

    name: str
    sha256: str
    size: int


def _iso(moment: dt.datetime | str) -> str:
    when = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


def _day(moment: dt.datetime | str) -> str:
    when = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return when.astimezone(OSLO).date().isoformat()


class _Builder:
    """Elements in the schema's namespaces; the schema fixes the order of children."""

    def el(
        self, parent: ET.Element, name: str, text: str | None = None, ns: str = NAMESPACE
    ) -> ET.Element:
        child = ET.SubElement(parent, f"{{{ns}}}{name}")
        if text is not None:
            child.text = text
        return child

    def code(self, parent: ET.Element, name: str, code: str, meaning: str) -> ET.Element:
        element = self.el(parent, name)
        self.el(element, "kode", code, METADATA)
        self.el(element, "beskrivelse", meaning, METADATA)
        return element

    def key(self, parent: ET.Element, name: str, key: str, ns: str = NAMESPACE) -> None:
        element = self.el(parent, name, ns=ns)
        self.el(element, "fagsystem", SYSTEM, METADATA)
        self.el(element, "noekkel", key, METADATA)

    def screened(self, parent: ET.Element) -> None:
        code, meaning, basis = CONFIDENTIAL
        element = self.el(parent, "skjerming")
        self.code(element, "tilgangsrestriksjon", code, meaning)
        self.el(element, "skjermingshjemmel", basis)

    def message(self, files: int) -> ET.Element:
        root = ET.Element(f"{{{NAMESPACE}}}arkivmelding")
        self.el(root, "system", SYSTEM)
        self.el(root, "antallFiler", str(files))
        return root


def case_key(case: Case) -> str:
    """btiflow's key for the case folder in the archive (``referanseEksternNoekkel``)."""
    return case.id


def folder_title(case: Case, classification: Classification) -> str:
    """The case folder's title: the subject id and the classification, never a name."""
    return f"Stafettlogg BTI – {case.subject} – {classification.system} {classification.class_id}"


def relay_log_message(
    case: Case,
    document: ArchivedFile,
    *,
    classification: Classification,
    archived_at: dt.datetime,
    archived_by: str,
) -> bytes:
    """Message 1: the case folder and the relay log document's registry entry."""
    b = _Builder()
    root = b.message(files=1)
    folder = b.el(root, "mappe")
    folder.set(f"{{{XSI}}}type", "saksmappe")
    b.el(folder, "tittel", folder_title(case, classification))
    b.el(folder, "offentligTittel", "Stafettlogg BTI")
    b.el(folder, "opprettetDato", _iso(case.opened_at))
    b.el(folder, "opprettetAv", case.opened_by.id)
    if case.closed_at:
        b.el(folder, "avsluttetDato", _iso(case.closed_at))
    b.screened(folder)
    klass = b.el(folder, "klassifikasjon")
    b.el(klass, "klassifikasjonssystemID", classification.system)
    b.el(klass, "klasseID", classification.class_id)
    b.key(folder, "referanseEksternNoekkel", case_key(case))
    b.el(folder, "saksdato", _day(case.opened_at))
    if case.opened_by.unit:
        unit = b.el(folder, "administrativEnhet")
        b.el(unit, "navn", case.opened_by.unit, METADATA)
    status = ("A", "Avsluttet") if case.closed_at else ("B", "Under behandling")
    b.code(folder, "saksstatus", *status)

    entry = _entry(b, root, case, archived_at, archived_by)
    b.screened(entry)
    described = b.el(entry, "dokumentbeskrivelse")
    b.code(described, "dokumenttype", "STAFETTLOGG", "Stafettlogg")
    b.code(described, "dokumentstatus", "F", "Dokumentet er ferdigstilt")
    b.el(described, "tittel", "Stafettlogg")
    b.code(described, "tilknyttetRegistreringSom", "H", "Hoveddokument")
    b.el(described, "dokumentnummer", "1")
    b.screened(described)
    obj = b.el(described, "dokumentobjekt")
    b.el(obj, "versjonsnummer", "1")
    b.code(obj, "variantformat", "A", "Arkivformat")
    b.code(obj, "format", "fmt/480", "PDF/A-3b")
    b.el(obj, "mimeType", "application/pdf")
    b.el(obj, "filnavn", document.name)
    b.el(obj, "referanseDokumentfil", document.name)
    b.el(obj, "sjekksum", document.sha256)
    b.el(obj, "sjekksumAlgoritme", "SHA-256")
    b.el(obj, "filstoerrelse", str(document.size))
    b.el(entry, "tittel", "Stafettlogg")
    b.el(entry, "offentligTittel", "Stafettlogg")
    b.key(entry, "referanseEksternNoekkel", f"{case_key(case)}/stafettlogg/{case.seq}")
    _journal(b, entry, archived_at)
    return _text(root)


def closing_message(
    case: Case, summary: str, *, archived_at: dt.datetime, archived_by: str
) -> bytes:
    """Message 2: the closing summary's registry entry, in the folder of message 1."""
    b = _Builder()
    root = b.message(files=0)
    entry = _entry(b, root, case, archived_at, archived_by)
    b.screened(entry)
    b.el(entry, "tittel", "Avslutning av saken")
    b.el(entry, "offentligTittel", "Avslutning")
    b.el(entry, "beskrivelse", summary)
    b.key(entry, "referanseEksternNoekkel", f"{case_key(case)}/avslutning")
    _journal(b, entry, archived_at)
    return _text(root)


def _entry(
    b: _Builder, root: ET.Element, case: Case, archived_at: dt.datetime, archived_by: str
) -> ET.Element:
    entry = b.el(root, "registrering")
    entry.set(f"{{{XSI}}}type", "journalpost")
    b.el(entry, "opprettetDato", _iso(archived_at))
    b.el(entry, "opprettetAv", archived_by)
    parent = b.el(entry, "referanseForelderMappe")
    b.key(parent, "referanseEksternNoekkel", case_key(case), METADATA)
    return entry


def _journal(b: _Builder, entry: ET.Element, archived_at: dt.datetime) -> None:
    # X: an internal note without follow-up (Noark 5's journalposttype for a record like this)
    b.code(entry, "journalposttype", "X", "Organinternt notat uten oppfølging")
    b.code(entry, "journalstatus", "F", "Ferdigstilt fra saksbehandler")
    b.el(entry, "dokumentetsDato", _day(archived_at))


def _text(root: ET.Element) -> bytes:
    ET.register_namespace("", NAMESPACE)
    ET.register_namespace("n5mdk", METADATA)
    ET.register_namespace("xsi", XSI)
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"
