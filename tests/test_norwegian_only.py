"""No English word or code word reaches a Norwegian user (issue 13's "done when").

The demo is run on a bokmål guide (kafjord) and a nynorsk one (nore-og-uvdal) through the
command line; what a person reads — the command line's output, the timeline, the e-mails in the
outbox, the rendered guide site and the case pages for staff and for the family, ``verify`` on
the log as written and on a copy changed behind btiflow's back, and ``send``/``outbox`` through
a real SMTP server and against one that refuses the connection — is scanned for English words
and for code words (snake_case names, ISO dates, ISO durations). Texts people wrote (the demo's
invented free text) are Norwegian, so they pass.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from mailkit import HOST, MailServer, free_port

from btiflow.cli import main
from btiflow.store.outbox import Outbox

ENGLISH = re.compile(
    r"\b(the|of|closed|open|level|step|steps|baton|case|cases|meeting|guardians?|leader|"
    r"consent|evaluation|measures?|expand|continue|close|planning|startup|other|None|True|"
    r"False|null|Error|Warning|due|overdue|holder|when|When|missing|expected|unknown|found)\b"
)
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|\bP\d+[DWMY]\b|\b\d{4}-\d{2}-\d{2}\b")

GUIDES = {"nb": "kafjord", "nn": "nore-og-uvdal"}


class _Visible(HTMLParser):
    """The text a person sees or hears on a page: text, alt, title, aria-label, placeholder."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("alt", "title", "aria-label", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def _leaks(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        for pattern in (ENGLISH, CODE):
            found += [f"{m.group(0)!r} in: {line.strip()}" for m in pattern.finditer(line)]
    return found


def _run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), env={"LANG": "C.UTF-8", "LANGUAGE": ""})
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module", params=sorted(GUIDES))
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path, str]:
    language = str(request.param)
    folder = tmp_path_factory.mktemp(f"demo-{language}")
    db = folder / "demo.db"
    output = _run("demo", "--db", str(db), "--workflow", GUIDES[language])
    return language, db, output


def test_the_demo_run_speaks_only_the_guides_language(demo: tuple[str, Path, str]) -> None:
    _, db, output = demo
    output += _run("due", str(db)) + _run("cases", str(db))
    # the temporary folder's path ("/tmp/pytest-of-root/...") is no word a person reads
    assert "\n".join(_leaks(output.replace(str(db.parent), "FOLDER"))) == ""


def test_the_mail_speaks_only_the_guides_language(demo: tuple[str, Path, str]) -> None:
    _, db, _ = demo
    with Outbox(str(db)) as outbox:
        mail = "\n".join(f"{m.subject}\n{m.text()}" for m in outbox.messages())
    assert mail
    assert "\n".join(_leaks(mail.replace("https://bti.kommune.example.org", ""))) == ""


def test_the_pages_speak_only_the_guides_language(
    demo: tuple[str, Path, str], tmp_path: Path
) -> None:
    language, db, _ = demo
    site = tmp_path / "site"
    _run("render", GUIDES[language], "-o", str(site))
    texts = [
        _visible(p.read_text(encoding="utf-8")) for p in sorted(site.glob(f"{language}/*.html"))
    ]
    case_id = _run("cases", str(db)).splitlines()[1].split()[0]  # below the table's heading
    for who in ("kontaktlaerer-1", "foresatt-1"):
        page = tmp_path / f"{who}.html"
        _run("case-page", str(db), case_id, "--as", who, "-o", str(page))
        texts.append(_visible(page.read_text(encoding="utf-8")))
    assert "\n".join(_leaks("\n".join(texts))) == ""


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command's path below ``btiflow`` (the group itself first), subgroups included."""
    found = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


COMMANDS = _commands(main)
TYPED = re.compile(r"«[^»]*»|(?<![\w-])--?[\w-]+")


def _prose(help_text: str) -> str:
    """What a help page says in words, without what a person types, which is code: the usage
    line (program, command names, metavars), the first column of the lists of options and
    commands (option names, choices, metavars, command names), and in the texts, options
    (``--due-before``) and what is quoted to be typed («btiflow case-page»)."""
    kept = []
    in_list = False
    for line in help_text.splitlines()[1:]:  # the first line is the usage line
        if re.match(r"^\S.*:$", line):  # a list's heading: "Valg:", "Kommandoer:"
            in_list = True
            kept.append(line)
        elif in_list and re.match(r"^  \S", line):  # a row: its first column is code
            columns = re.split(r"\s{2,}", line.strip(), maxsplit=1)
            kept.append(columns[1] if len(columns) > 1 else "")
        else:
            kept.append(line)
    return TYPED.sub(" ", "\n".join(kept))


@pytest.mark.parametrize("language", ["nb", "nn"])
@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "btiflow" for p in COMMANDS])
def test_every_help_page_speaks_only_norwegian(language: str, path: tuple[str, ...]) -> None:
    """Each command's --help, click's own words included, has no English word or code word."""
    output = _run("--lang", language, *path, "--help")
    assert output.startswith("Bruk: ")
    assert "\n".join(_leaks(_prose(output))) == ""


def _copy(db: Path, folder: Path) -> Path:
    copy = folder / "kopi.db"
    shutil.copyfile(db, copy)
    return copy


def _tamper(db: Path) -> None:
    """Change the log behind btiflow's back: an entry's actor and an access-log row of one
    case, the level in another's state row."""
    with closing(sqlite3.connect(db)) as conn, conn:
        triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for (trigger,) in triggers:
            conn.execute(f"DROP TRIGGER {trigger}")
        ids = [r[0] for r in conn.execute("SELECT case_id FROM cases ORDER BY case_id")]
        assert len(ids) >= 2
        conn.execute("UPDATE entries SET actor = 'en-annen' WHERE case_id = ? AND seq = 2", ids[:1])
        conn.execute(
            "DELETE FROM access_log WHERE id = (SELECT min(id) FROM access_log WHERE case_id = ?)",
            ids[:1],
        )
        conn.execute("UPDATE cases SET level = level + 1 WHERE case_id = ?", ids[1:2])


def _remove_a_case(db: Path) -> None:
    with closing(sqlite3.connect(db)) as conn, conn:
        (case_id,) = conn.execute("SELECT max(case_id) FROM cases").fetchone()
        for table in ("entries", "access_log", "outbox", "cases"):
            conn.execute(f"DELETE FROM {table} WHERE case_id = ?", (case_id,))


def test_verify_speaks_only_the_guides_language(
    demo: tuple[str, Path, str], tmp_path: Path
) -> None:
    """verify on the log as written, on a copy changed behind btiflow's back, and against
    chain heads exported before a case was removed: every problem in the guide's language."""
    _, db, _ = demo
    heads = tmp_path / "hoder.json"
    output = _run("verify", str(db), "--heads", str(heads))
    copy = _copy(db, tmp_path)
    _tamper(copy)
    broken = _run("verify", str(copy), code=1)
    assert len(broken.splitlines()) == 4, broken  # three problems and the summary
    _remove_a_case(copy)
    against = _run("verify", str(copy), "--against", str(heads), code=1)
    output += broken + against
    shown = output.replace(str(tmp_path), "FOLDER").replace(str(db.parent), "FOLDER")
    assert "\n".join(_leaks(shown)) == ""


def test_send_and_outbox_speak_only_the_guides_language(
    demo: tuple[str, Path, str], tmp_path: Path
) -> None:
    """send through a real SMTP server, and to a server nobody answers, then outbox: what a
    person reads, the refused connection's reason too, is in the guide's language."""
    language, db, _ = demo
    refused = _copy(db, tmp_path)
    output = _run("send", str(refused), "--smtp", f"{HOST}:{free_port()}", code=1)
    listing = _run("outbox", str(refused))
    cannot = {
        "nb": "får ikke kontakt med e-posttjeneren",
        "nn": "får ikkje kontakt med e-posttenaren",
    }
    assert cannot[language] in output
    assert cannot[language] in listing
    output += listing
    sent = tmp_path / "sendt.db"
    shutil.copyfile(db, sent)
    with MailServer().running() as server:
        output += _run("send", str(sent), "--smtp", f"{HOST}:{server.port}")
    assert server.received
    output += _run("outbox", str(sent))
    # the invented people's e-mail addresses are no words
    shown = re.sub(r"\S+@\S+", "ADDRESS", output.replace(str(tmp_path), "FOLDER"))
    shown = shown.replace(str(db.parent), "FOLDER")
    assert "\n".join(_leaks(shown)) == ""


@pytest.mark.parametrize("language", sorted(GUIDES))
def test_the_command_lines_errors_speak_norwegian(language: str, tmp_path: Path) -> None:
    """A library error the command line shows ("Feil: ...") is worded by its code: an empty
    file, another program's database, a file that is no database, a case that is not there."""
    (tmp_path / "tom.db").touch()
    with closing(sqlite3.connect(tmp_path / "annen.db")) as conn, conn:
        conn.execute("CREATE TABLE kunder (navn TEXT)")
    (tmp_path / "rot.db").write_text("ikke en database " * 100, encoding="utf-8")
    output = ""
    for name in ("tom.db", "annen.db", "rot.db"):
        output += _run("--lang", language, "verify", str(tmp_path / name), code=1)
    db = tmp_path / "demo.db"
    _run("demo", "--db", str(db), "--workflow", GUIDES[language])
    output += _run("--lang", language, "log", str(db), "finnes-ikke", code=1)
    assert output.count("Feil: ") == 4, output
    # the commands a message names («btiflow cases DB») are no words
    shown = re.sub(r"«btiflow [^»]*»", "COMMAND", output.replace(str(tmp_path), "FOLDER"))
    assert "\n".join(_leaks(shown)) == ""


def test_the_records_commands_speak_only_the_guides_language(
    demo: tuple[str, Path, str], tmp_path: Path
) -> None:
    """remind, archive, insight, purge, hold, release, transfer-key and copy: what they print,
    and a refused purge's error, in the guide's language."""
    _, db, _ = demo
    copy = _copy(db, tmp_path)
    case_id = _run("cases", str(copy)).splitlines()[1].split()[0]
    by = ("--by", "arkivar-1")
    output = _run(
        "remind", str(copy), "--login-url", "https://x.example", "--sender", "a@x.example"
    )
    output += _run("archive", str(copy), case_id, "-o", str(tmp_path / "arkiv"), *by)
    output += _run("insight", str(copy), "--person", "foresatt-1", "-o", str(tmp_path / "i"), *by)
    output += _run("purge", str(copy), "--reference", "Arkivplan 1", "--dry-run", *by)
    output += _run("hold", str(copy), case_id, "--reason", "Klagesak", *by)
    output += _run("purge", str(copy), "--reference", "Arkivplan 1", "--case", case_id, *by, code=1)
    output += _run("release", str(copy), case_id, "--reason", "Avgjort", *by)
    output += _run("purge", str(copy), "--reference", "Arkivplan 1", "--case", case_id, *by, code=1)
    output += _run("transfer-key", str(tmp_path / "nokkel.key"))
    output += _run("copy", str(copy), str(tmp_path / "kopi-2.db"))
    assert output.count("Feil: ") == 2, output
    shown = output.replace(str(tmp_path), "FOLDER")
    shown = re.sub(r"«btiflow [^»]*»|\(btiflow \w+\)", "COMMAND", shown)
    assert "\n".join(_leaks(shown)) == ""
