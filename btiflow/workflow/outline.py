"""A workflow as a readable plain-text outline, for the terminal (``btiflow show``).

Pure: a ``Workflow`` and a language in, text out. The words around the guide's own texts
(headings such as "Nivå" and "Spørsmål") come from the text catalogue (``guide.outline.*``);
North Sámi uses the bokmål labels until a translator supplies its own. Durations read in words
("fire uker").
"""

from __future__ import annotations

import textwrap

from btiflow.words import dates, say
from btiflow.workflow.model import Duration, Level, Outcome, Step, Text, Workflow

LABEL_KEYS = (
    "level",
    "languages",
    "principles",
    "deadlines",
    "evaluation",
    "baton_offer_reminder",
    "consent",
    "self_consent_age",
    "questions",
    "advice",
    "when",
    "tools",
    "records",
    "requires",
    "outcomes",
    "close",
    "continue",
    "expand",
    "to_level",
    "week",
    "weeks",
    "day",
    "days",
    "and",
)
"""The words around the guide's own texts, ``guide.outline.<key>`` in the catalogue."""


def label(key: str, language: str | None) -> str:
    """One of the outline's words ("Nivå", "Avslutning", ...) in ``language`` (North Sámi reads
    bokmål until a translator supplies its own); ``self_consent_age`` holds ``{age}``."""
    return say(language, f"guide.outline.{key}")


def labels(language: str | None) -> dict[str, str]:
    """Every word of the outline in ``language``, by key (for the site and the diagram)."""
    return {key: label(key, language) for key in LABEL_KEYS}


_INDENT = "   "  # under "1. ": step details line up with the step's title


def outline(workflow: Workflow, language: str | None = None, width: int = 88) -> str:
    """The guide as text: title, principles, then each level with its numbered steps.

    ``language`` picks the guide's texts and the labels (default: the guide's first language);
    a text missing in that language falls back to the guide's first language.
    """
    return _Outline(workflow, language or workflow.language, width).render()


class _Outline:
    def __init__(self, workflow: Workflow, language: str, width: int) -> None:
        self.wf = workflow
        self.lang = language
        self.width = max(width, 40)
        self.lines: list[str] = []

    def t(self, text: Text) -> str:
        return " ".join(text.get(self.lang).split())

    def label(self, key: str) -> str:
        return label(key, self.lang)

    def wrap(self, text: str, indent: str = "", first: str | None = None) -> None:
        first = indent if first is None else first
        self.lines.extend(
            textwrap.wrap(
                text,
                self.width,
                initial_indent=first,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or [first.rstrip()]
        )

    def heading(self, text: str, underline: str) -> None:
        self.lines.append(text)
        self.lines.append(underline * min(len(text), self.width))

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def render(self) -> str:
        wf = self.wf
        self.heading(self.t(wf.title), "=")
        self.lines.append(
            f"{wf.id} {wf.version} · {self.label('languages')}: {', '.join(wf.languages)}"
        )
        if wf.introduction is not None:
            self.blank()
            self.wrap(self.t(wf.introduction))
        self.principles()
        self.settings()
        for level in wf.levels:
            self.level(level)
        return "\n".join(self.lines).rstrip() + "\n"

    def principles(self) -> None:
        if not self.wf.principles:
            return
        self.blank()
        self.heading(self.label("principles"), "-")
        for principle in self.wf.principles:
            self.wrap(f"{self.t(principle.title)}: {self.t(principle.text)}", "  ", "- ")

    def settings(self) -> None:
        self.blank()
        deadlines = self.deadlines(
            self.wf.deadlines.evaluation, self.wf.deadlines.baton_offer_reminder
        )
        if deadlines:
            self.wrap(f"{self.label('deadlines')}: {deadlines}", "  ", "")
        age = say(self.lang, "guide.outline.self_consent_age", age=self.wf.consent.self_consent_age)
        self.wrap(f"{self.label('consent')}: {age}", "  ", "")

    def deadlines(self, evaluation: Duration | None, reminder: Duration | None) -> str:
        parts = []
        if evaluation is not None:
            parts.append(f"{self.label('evaluation')} {self.duration(evaluation)}")
        if reminder is not None:
            parts.append(f"{self.label('baton_offer_reminder')} {self.duration(reminder)}")
        return "; ".join(parts)

    def duration(self, duration: Duration) -> str:
        return dates.duration(duration.iso, self.lang)

    def level(self, level: Level) -> None:
        self.blank()
        self.heading(f"{self.label('level')} {level.level} – {self.t(level.title)}", "-")
        if level.summary is not None:
            self.wrap(self.t(level.summary))
        if level.deadlines is not None:
            own = self.deadlines(level.deadlines.evaluation, level.deadlines.baton_offer_reminder)
            if own:
                self.wrap(f"{self.label('deadlines')}: {own}", "  ", "")
        for number, step in enumerate(level.steps, 1):
            self.blank()
            self.step(level, number, step)

    def step(self, level: Level, number: int, step: Step) -> None:
        first = f"{number}. "
        indent = " " * len(first)
        self.wrap(self.t(step.title), indent, first)
        if step.guidance is not None:
            self.wrap(self.t(step.guidance), indent)
        if step.questions:
            self.lines.append(f"{indent}{self.label('questions')}:")
            for question in step.questions:
                self.wrap(self.t(question), indent + "    ", indent + "  - ")
        if step.advice:
            self.lines.append(f"{indent}{self.label('advice')}:")
            for advice in step.advice:
                when = f"({self.label('when')} {advice.when}) " if advice.when else ""
                self.wrap(when + self.t(advice.text), indent + "    ", indent + "  - ")
        if step.tools:
            self.lines.append(f"{indent}{self.label('tools')}:")
            for tool in step.tools:
                where = tool.url or tool.file
                shown = f"{self.t(tool.title)}: {where}" if where else self.t(tool.title)
                self.wrap(shown, indent + "    ", indent + "  - ")
        if step.records:
            self.wrap(f"{self.label('records')}: {', '.join(step.records)}", indent + "  ", indent)
        if step.requires:
            self.wrap(
                f"{self.label('requires')}: {', '.join(step.requires)}", indent + "  ", indent
            )
        if step.outcomes:
            self.lines.append(f"{indent}{self.label('outcomes')}:")
            for outcome in step.outcomes:
                self.outcome(level, outcome, indent)

    def outcome(self, level: Level, outcome: Outcome, indent: str) -> None:
        name = self.t(outcome.title) if outcome.title is not None else self.label(outcome.kind)
        target = ""
        if outcome.kind == "continue" and outcome.step is not None:
            target = f" → {self.step_ref(level, outcome.step)}"
        elif outcome.kind == "expand" and outcome.to:
            target = f" → {self.label('to_level')} {', '.join(map(str, outcome.to))}"
        head = name + target
        text = f"{head}: {self.t(outcome.description)}" if outcome.description else head
        self.wrap(text, indent + "    ", indent + "  - ")

    def step_ref(self, level: Level, step_id: str) -> str:
        for number, step in enumerate(level.steps, 1):
            if step.id == step_id:
                return f"{number}. {self.t(step.title)}"
        return step_id


__all__ = ["LABEL_KEYS", "label", "labels", "outline"]
