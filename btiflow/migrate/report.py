"""A migration plan in words for the guide editor (bokmål): every case, then a summary."""

from __future__ import annotations

from collections.abc import Iterable

from btiflow.migrate.plan import Action, CasePlan, MigrationPlan

_ACTION_WORDS: dict[Action, str] = {
    "move": "flyttes",
    "needs_mapping": "trenger kartlegging",
    "refused": "avvist, blir på sin versjon",
    "skipped": "hoppet over (annen veileder)",
    "current": "allerede på denne versjonen",
}


def _case_lines(c: CasePlan, mode: str) -> Iterable[str]:
    yield (
        f"Sak {c.case_id} ({c.subject}), nivå {c.level}, versjon {c.from_version}, "
        f"steg «{c.from_title}» ({c.from_step}): {_ACTION_WORDS[c.action]}"
    )
    if c.action == "move":
        how = "samme steg" if c.to_step == c.from_step else "etter kartlegging"
        yield f"    → «{c.to_title}» ({c.to_step}), {how}"
    for r in c.reasons:
        yield f"    [{r.code}] {r.message}"
    d = c.deadline
    if d is not None and c.action in ("move", "refused"):
        line = f"    evaluering {d.due} (satt {d.set_on})"
        if d.limit_differs:
            line += (
                f"; fristen {d.old_limit} → {d.new_limit} gir senest {d.new_latest} "
                f"i stedet for {d.old_latest}"
            )
        if c.action == "move":
            after = d.due_with(mode)
            line += f"; {'beholdes' if after == d.due else f'flyttes til {after}'}"
            if mode == "keep" and d.changes:
                line += f" (recompute ville gitt {d.recomputed})"
            if d.delayed and d.limit_differs:
                line += " (datoen ble satt med begrunnelse for utsettelse og beholdes)"
        yield line


def plan_text(plan: MigrationPlan, *, dry_run: bool) -> str:
    """The plan as text for the guide editor (bokmål): every case, then a summary."""
    wf = plan.workflow
    lines = [
        f"Migrering til {wf.id} {wf.version} ({wf.content_hash[:12]})"
        + (" – prøvekjøring, ingenting skrives" if dry_run else ""),
        "Frister: "
        + (
            "evalueringsdatoer beholdes (--deadlines keep)"
            if plan.deadlines == "keep"
            else "evalueringsdatoer etter ny frist beregnes på nytt (--deadlines recompute)"
        ),
    ]
    if plan.mapping:
        lines.append("Kartlegging: " + ", ".join(f"{a} → {b}" for a, b in plan.mapping.items()))
    lines += [f"Advarsel: {w}" for w in plan.warnings]
    lines.append("")
    for c in plan.cases:
        lines += _case_lines(c, plan.deadlines)
    lines.append("")
    lines.append(summary(plan))
    return "\n".join(lines) + "\n"


def summary(plan: MigrationPlan) -> str:
    """Counts per action, and which cases the deadline choice affects."""
    counts = {a: len(plan.where(a)) for a in _ACTION_WORDS}
    parts = [f"{n} {_ACTION_WORDS[a]}" for a, n in counts.items() if n]
    if plan.closed:
        parts.append(f"{plan.closed} avsluttet (blir på sin versjon)")
    lines = ["Oppsummering: " + (", ".join(parts) if parts else "ingen åpne saker")]
    differs = plan.deadline_differs
    if differs:
        lines.append(
            f"Ny evalueringsfrist gir annen senest-dato for {len(differs)} sak(er): "
            + ", ".join(c.case_id for c in differs)
        )
        changes = plan.recompute_changes
        if changes:
            verb = "flyttes" if plan.deadlines == "recompute" else "ville blitt flyttet"
            lines.append(
                f"Med --deadlines recompute {verb} datoen for {len(changes)} sak(er): "
                + ", ".join(
                    f"{c.case_id} ({c.deadline.due} → {c.deadline.recomputed})"
                    for c in changes
                    if c.deadline is not None
                )
            )
        else:
            lines.append("Ingen evalueringsdato er senere enn ny frist tillater; ingen flyttes.")
    return "\n".join(lines)
