"""The family's case page: one self-contained HTML page, readable on screen and printed on A4.

Built from the family's view (``engine.view``), never from the raw case: it shows only what the
guardians and the young person may see — where the case is in the guide, who holds the baton,
the next meeting and evaluation, who is involved and what they do, the measures, the minutes and
documents shared. Printed, it is the paper relay log for a family that does not use the digital
service. Plain words, in the guide's language (North Sámi uses the bokmål words until translated).
"""

from __future__ import annotations

import datetime as dt
from html import escape
from string import Template

from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.localtime import OSLO
from btiflow.render.resources import read as _static
from btiflow.views import Contact, FamilyView, MeasureInfo
from btiflow.workflow.model import Workflow

CASE_LABELS: dict[str, dict[str, str]] = {
    "nb": {
        "title": "Stafettlogg – sak {case}",
        "lead": "Her ser dere hvor saken er, hvem som har ansvaret, og hva som er avtalt.",
        "status": "Saken {status}. Nivå {level}: {title}.",
        "where": "Hvor er saken i veilederen?",
        "level": "Nivå",
        "here": "Her er saken nå",
        "done": "ferdig",
        "next_step": "Neste: {step}",
        "baton": "Stafettholder",
        "baton_text": "Stafettholderen har ansvaret for at saken går videre, til en ny har tatt "
        "over.",
        "none": "Ikke bestemt ennå.",
        "contact": "Kontaktperson",
        "next": "Neste møte og evaluering",
        "meeting": "Neste møte: {kind} {at}, {place}.",
        "no_meeting": "Ingen møter er avtalt nå.",
        "evaluation": "Tiltakene skal evalueres senest {date}.",
        "no_evaluation": "Ingen evaluering er avtalt nå.",
        "who": "Hvem er med, og hva gjør de",
        "origin": "Saken ble opprettet etter at {origin}.",
        "interpreter": "Tolk",
        "interpreter_line": "{who} har rett til tolk: {language}",
        "interpreter_present": "Tolk var til stede.",
        "interpreter_absent": "Tolk var ikke til stede.",
        "no_one": "Ingen andre tjenester er med nå.",
        "consent": "Samtykke",
        "consent_line": "{unit}: {status} {date}",
        "goals": "Mål",
        "goal_status": "{goal}: {status}",
        "for_goal": "mål: {goal}",
        "ended": "avsluttet",
        "group": "Ansvarsgruppe",
        "plan": "Individuell plan",
        "coordinator_line": "Koordinator: {who}",
        "child_coordinator": "Det er søkt om barnekoordinator.",
        "consent_ends": ", går ut {date}",
        "measures": "Tiltak",
        "what": "Hva",
        "responsible": "Ansvarlig",
        "by": "Innen",
        "no_measures": "Ingen tiltak er avtalt ennå.",
        "minutes": "Referater",
        "no_minutes": "Ingen referater ennå.",
        "documents": "Dokumenter delt med dere",
        "printed": "Skrevet ut {date}. Siden viser det foresatte og barnet kan se av saken, "
        "ikke interne notater.",
        "at": "kl.",
    },
    "nn": {
        "title": "Stafettlogg – sak {case}",
        "lead": "Her ser de kvar saka er, kven som har ansvaret, og kva som er avtalt.",
        "status": "Saka {status}. Nivå {level}: {title}.",
        "where": "Kvar er saka i rettleiaren?",
        "level": "Nivå",
        "here": "Her er saka no",
        "done": "ferdig",
        "next_step": "Neste: {step}",
        "baton": "Stafetthaldar",
        "baton_text": "Stafetthaldaren har ansvaret for at saka går vidare, til ein ny har teke "
        "over.",
        "none": "Ikkje bestemt enno.",
        "contact": "Kontaktperson",
        "next": "Neste møte og evaluering",
        "meeting": "Neste møte: {kind} {at}, {place}.",
        "no_meeting": "Ingen møte er avtalt no.",
        "evaluation": "Tiltaka skal evaluerast seinast {date}.",
        "no_evaluation": "Inga evaluering er avtalt no.",
        "who": "Kven er med, og kva gjer dei",
        "origin": "Saka vart oppretta etter at {origin}.",
        "interpreter": "Tolk",
        "interpreter_line": "{who} har rett til tolk: {language}",
        "interpreter_present": "Tolk var til stades.",
        "interpreter_absent": "Tolk var ikkje til stades.",
        "no_one": "Ingen andre tenester er med no.",
        "consent": "Samtykke",
        "consent_line": "{unit}: {status} {date}",
        "goals": "Mål",
        "goal_status": "{goal}: {status}",
        "for_goal": "mål: {goal}",
        "ended": "avslutta",
        "group": "Ansvarsgruppe",
        "plan": "Individuell plan",
        "coordinator_line": "Koordinator: {who}",
        "child_coordinator": "Det er søkt om barnekoordinator.",
        "consent_ends": ", går ut {date}",
        "measures": "Tiltak",
        "what": "Kva",
        "responsible": "Ansvarleg",
        "by": "Innan",
        "no_measures": "Ingen tiltak er avtalt enno.",
        "minutes": "Referat",
        "no_minutes": "Ingen referat enno.",
        "documents": "Dokument delte med dykk",
        "printed": "Skrive ut {date}. Sida viser det føresette og barnet kan sjå av saka, "
        "ikkje interne notat.",
        "at": "kl.",
    },
    "en": {
        "title": "Relay log – case {case}",
        "lead": "Where the case is, who is responsible, and what has been agreed.",
        "status": "The case is {status}. Level {level}: {title}.",
        "where": "Where is the case in the guide?",
        "level": "Level",
        "here": "The case is here now",
        "done": "done",
        "next_step": "Next: {step}",
        "baton": "Baton holder",
        "baton_text": "The baton holder is responsible for moving the case on, until another "
        "has taken over.",
        "none": "Not decided yet.",
        "contact": "Contact person",
        "next": "Next meeting and evaluation",
        "meeting": "Next meeting: {kind} {at}, {place}.",
        "no_meeting": "No meeting is planned now.",
        "evaluation": "The measures are to be evaluated by {date}.",
        "no_evaluation": "No evaluation is planned now.",
        "who": "Who is involved, and what they do",
        "origin": "The case was opened after {origin}.",
        "interpreter": "Interpreter",
        "interpreter_line": "{who} has the right to an interpreter: {language}",
        "interpreter_present": "An interpreter was present.",
        "interpreter_absent": "No interpreter was present.",
        "no_one": "No other service is involved now.",
        "consent": "Consent",
        "consent_line": "{unit}: {status} {date}",
        "goals": "Goals",
        "goal_status": "{goal}: {status}",
        "for_goal": "goal: {goal}",
        "ended": "ended",
        "group": "Responsibility group",
        "plan": "Individual plan",
        "coordinator_line": "Coordinator: {who}",
        "child_coordinator": "A child coordinator has been applied for.",
        "consent_ends": ", ends {date}",
        "measures": "Measures",
        "what": "What",
        "responsible": "Responsible",
        "by": "By",
        "no_measures": "No measures agreed yet.",
        "minutes": "Minutes",
        "no_minutes": "No minutes yet.",
        "documents": "Documents shared with you",
        "printed": "Printed {date}. The page shows what the guardians and the child can see of "
        "the case, not internal notes.",
        "at": "at",
    },
}
"""The page's own words; the guide's texts come from the view and the workflow."""


def _day(value: str) -> str:
    """An ISO date or datetime as 14.09.2026."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(OSLO)
    return moment.strftime("%d.%m.%Y")


def _time(value: str, at: str) -> str:
    """An ISO datetime as 14.09.2026 kl. 10:30 (Oslo time)."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(OSLO)
    return f"{moment.strftime('%d.%m.%Y')} {at} {moment.strftime('%H:%M')}"


def case_page(
    workflow: Workflow,
    view: FamilyView,
    step_id: str,
    *,
    is_open: bool = True,
    printed: dt.datetime | None = None,
) -> str:
    """The family's view as one HTML page.

    ``step_id`` marks where the case is in the guide (every step is done when ``is_open`` is
    false); ``printed`` is the time shown at the foot (default: now).
    """
    page = _CasePage(workflow, view, step_id, printed or dt.datetime.now(OSLO))
    page.is_open = is_open
    return page.render()


def family_sections(
    workflow: Workflow, view: FamilyView, step_id: str, *, is_open: bool = True
) -> str:
    """The family's view as HTML sections (status, where in the guide, baton, meetings, who,
    measures, minutes, documents), for a page that holds more (the archive's relay log)."""
    page = _CasePage(workflow, view, step_id, dt.datetime.now(OSLO))
    page.is_open = is_open
    return page.sections()


class _CasePage:
    def __init__(
        self, workflow: Workflow, view: FamilyView, step_id: str, printed: dt.datetime
    ) -> None:
        self.wf = workflow
        self.view = view
        self.step_id = step_id
        self.printed = printed
        self.lang = view.language
        self.words_lang = self.lang if self.lang in CASE_LABELS else "nb"
        self.words = CASE_LABELS[self.words_lang]
        self.is_open = True

    def w(self, key: str, **values: str) -> str:
        """The page's own words, escaped (values too), marked when not in the page language."""
        text = escape(self.words[key]).format(**{k: escape(v) for k, v in values.items()})
        if self.words_lang != self.lang:
            return f'<span lang="{self.words_lang}">{text}</span>'
        return text

    def parts(self) -> tuple[str, str, str]:
        """The page's body below its heading and lead: the status, the notice and the sections."""
        v = self.view
        sections = [
            self.path(),
            self.baton(),
            self.next(),
            self.who(),
            self.measures(),
            self.minutes(),
        ]
        if v.documents:
            sections.append(self.documents())
        notice = f'<p class="notice">{escape(v.notice)}</p>' if v.notice else ""
        status = self.w("status", status=v.status, level=str(v.level), title=v.level_title)
        return status, notice, "".join(sections)

    def sections(self) -> str:
        """The status, notice and every section as HTML, as the page shows them."""
        status, notice, sections = self.parts()
        return f'<p class="status">{status}</p>\n{notice}\n{sections}'

    def render(self) -> str:
        v = self.view
        title = self.words["title"].format(case=v.case_id)
        status, notice, sections = self.parts()
        return _CASE_PAGE.substitute(
            lang=self.lang,
            title=escape(title),
            css=CASE_CSS,
            guide=f"{escape(self.wf.title.get(self.lang))} {escape(v.guide_version)}",
            moved=f'<p class="guide">{escape(v.moved)}</p>' if v.moved else "",
            heading=self.w("title", case=v.case_id),
            lead=self.w("lead"),
            status=status,
            notice=notice,
            sections=sections,
            printed=self.w("printed", date=_time(self.printed.isoformat(), self.words["at"])),
        )

    def path(self) -> str:
        levels = []
        for level in self.wf.levels:
            title = escape(level.title.get(self.lang))
            name = f"{self.w('level')} {level.level}: {title}"
            if level.level != self.view.level:
                levels.append(f"<li>{name}</li>")
                continue
            steps = []
            ids = [s.id for s in level.steps]
            current = ids.index(self.step_id) + 1 if self.step_id in ids else 0
            for number, step in enumerate(level.steps, 1):
                text = f"{number}. {escape(step.title.get(self.lang))}"
                if number == current and self.is_open:
                    steps.append(
                        f'<li class="here" aria-current="step"><strong>▶ {text}</strong> '
                        f'<span class="tag">({self.w("here")})</span></li>'
                    )
                elif number < current or not self.is_open:
                    steps.append(
                        f'<li class="done">{text} <span class="tag">'
                        f"(✓ {self.w('done')})</span></li>"
                    )
                else:
                    steps.append(f"<li>{text}</li>")
            levels.append(
                f'<li class="current"><strong>{name}</strong><ol class="steps">'
                f"{''.join(steps)}</ol></li>"
            )
        next_step = (
            f"<p>{self.w('next_step', step=self.view.next_step)}</p>" if self.view.next_step else ""
        )
        return (
            f'<section aria-labelledby="where"><h2 id="where">{self.w("where")}</h2>'
            f'<ul class="levels">{"".join(levels)}</ul>{next_step}</section>'
        )

    def contact(self, contact: Contact | None) -> str:
        if contact is None:
            return f"<p>{self.w('none')}</p>"
        parts = [f"<strong>{escape(contact.name)}</strong>"]
        if contact.unit:
            parts.append(escape(contact.unit))
        if contact.email:
            parts.append(f'<a href="mailto:{escape(contact.email)}">{escape(contact.email)}</a>')
        return f"<p>{', '.join(parts)}</p>"

    def baton(self) -> str:
        return (
            f'<section aria-labelledby="baton"><h2 id="baton">{self.w("baton")}</h2>'
            f'{self.contact(self.view.baton_holder)}<p class="help">{self.w("baton_text")}</p>'
            f"<h3>{self.w('contact')}</h3>{self.contact(self.view.contact_person)}</section>"
        )

    def next(self) -> str:
        v = self.view
        if v.next_meeting is not None:
            m = v.next_meeting
            meeting = self.w(
                "meeting", kind=m.kind, at=_time(m.at, self.words["at"]), place=m.place or "–"
            )
        else:
            meeting = self.w("no_meeting")
        if v.next_evaluation:
            evaluation = self.w("evaluation", date=_day(v.next_evaluation))
        else:
            evaluation = self.w("no_evaluation")
        return (
            f'<section aria-labelledby="next"><h2 id="next">{self.w("next")}</h2>'
            f"<p>{meeting}</p><p>{evaluation}</p></section>"
        )

    def who(self) -> str:
        v = self.view
        if v.involved:
            items = "".join(
                f"<li><strong>{escape(i.unit)}</strong>"
                f"{': ' + escape(i.person) if i.person else ''} – {escape(i.task)}</li>"
                for i in v.involved
            )
            body = f"<ul>{items}</ul>"
        else:
            body = f"<p>{self.w('no_one')}</p>"
        if v.origin:
            body = f"<p>{self.w('origin', origin=v.origin)}</p>{body}"
        if v.interpreters:
            lines = "".join(
                f"<li>{self.w('interpreter_line', who=i.who, language=i.language)}</li>"
                for i in v.interpreters
            )
            body += f"<h3>{self.w('interpreter')}</h3><ul>{lines}</ul>"
        body += self.arrangements()
        if v.consents:
            lines = "".join(
                f"<li>{self.w('consent_line', unit=c.unit, status=c.status, date=_day(c.at))}"
                f"{self.w('consent_ends', date=_day(c.ends)) if c.ends else ''}</li>"
                for c in v.consents
            )
            body += f"<h3>{self.w('consent')}</h3><ul>{lines}</ul>"
        return f'<section aria-labelledby="who"><h2 id="who">{self.w("who")}</h2>{body}</section>'

    def arrangements(self) -> str:
        """Level 3: the responsibility group, the individual plan's coordinator, a child
        coordinator applied for."""
        v = self.view
        body = ""
        if v.responsibility_group:
            members = "".join(
                f"<li>{escape(c.name)}{', ' + escape(c.unit) if c.unit else ''}</li>"
                for c in v.responsibility_group
            )
            body += f"<h3>{self.w('group')}</h3><ul>{members}</ul>"
        if v.individual_plan and v.coordinator is not None:
            who = escape(v.coordinator.name) + (
                f", {escape(v.coordinator.unit)}" if v.coordinator.unit else ""
            )
            body += f"<h3>{self.w('plan')}</h3><p>{self.w('coordinator_line', who=who)}</p>"
        if v.child_coordinator_applied:
            body += f"<p>{self.w('child_coordinator')}</p>"
        return body

    def goals(self) -> str:
        if not self.view.goals:
            return ""
        items = "".join(
            "<li>"
            + (
                self.w("goal_status", goal=escape(g.text), status=escape(g.status))
                if g.status
                else escape(g.text)
            )
            + "</li>"
            for g in self.view.goals
        )
        return f"<h3>{self.w('goals')}</h3><ul>{items}</ul>"

    def measure_what(self, m: MeasureInfo) -> str:
        what = escape(m.what)
        if m.goal:
            what += f" ({self.w('for_goal', goal=escape(m.goal))})"
        if m.ended:
            what += f" – {self.w('ended')}"
        return what

    def measures(self) -> str:
        v = self.view
        if not v.measures:
            body = f"<p>{self.w('no_measures')}</p>"
        else:
            rows = "".join(
                f"<tr><td>{self.measure_what(m)}</td><td>{escape(m.responsible)}</td>"
                f"<td>{_day(m.by_date) if m.by_date else '–'}</td></tr>"
                for m in v.measures
            )
            body = (
                f'<table><thead><tr><th scope="col">{self.w("what")}</th>'
                f'<th scope="col">{self.w("responsible")}</th><th scope="col">{self.w("by")}</th>'
                f"</tr></thead><tbody>{rows}</tbody></table>"
            )
        return (
            f'<section aria-labelledby="measures"><h2 id="measures">{self.w("measures")}</h2>'
            f"{self.goals()}{body}</section>"
        )

    def interpreter_at(self, present: bool | None) -> str:
        if present is None:
            return ""
        return f"<p>{self.w('interpreter_present' if present else 'interpreter_absent')}</p>"

    def minutes(self) -> str:
        v = self.view
        if not v.minutes:
            body = f"<p>{self.w('no_minutes')}</p>"
        else:
            body = "".join(
                f'<article class="minutes"><h3>{escape(m.kind.capitalize())}, '
                f"{_time(m.at, self.words['at'])}</h3>{self.interpreter_at(m.interpreter_present)}"
                f"<p>{escape(m.text)}</p></article>"
                for m in v.minutes
            )
        return (
            f'<section aria-labelledby="minutes"><h2 id="minutes">{self.w("minutes")}</h2>'
            f"{body}</section>"
        )

    def documents(self) -> str:
        body = "".join(
            f'<article class="document"><h3>{escape(d.title)}</h3>'
            f'<p>{escape(d.text)}</p><p class="help">{_day(d.added_at)}</p></article>'
            for d in self.view.documents
        )
        return (
            f'<section aria-labelledby="documents"><h2 id="documents">{self.w("documents")}</h2>'
            f"{body}</section>"
        )


CASE_CSS = _static("case-page.css")
"""The case page's stylesheet, inlined so the page is one self-contained file."""
_CASE_PAGE = Template(_static("case-page.html"))


def actor_in_case(case: Case, person_id: str) -> Actor | None:
    """The person with ``person_id`` as named in ``case``, as the actor who would view it.

    Guardians are guardians, the subject's id is the young person, anyone else named (opener,
    baton holder, contact person, involved professional) is an employee of their unit.
    """
    for guardian in case.guardians:
        if guardian.id == person_id:
            return Actor(guardian.id, "guardian", "", guardian.name)
    if person_id == case.subject:
        return Actor(person_id, "child")
    named = [case.opened_by, case.baton_holder, case.contact_person, case.baton_offer]
    named += [i.person for i in case.involved]
    for person in named:
        if person is not None and person.id == person_id:
            return Actor(person.id, "employee", person.unit, person.name)
    return None


__all__ = ["CASE_CSS", "CASE_LABELS", "actor_in_case", "case_page", "family_sections"]
