"""The one text catalogue (btiflow.words): complete in bokmål, nynorsk and English, compiled
files held equal to their sources, and one date style."""

from __future__ import annotations

import datetime as dt
import re
import string

import pytest

from btiflow.case.kinds import BODY_TYPES
from btiflow.localtime import OSLO
from btiflow.words import LANGUAGES, coverage, dates, keys, said, say
from btiflow.words.compile import LOCALE, stale


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_compiled_catalogues_are_up_to_date() -> None:
    """Every .mo is what its .po compiles to: `python -m btiflow.words.compile` was run."""
    assert stale() == []


def test_bokmal_nynorsk_and_english_are_complete_and_sami_adds_nothing_new() -> None:
    """CI fails when a bokmål or nynorsk text is missing; North Sámi only translates."""
    every = keys("nb")
    assert every
    assert keys("nn") == every, sorted(every ^ keys("nn"))
    assert keys("en") == every, sorted(every ^ keys("en"))
    assert keys("se") <= every
    report = coverage()
    assert report["nb"] == report["nn"] == report["en"] == (len(every), len(every))
    assert set(report) == set(LANGUAGES)


@pytest.mark.parametrize("language", ["nn", "se", "en"])
def test_a_translation_names_the_same_values_as_bokmal(language: str) -> None:
    """A text that drops or invents a {value} would fail or leak a code word at run time."""
    for key in keys(language):
        if key.startswith("date.") and "{" not in say("nb", key):
            continue  # the date patterns are CLDR patterns, not format strings
        assert _fields(say(language, key)) == _fields(say("nb", key)), (language, key)


def test_each_key_lives_in_one_file_of_its_area() -> None:
    """Areas (refusals, timeline, mail, site...) keep their own .po files, so they can be
    edited apart; a key in two files would make one of them silently lose."""
    from babel.messages.pofile import read_po

    for language in LANGUAGES:
        seen: dict[str, str] = {}
        for po in sorted(LOCALE.glob(f"{language}/*.po")):
            with po.open("rb") as fp:
                for message in read_po(fp):
                    if message.id:
                        key = str(message.id)
                        assert key not in seen, (key, seen.get(key), po.name)
                        seen[key] = po.name


def test_every_entry_kind_has_a_sentence_in_the_timeline() -> None:
    for kind in BODY_TYPES:
        assert said("nn", f"timeline.{kind}").language == "nn", kind


def test_sami_falls_back_to_bokmal_and_says_so() -> None:
    key = "refusal.case_closed"
    assert said("se", key) == said("nb", key)
    assert said("se", key).language == "nb"
    assert said("nn", key).language == "nn"
    assert said("nb-NO", key).language == "nb"
    assert said("de", key).language == "nb"


def test_an_unknown_key_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no text"):
        say("nb", "refusal.no_such_code")


MOMENT = dt.datetime(2026, 9, 4, 6, 30, tzinfo=dt.UTC)  # 08.30 in Oslo (summer time)


@pytest.mark.parametrize(
    ("language", "moment", "day"),
    [
        ("nb", "fredag 4. september 2026 kl. 08.30", "fredag 4. september 2026"),
        ("nn", "fredag 4. september 2026 kl. 08.30", "fredag 4. september 2026"),
        ("en", "Friday 4 September 2026 at 08:30", "Friday 4 September 2026"),
    ],
)
def test_one_date_style_in_running_text(language: str, moment: str, day: str) -> None:
    """The Language Council's style: weekday, day, month in words, year, "kl. 08.30"."""
    assert dates.moment(MOMENT, language) == moment
    assert dates.day(MOMENT, language) == day
    assert dates.day(MOMENT.date(), language) == day


def test_tables_show_days_as_dd_mm_yyyy_in_norway_time() -> None:
    late = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)  # already 1 January in Oslo
    assert dates.short_day(late) == "01.01.2027"
    assert dates.short_moment(late) == "01.01.2027 00.30"


@pytest.mark.parametrize(
    ("value", "nb", "nn"),
    [
        ("P4W", "fire uker", "fire veker"),
        ("P1W", "én uke", "éi veke"),
        ("P10D", "ti dager", "ti dagar"),
        ("P2W3D", "to uker og tre dager", "to veker og tre dagar"),
        ("P5Y", "fem år", "fem år"),
        ("P1Y", "ett år", "eitt år"),
        ("P20D", "20 dager", "20 dagar"),
        (dt.timedelta(days=14), "to uker", "to veker"),
    ],
)
def test_durations_in_words(value: str | dt.timedelta, nb: str, nn: str) -> None:
    assert dates.duration(value, "nb") == nb
    assert dates.duration(value, "nn") == nn


def test_dates_typed_both_ways() -> None:
    assert dates.parse_day("10.11.2026") == dates.parse_day("2026-11-10") == dt.date(2026, 11, 10)
    expected = dt.datetime(2026, 11, 10, 9, 0, tzinfo=OSLO)
    for text in (
        "10.11.2026 09.00",
        "10.11.2026 kl. 09.00",
        "2026-11-10T09:00",
        "2026-11-10 09:00",
    ):
        assert dates.parse_moment(text) == expected, text
    assert dates.parse_moment("2026-11-10T08:00+00:00") == expected


@pytest.mark.parametrize("text", ["31.02.2026", "2026-13-01", "i morgen", "", "10/11/2026"])
def test_a_bad_date_says_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape("10.11.2026 eller 2026-11-10")):
        dates.parse_day(text)
    with pytest.raises(ValueError, match=re.escape("10.11.2026 09.00")):
        dates.parse_moment(text, "nn")
