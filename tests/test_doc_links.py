"""The docs point only at the repository and the web: every link in README.md and docs/*.md is an
absolute http(s) URL or a file of the repository that exists (a link into this repository on
GitHub must name one too), and no page names a path on a developer's machine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
HOME = "https://github.com/btiflow/btiflow"  # the placeholder home (pyproject.toml [project.urls])

# [text](target "title"), <https://...>, and a reference definition "[name]: target"
_LINK = re.compile(
    r"\[[^\]]*\]\(<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\)|<(https?://[^>\s]+)>|^\[[^\]]+\]:\s*(\S+)",
    re.M,
)
_FENCE = re.compile(r"^```.*?^```", re.M | re.S)
# paths that exist only on someone's machine, or beside the checkout rather than in it
_MACHINE = re.compile(r"(?<![\w.])(/work/|/home/|/root/|/Users/|[A-Z]:\\|(\.\./)+shared/)")


def _links(page: Path) -> list[str]:
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))  # code blocks hold no links
    return [next(g for g in m.groups() if g) for m in _LINK.finditer(text)]


def _problem(page: Path, link: str) -> str | None:
    """Why ``link`` on ``page`` points outside the repository, or None when it does not."""
    if link.startswith((f"{HOME}/blob/main/", f"{HOME}/tree/main/")):
        target = link.split("/main/", 1)[1].split("#")[0]
        return None if (ROOT / target).exists() else f"{link}: no {target} in the repository"
    if re.match(r"https?://", link):
        return None
    target = link.split("#")[0]
    if not target:
        return None  # an anchor on the same page
    if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):
        return f"{link}: neither http(s) nor a file of the repository"
    found = (page.parent / target).resolve()
    if not found.is_relative_to(ROOT):
        return f"{link}: outside the repository"
    return None if found.exists() else f"{link}: no such file"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_is_a_url_or_a_file_of_the_repository(page: Path) -> None:
    problems = [p for link in _links(page) if (p := _problem(page, link)) is not None]
    assert problems == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_page_names_a_path_on_a_developers_machine(page: Path) -> None:
    lines = page.read_text(encoding="utf-8").splitlines()
    found = [f"{page.name}:{n}: {line}" for n, line in enumerate(lines, 1) if _MACHINE.search(line)]
    assert found == []


def test_the_readme_links_work_on_the_package_index() -> None:
    """The README is the package's page on the index, where a relative link leads nowhere: each
    of its links is absolute (into the repository on GitHub, or elsewhere on the web)."""
    readme = ROOT / "README.md"
    relative = [link for link in _links(readme) if not re.match(r"https?://|#", link)]
    assert relative == []
    assert any(link.startswith(f"{HOME}/blob/main/docs/") for link in _links(readme))


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    """A link outside, a missing file, a file: URL and a machine's path are each caught."""
    page = ROOT / "docs" / "index.md"
    assert _problem(page, "../../shared/design/domain.md") is not None
    assert _problem(page, "nowhere.md") is not None
    assert _problem(page, "file:///work/shared/x.md") is not None
    assert _problem(page, f"{HOME}/blob/main/docs/nowhere.md") is not None
    assert _problem(page, "cli.md#btiflow-show") is None
    assert _problem(page, f"{HOME}/blob/main/docs/cli.md") is None
    assert _MACHINE.search("see `/work/shared/design/domain.md`")
    assert _MACHINE.search("from ../shared/standards/")
    assert not _MACHINE.search("extends: ../nabokommune/guide.yaml")
    assert not _MACHINE.search("/usr/bin/chromium")


def test_the_package_names_one_home() -> None:
    """pyproject.toml's project URLs all lie at the home the README links into."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["urls"]
    assert all(url.startswith(HOME) for url in project["urls"].values())
    assert project["authors"] == [{"name": "The btiflow team"}]
