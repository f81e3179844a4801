"""A workflow as a readable plain-text outline, for the terminal (``btiflow show``).

Pure: a ``Workflow`` and a language in, text out. The words around the guide's own texts
(headings such as "Nivå" and "Spørsmål") come from ``LABELS``; North Sámi uses the bokmål
labels until a translator supplies its own.
"""

from __future__ import annotations

import textwrap

from btiflow.workflow.model import Duration, Level, Outcome, Step, Text, Workflow

LABELS: dict[str, dict[str, str]] = {
    "nb": {
        "level": "Nivå",
        "languages": "Språk",
        "principles": "Prinsipper",
        "deadlines": "Frister",
        "evaluation": "evaluering innen",
        "baton_offer_reminder": "påminnelse om ubesvart tilbud om stafettpinnen etter",
        "consent": "Samtykke",
        "self_consent_age": "den unge samtykker selv fra {age} år",
        "questions": "Spørsmål",
        "advice": "Råd",
        "when": "når",
        "tools": "Verktøy",
        "records": "Må registreres",
        "requires": "Krav",
        "outcomes": "Utfall",
        "close": "Avslutning",
        "continue": "Videreføring",
        "expand": "Utvides",
        "to_level": "nivå",
        "week": "uke",
        "weeks": "uker",
        "day": "dag",
        "days": "dager",
        "and": "og",
    },
    "nn": {
        "level": "Nivå",
        "languages": "Språk",
        "principles": "Prinsipp",
        "deadlines": "Fristar",
        "evaluation": "evaluering innan",
        "baton_offer_reminder": "påminning om ubesvart tilbod om stafettpinnen etter",
        "consent": "Samtykke",
        "self_consent_age": "den unge samtykkjer sjølv frå {age} år",
        "questions": "Spørsmål",
        "advice": "Råd",
        "when": "når",
        "tools": "Verktøy",
        "records": "Må registrerast",
        "requires": "Krav",
        "outcomes": "Utfall",
        "close": "Avslutning",
        "continue": "Vidareføring",
        "expand": "Utvidast",
        "to_level": "nivå",
        "week": "veke",
        "weeks": "veker",
        "day": "dag",
        "days": "dagar",
        "and": "og",
    },
    "en": {
        "level": "Level",
        "languages": "Languages",
        "principles": "Principles",
        "deadlines": "Deadlines",
        "evaluation": "evaluation within",
        "baton_offer_reminder": "reminder of an unanswered baton offer after",
        "consent": "Consent",
        "self_consent_age": "the young person consents alone from age {age}",
        "questions": "Questions",
        "advice": "Advice",
        "when": "when",
        "tools": "Tools",
        "records": "Must be recorded",
        "requires": "Requires",
        "outcomes": "Outcomes",
        "close": "Close",
        "continue": "Continue",
        "expand": "Expand",
        "to_level": "level",
        "week": "week",
        "weeks": "weeks",
        "day": "day",
        "days": "days",
        "and": "and",
    },
}
LABELS["se"] = LABELS["nb"]

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
        self.labels = LABELS.get(language, LABELS["nb"])
        self.width = max(width, 40)
        self.lines: list[str] = []

    def t(self, text: Text) -> str:
        return " ".join(text.get(self.lang).split())

    def label(self, key: str) -> str:
        return self.labels[key]

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
        age = self.label("self_consent_age").format(age=self.wf.consent.self_consent_age)
        self.wrap(f"{self.label('consent')}: {age}", "  ", "")

    def deadlines(self, evaluation: Duration | None, reminder: Duration | None) -> str:
        parts = []
        if evaluation is not None:
            parts.append(f"{self.label('evaluation')} {self.duration(evaluation)}")
        if reminder is not None:
            parts.append(f"{self.label('baton_offer_reminder')} {self.duration(reminder)}")
        return "; ".join(parts)

    def duration(self, duration: Duration) -> str:
        weeks, days = divmod(duration.days, 7)
        parts = []
        if weeks:
            parts.append(f"{weeks} {self.label('week' if weeks == 1 else 'weeks')}")
        if days:
            parts.append(f"{days} {self.label('day' if days == 1 else 'days')}")
        return f" {self.label('and')} ".join(parts) or duration.iso

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


__all__ = ["LABELS", "outline"]
