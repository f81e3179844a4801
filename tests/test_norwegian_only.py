"""No English word or code word reaches a Norwegian user (issue 13's "done when").

The demo is run on a bokmål guide (kafjord) and a nynorsk one (nore-og-uvdal) through the
command line; what a person reads — the command line's output, the timeline, the e-mails in the
outbox, the rendered guide site and the case pages for staff and for the family — is scanned for
English words and for code words (snake_case names, ISO dates, ISO durations). Texts people
wrote (the demo's invented free text) are Norwegian, so they pass.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

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


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), env={"LANG": "C.UTF-8", "LANGUAGE": ""})
    assert result.exit_code == 0, result.output
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
