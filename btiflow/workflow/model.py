"""The action guide as data: frozen attrs classes, built only by the loader.

Field order and metadata here are the single definition of the YAML format: the loader's key
checks, the structuring and the JSON Schema (``schema.py``) are all derived from these classes.
Each field may carry ``metadata={"doc": ...}`` (shown in the schema and in error hints).
"""

# No ``from __future__ import annotations`` here: the annotations are evaluated once, when the
# classes are made, so structuring a guide (cattrs reads them with get_type_hints) need not
# compile and evaluate each one from text on every start (a few ms of ``btiflow validate``).
import datetime as dt
from collections.abc import Iterator
from typing import Literal

import attrs

LANGUAGES = ("nb", "nn", "se", "en")
"""Language codes a workflow may declare: bokmål, nynorsk, North Sámi, English."""

OutcomeKind = Literal["close", "continue", "expand"]
OUTCOME_KINDS: tuple[OutcomeKind, ...] = ("close", "continue", "expand")


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@attrs.frozen
class Text:
    """A text in one or more languages; ``text["nb"]`` or ``text.get("se")``."""

    by_language: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, **by_language: str) -> "Text":
        """Build a text from keyword arguments, e.g. ``Text.of(nb="Hei", se="Bures")``."""
        return cls(tuple(by_language.items()))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.by_language)

    def get(self, language: str | None = None) -> str:
        """The text in ``language``, else in the first language it has."""
        for lang, value in self.by_language:
            if lang == language:
                return value
        return self.by_language[0][1]

    def __getitem__(self, language: str) -> str:
        for lang, value in self.by_language:
            if lang == language:
                return value
        raise KeyError(language)

    def __str__(self) -> str:
        return self.get()


@attrs.frozen
class Duration:
    """An ISO 8601 duration in days and/or weeks (``P4W``, ``P10D``, ``P2W3D``)."""

    iso: str
    days: int

    @property
    def timedelta(self) -> dt.timedelta:
        return dt.timedelta(days=self.days)

    def __str__(self) -> str:
        return self.iso


@attrs.frozen
class Period:
    """An ISO 8601 period in years, months, weeks and/or days (``P5Y``, ``P18M``, ``P2Y6M``),
    for retention: calendar years and months, counted from a day."""

    iso: str
    years: int = 0
    months: int = 0
    days: int = 0

    def after(self, day: dt.date) -> dt.date:
        """The day this period after ``day`` (29 February to 28 February in a common year)."""
        import calendar  # here: loading a guide never needs it

        month0 = day.month - 1 + self.months
        year, month = day.year + self.years + month0 // 12, month0 % 12 + 1
        last = calendar.monthrange(year, month)[1]
        return dt.date(year, month, min(day.day, last)) + dt.timedelta(days=self.days)

    def __str__(self) -> str:
        return self.iso


@attrs.frozen
class Principle:
    """One of the guide's principles (child's best interests, participation, safety, inclusion)."""

    id: str = attrs.field(metadata=_doc("Stable identifier, lower-case letters, digits and '-'."))
    title: Text = attrs.field(metadata=_doc("Short name of the principle."))
    text: Text = attrs.field(metadata=_doc("What the principle means for the work."))


@attrs.frozen
class Deadlines:
    """Deadlines as ISO 8601 durations; per level they override the workflow's."""

    evaluation: Duration | None = attrs.field(
        default=None,
        metadata=_doc("Longest time from a meeting that agrees measures to its evaluation (P4W)."),
    )
    baton_offer_reminder: Duration | None = attrs.field(
        default=None,
        metadata=_doc("Remind when an offer of the baton is unanswered this long (P7D)."),
    )
    evaluation_reminder: Duration | None = attrs.field(
        default=None,
        metadata=_doc("Remind the baton holder this long before an evaluation falls due (P7D)."),
    )


@attrs.frozen
class Service:
    """A service the family may consent to share the relay log with (a checkbox on the web
    pages' consent forms)."""

    unit: str = attrs.field(
        metadata=_doc(
            "The unit as consent records it and as its staff's logins name their unit "
            "(e.g. 'Helsestasjonen')."
        )
    )
    title: Text | None = attrs.field(
        default=None, metadata=_doc("The name the family is shown, when not the unit's own.")
    )


@attrs.frozen
class Consent:
    """Who may consent to sharing information with other units and agencies."""

    self_consent_age: int = attrs.field(
        default=15,
        metadata=_doc("Age from which the young person consents alone (12-18; 15 or 16 usual)."),
    )
    child_view_age: int = attrs.field(
        default=12,
        metadata=_doc(
            "Age from which the young person sees their own case (the family's view; 6-18)."
        ),
    )
    guardian_limit_age: int = attrs.field(
        default=16,
        metadata=_doc(
            "Age of the young person from which guardians see less (guardian_hides; 12-18)."
        ),
    )
    guardian_hides: tuple[str, ...] = attrs.field(
        default=("minutes", "documents"),
        metadata=_doc(
            "What guardians no longer see from guardian_limit_age: minutes, documents, "
            "measures, meetings, involved (empty: guardians see all)."
        ),
    )
    valid_for: Duration | None = attrs.field(
        default=None,
        metadata=_doc(
            "How long a consent stands from the day it is given (P52W); after that the unit "
            "may no longer know until it is given again. None: until withdrawn."
        ),
    )
    renewal_reminder: Duration | None = attrs.field(
        default=None,
        metadata=_doc("With valid_for: remind this long before a consent ends (P14D)."),
    )
    services: tuple[Service, ...] = attrs.field(
        default=(),
        metadata=_doc(
            "The services the family may consent to share the relay log with; consent for any "
            "other is refused. Empty: any unit, typed by name."
        ),
    )


@attrs.frozen
class Retention:
    """How long btiflow keeps a case's contents (``btiflow purge``); without a value, forever."""

    after_archive: Period | None = attrs.field(
        default=None,
        metadata=_doc(
            "How long after its archive package was written a closed case's contents are "
            "kept before btiflow purge erases them (e.g. P5Y)."
        ),
    )
    access_log: Period | None = attrs.field(
        default=None,
        metadata=_doc("How long each row of a case's access log is kept (e.g. P2Y)."),
    )


@attrs.frozen
class Tool:
    """A form, conversation guide or link offered at a step (Verktøy)."""

    title: Text = attrs.field(metadata=_doc("What the tool is, as shown to the user."))
    url: str | None = attrs.field(default=None, metadata=_doc("An https:// or http:// link."))
    file: str | None = attrs.field(
        default=None, metadata=_doc("A relative path to a file published with the guide.")
    )


@attrs.frozen
class Advice:
    """Advice shown at a step, always or when a condition about the case holds."""

    text: Text = attrs.field(metadata=_doc("The advice."))
    when: str | None = attrs.field(
        default=None, metadata=_doc("A built-in condition; show the advice only when it holds.")
    )


@attrs.frozen
class Outcome:
    """One possible decision at a decision step: close, continue, or expand to another level."""

    kind: OutcomeKind = attrs.field(metadata=_doc("close, continue or expand."))
    title: Text | None = attrs.field(default=None, metadata=_doc("Name of the outcome."))
    description: Text | None = attrs.field(
        default=None, metadata=_doc("When to choose it and what to do.")
    )
    to: tuple[int, ...] = attrs.field(
        default=(), metadata=_doc("expand only: the levels the case may move to.")
    )
    step: str | None = attrs.field(
        default=None,
        metadata=_doc("continue only: the step of the same level where the work goes on."),
    )


@attrs.frozen
class Step:
    """A numbered step of a level."""

    id: str = attrs.field(metadata=_doc("Stable identifier, unique in the workflow."))
    title: Text = attrs.field(metadata=_doc("The step's title."))
    guidance: Text | None = attrs.field(default=None, metadata=_doc("What to do at this step."))
    questions: tuple[Text, ...] = attrs.field(
        default=(), metadata=_doc("Checklist questions to go through.")
    )
    advice: tuple[Advice, ...] = attrs.field(
        default=(), metadata=_doc("Advice shown at the step, possibly only when a condition holds.")
    )
    tools: tuple[Tool, ...] = attrs.field(default=(), metadata=_doc("Tools offered (Verktøy)."))
    records: tuple[str, ...] = attrs.field(
        default=(), metadata=_doc("What must be recorded to complete the step (built-in names).")
    )
    requires: tuple[str, ...] = attrs.field(
        default=(), metadata=_doc("Built-in conditions that must hold to complete the step.")
    )
    outcomes: tuple[Outcome, ...] = attrs.field(
        default=(), metadata=_doc("At a decision step: the possible decisions.")
    )

    @property
    def is_decision(self) -> bool:
        return bool(self.outcomes)

    def outcome(self, kind: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.kind == kind), None)


@attrs.frozen
class Level:
    """One of the four levels 0-3."""

    level: int = attrs.field(metadata=_doc("0, 1, 2 or 3."))
    title: Text = attrs.field(metadata=_doc("The level's title."))
    summary: Text | None = attrs.field(default=None, metadata=_doc("One or two sentences."))
    deadlines: Deadlines | None = attrs.field(
        default=None, metadata=_doc("Deadlines for this level, overriding the workflow's.")
    )
    steps: tuple[Step, ...] = attrs.field(
        default=(), metadata=_doc("The numbered steps, in order.")
    )

    def step_number(self, step_id: str) -> int:
        """1-based number of a step in this level."""
        return next(i for i, s in enumerate(self.steps, 1) if s.id == step_id)


@attrs.frozen
class Workflow:
    """A municipality's action guide, loaded and checked; immutable.

    ``content_hash`` identifies this exact version (a case pins it); it is computed from the
    resolved content, so whitespace and comments in the YAML do not change it.
    """

    format: str = attrs.field(metadata=_doc("Always 'btiflow/1'."))
    id: str = attrs.field(metadata=_doc("Stable identifier of the guide, e.g. 'kafjord'."))
    version: str = attrs.field(metadata=_doc("The guide's version, e.g. '2026.1'."))
    title: Text = attrs.field(metadata=_doc("The guide's title."))
    languages: tuple[str, ...] = attrs.field(
        metadata=_doc("Language codes, first is the default: nb, nn, se, en.")
    )
    introduction: Text | None = attrs.field(
        default=None, metadata=_doc("What the guide is for, shown on its first page.")
    )
    principles: tuple[Principle, ...] = attrs.field(
        default=(), metadata=_doc("The principles shown with the guide.")
    )
    deadlines: Deadlines = attrs.field(
        factory=Deadlines, metadata=_doc("Default deadlines (evaluation: P4W).")
    )
    consent: Consent = attrs.field(factory=Consent, metadata=_doc("Consent settings."))
    retention: Retention = attrs.field(
        factory=Retention,
        metadata=_doc("How long case contents and access logs are kept (none: forever)."),
    )
    levels: tuple[Level, ...] = attrs.field(default=(), metadata=_doc("Levels 0, 1, 2 and 3."))
    content_hash: str = attrs.field(default="", metadata={"internal": True})
    source: str = attrs.field(default="", eq=False, metadata={"internal": True})

    @property
    def language(self) -> str:
        """The default language (the first declared)."""
        return self.languages[0]

    def level(self, number: int) -> Level:
        return next(lv for lv in self.levels if lv.level == number)

    def steps(self) -> Iterator[tuple[Level, Step]]:
        for level in self.levels:
            for step in level.steps:
                yield level, step

    def find_step(self, step_id: str) -> tuple[Level, Step]:
        for level, step in self.steps():
            if step.id == step_id:
                return level, step
        raise KeyError(step_id)

    def evaluation_limit(self, level: int) -> Duration:
        """The evaluation deadline in force at ``level``."""
        own = self.level(level).deadlines
        if own is not None and own.evaluation is not None:
            return own.evaluation
        assert self.deadlines.evaluation is not None  # the loader fills the default
        return self.deadlines.evaluation

    def evaluation_reminder(self, level: int) -> Duration:
        """How long before an evaluation falls due its reminder is sent, at ``level``."""
        own = self.level(level).deadlines
        if own is not None and own.evaluation_reminder is not None:
            return own.evaluation_reminder
        assert self.deadlines.evaluation_reminder is not None  # the loader fills the default
        return self.deadlines.evaluation_reminder

    @property
    def baton_offer_reminder(self) -> Duration:
        assert self.deadlines.baton_offer_reminder is not None
        return self.deadlines.baton_offer_reminder
