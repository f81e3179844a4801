"""The messages of the BTI model's rules: a stable code for programs, words for people.

The rules themselves live in the modules named for them (``case/concern.py``, ``case/baton.py``,
``case/meetings.py``...; docs/design.md has the table); this module only words their refusals,
and labels the guide's record and condition names. Each code belongs to one rule (numbered as in
the domain description); its message exists in bokmål, nynorsk and English and is shown in the
workflow's first language (North Sámi falls back to bokmål until a translation is given).
"""

from __future__ import annotations

from typing import Any

from btiflow.errors import Reason

# code: (rule, {language: message template})
MESSAGES: dict[str, tuple[str, dict[str, str]]] = {
    "case_closed": (
        "case",
        {
            "nb": "Saken er avsluttet; ingenting mer kan registreres.",
            "nn": "Saka er avslutta; ingenting meir kan registrerast.",
            "en": "The case is closed; nothing more can be recorded.",
        },
    ),
    "not_at_level": (
        "guide",
        {
            "nb": "Dette gjøres på nivå {levels}; saken er på nivå {level}.",
            "nn": "Dette blir gjort på nivå {levels}; saka er på nivå {level}.",
            "en": "This is done at level {levels}; the case is at level {level}.",
        },
    ),
    "leader_before_guardians": (
        "1 leader-before-guardians",
        {
            "nb": "Del bekymringen med nærmeste leder før du deler den med foresatte eller barnet.",
            "nn": "Del uroa med næraste leiar før du deler henne med føresette eller barnet.",
            "en": "Tell the line manager before telling the guardians or the child.",
        },
    ),
    "child_welfare_first": (
        "2 child-welfare-first",
        {
            "nb": "Bekymringen gjelder mulig vold, overgrep eller omsorgssvikt: kontakt "
            "barneverntjenesten anonymt for råd før du deler den med foresatte.",
            "nn": "Uroa gjeld mogleg vald, overgrep eller omsorgssvikt: kontakt barnevernstenesta "
            "anonymt for råd før du deler henne med føresette.",
            "en": "The concern is about possible violence, abuse or neglect: consult the child "
            "welfare service anonymously before telling the guardians.",
        },
    ),
    "child_welfare_advised_not_to_tell": (
        "2 child-welfare-first",
        {
            "nb": "Barneverntjenesten har rådet til ikke å dele bekymringen med foresatte nå; "
            "send eventuelt bekymringsmelding, og avslutt eller gå videre uten foresatte.",
            "nn": "Barnevernstenesta har rådd til ikkje å dele uroa med føresette no; send "
            "eventuelt bekymringsmelding, og avslutt eller gå vidare utan føresette.",
            "en": "The child welfare service advised not to tell the guardians now; send a report "
            "if advised, and close or go on without the guardians.",
        },
    ),
    "step_incomplete": (
        "guide",
        {
            "nb": "Steget «{step}» er ikke fullført; mangler: {missing}.",
            "nn": "Steget «{step}» er ikkje fullført; manglar: {missing}.",
            "en": "The step '{step}' is not complete; missing: {missing}.",
        },
    ),
    "not_a_decision_step": (
        "guide",
        {
            "nb": "Beslutning tas i steget «{decision}»; saken står i steget «{step}».",
            "nn": "Avgjerd blir teken i steget «{decision}»; saka står i steget «{step}».",
            "en": "The decision is made at the step '{decision}'; the case is at '{step}'.",
        },
    ),
    "decision_step": (
        "guide",
        {
            "nb": "Steget «{step}» avsluttes med en beslutning (avslutte, videreføre eller utvide).",
            "nn": "Steget «{step}» blir avslutta med ei avgjerd (avslutte, vidareføre eller utvide).",
            "en": "The step '{step}' ends with a decision (close, continue or expand).",
        },
    ),
    "outcome_not_allowed": (
        "10 evaluation-outcome",
        {
            "nb": "Veiviseren tillater ikke «{outcome}» her; tillatt: {allowed}.",
            "nn": "Rettleiaren tillèt ikkje «{outcome}» her; tillate: {allowed}.",
            "en": "The guide does not allow '{outcome}' here; allowed: {allowed}.",
        },
    ),
    "closing_summary_required": (
        "12 documentation",
        {
            "nb": "Dokumenter hva som er endret og hva dere er blitt enige om før saken avsluttes.",
            "nn": "Dokumenter kva som er endra og kva de er blitt samde om før saka blir avslutta.",
            "en": "Record what changed and what was agreed before closing the case.",
        },
    ),
    "close_reason_required": (
        "3 close-at-level-0",
        {
            "nb": "Skriv hvorfor det ikke er grunn til å ta bekymringen videre.",
            "nn": "Skriv kvifor det ikkje er grunn til å ta uroa vidare.",
            "en": "Record why there is no reason to take the concern further.",
        },
    ),
    "baton_holder_required": (
        "4 one-baton-holder",
        {
            "nb": "Fra nivå 1 skal saken ha én stafettholder; oppgi hvem som blir stafettholder.",
            "nn": "Frå nivå 1 skal saka ha éin stafetthaldar; oppgi kven som blir stafetthaldar.",
            "en": "From level 1 the case has exactly one baton holder; name who holds the baton.",
        },
    ),
    "family_wish_required": (
        "6 baton-at-level-change",
        {
            "nb": "Ved nytt nivå avklares stafettholder i samråd med familien; skriv familiens ønske.",
            "nn": "Ved nytt nivå blir stafetthaldar avklart saman med familien; skriv ønsket deira.",
            "en": "At a change of level the baton is decided with the family; record their wish.",
        },
    ),
    "no_baton_offer": (
        "5 baton-kept-until-accepted",
        {
            "nb": "Det finnes ikke noe åpent tilbud om stafettpinnen.",
            "nn": "Det finst ikkje noko ope tilbod om stafettpinnen.",
            "en": "There is no open offer of the baton.",
        },
    ),
    "baton_offer_pending": (
        "5 baton-kept-until-accepted",
        {
            "nb": "Stafettpinnen er allerede tilbudt {person}; trekk tilbudet først.",
            "nn": "Stafettpinnen er alt tilboden {person}; trekk tilbodet først.",
            "en": "The baton is already offered to {person}; withdraw that offer first.",
        },
    ),
    "not_offered_to_you": (
        "5 baton-kept-until-accepted",
        {
            "nb": "Bare den som har fått tilbudet ({person}) kan ta imot eller avslå stafettpinnen.",
            "nn": "Berre den som har fått tilbodet ({person}) kan ta imot eller avslå stafettpinnen.",
            "en": "Only the person offered the baton ({person}) can accept or decline it.",
        },
    ),
    "already_baton_holder": (
        "5 baton-kept-until-accepted",
        {
            "nb": "{person} er allerede stafettholder.",
            "nn": "{person} er alt stafetthaldar.",
            "en": "{person} already holds the baton.",
        },
    ),
    "offer_reason_required": (
        "5 baton-kept-until-accepted",
        {
            "nb": "Skriv hvorfor du tilbyr stafettpinnen videre på vegne av stafettholderen.",
            "nn": "Skriv kvifor du tilbyr stafettpinnen vidare på vegner av stafetthaldaren.",
            "en": "Record why you offer the baton on behalf of the baton holder.",
        },
    ),
    "only_baton_holder": (
        "5 baton-kept-until-accepted",
        {
            "nb": "Bare stafettholderen ({person}) kan tilby eller trekke tilbake stafettpinnen.",
            "nn": "Berre stafetthaldaren ({person}) kan tilby eller trekkje tilbake stafettpinnen.",
            "en": "Only the baton holder ({person}) can offer the baton or withdraw the offer.",
        },
    ),
    "baton_unit_without_consent": (
        "11 consent",
        {
            "nb": "{unit} er ikke involvert med samtykke; innhent samtykke før stafettpinnen gis dit.",
            "nn": "{unit} er ikkje involvert med samtykke; hent inn samtykke før stafettpinnen går "
            "dit.",
            "en": "{unit} is not involved under consent; obtain consent before the baton goes there.",
        },
    ),
    "evaluation_too_late": (
        "7 evaluation-within-limit",
        {
            "nb": "Evalueringen bør skje innen {limit} (senest {latest}); oppgi grunn for en senere "
            "dato.",
            "nn": "Evalueringa bør skje innan {limit} (seinast {latest}); oppgi grunn for ein seinare "
            "dato.",
            "en": "The evaluation should be within {limit} (by {latest}); give a reason for a later "
            "date.",
        },
    ),
    "evaluation_in_past": (
        "7 evaluation-within-limit",
        {
            "nb": "Evalueringsdatoen {date} er passert.",
            "nn": "Evalueringsdatoen {date} er passert.",
            "en": "The evaluation date {date} has passed.",
        },
    ),
    "evaluation_date_required": (
        "7 evaluation-within-limit",
        {
            "nb": "Avtal tidspunkt for nytt evalueringsmøte.",
            "nn": "Avtal tidspunkt for nytt evalueringsmøte.",
            "en": "Set the date of the next evaluation meeting.",
        },
    ),
    "not_evaluation_step": (
        "7 evaluation-within-limit",
        {
            "nb": "Evalueringen registreres i steget «{step}»; saken står i «{current}».",
            "nn": "Evalueringa blir registrert i steget «{step}»; saka står i «{current}».",
            "en": "The evaluation is recorded in the step '{step}'; the case is at '{current}'.",
        },
    ),
    "no_measures": (
        "7 evaluation-within-limit",
        {
            "nb": "Ingen tiltak er avtalt; det er ingen evaluering å flytte.",
            "nn": "Ingen tiltak er avtalte; det er inga evaluering å flytte.",
            "en": "No measures are agreed; there is no evaluation to move.",
        },
    ),
    "minutes_missing": (
        "8 minutes",
        {
            "nb": "Referat mangler for møtet {meetings}; skriv referatet før evalueringen "
            "registreres.",
            "nn": "Referat manglar for møtet {meetings}; skriv referatet før evalueringa blir "
            "registrert.",
            "en": "Minutes are missing for meeting {meetings}; record them before the evaluation.",
        },
    ),
    "minutes_by_contact_or_holder": (
        "8 minutes",
        {
            "nb": "Referat skrives av kontaktpersonen eller stafettholderen.",
            "nn": "Referat blir skrive av kontaktpersonen eller stafetthaldaren.",
            "en": "Minutes are recorded by the contact person or the baton holder.",
        },
    ),
    "minutes_exist": (
        "8 minutes",
        {
            "nb": "Møtet {meeting} har allerede referat.",
            "nn": "Møtet {meeting} har alt referat.",
            "en": "Meeting {meeting} already has minutes.",
        },
    ),
    "child_voice_missing": (
        "9 child-voice",
        {
            "nb": "Barnet deltok ikke; skriv hvordan barnets stemme kom frem.",
            "nn": "Barnet deltok ikkje; skriv korleis stemma til barnet kom fram.",
            "en": "The child did not take part; record how the child's voice was brought in.",
        },
    ),
    "group_without_members": (
        "13 level-3-rights",
        {
            "nb": "Ansvarsgruppen trenger minst ett medlem.",
            "nn": "Ansvarsgruppa treng minst eitt medlem.",
            "en": "The responsibility group needs at least one member.",
        },
    ),
    "group_unchanged": (
        "13 level-3-rights",
        {
            "nb": "Ansvarsgruppen har allerede disse medlemmene.",
            "nn": "Ansvarsgruppa har allereie desse medlemmene.",
            "en": "The responsibility group already has these members.",
        },
    ),
    "already_coordinator": (
        "13 level-3-rights",
        {
            "nb": "{person} er allerede koordinator for den individuelle planen.",
            "nn": "{person} er allereie koordinator for den individuelle planen.",
            "en": "{person} already coordinates the individual plan.",
        },
    ),
    "unknown_goal": (
        "guide",
        {
            "nb": "Saken har ikke noe mål «{goal}».",
            "nn": "Saka har ikkje noko mål «{goal}».",
            "en": "The case has no goal '{goal}'.",
        },
    ),
    "unknown_measure": (
        "guide",
        {
            "nb": "Saken har ikke noe tiltak «{measure}».",
            "nn": "Saka har ikkje noko tiltak «{measure}».",
            "en": "The case has no measure '{measure}'.",
        },
    ),
    "measure_ended": (
        "guide",
        {
            "nb": "Tiltaket {measure} er avsluttet; avtal et nytt tiltak i stedet.",
            "nn": "Tiltaket {measure} er avslutta; avtal eit nytt tiltak i staden.",
            "en": "Measure {measure} has ended; agree a new measure instead.",
        },
    ),
    "measure_unchanged": (
        "guide",
        {
            "nb": "Endringen av tiltaket {measure} endrer ingenting.",
            "nn": "Endringa av tiltaket {measure} endrar ingenting.",
            "en": "The revision of measure {measure} changes nothing.",
        },
    ),
    "no_running_measures": (
        "guide",
        {
            "nb": "Saken har ingen tiltak som pågår.",
            "nn": "Saka har ingen tiltak som går føre seg.",
            "en": "The case has no measures running.",
        },
    ),
    "unknown_meeting": (
        "guide",
        {
            "nb": "Saken har ikke noe møte «{meeting}».",
            "nn": "Saka har ikkje noko møte «{meeting}».",
            "en": "The case has no meeting '{meeting}'.",
        },
    ),
    "meeting_not_held": (
        "guide",
        {
            "nb": "Møtet {meeting} er ikke registrert som holdt.",
            "nn": "Møtet {meeting} er ikkje registrert som halde.",
            "en": "Meeting {meeting} is not recorded as held.",
        },
    ),
    "meeting_already_held": (
        "guide",
        {
            "nb": "Møtet {meeting} er allerede registrert som holdt.",
            "nn": "Møtet {meeting} er alt registrert som halde.",
            "en": "Meeting {meeting} is already recorded as held.",
        },
    ),
    "meeting_cancelled": (
        "guide",
        {
            "nb": "Møtet {meeting} er avlyst; avtal et nytt møte.",
            "nn": "Møtet {meeting} er avlyst; avtal eit nytt møte.",
            "en": "Meeting {meeting} is cancelled; schedule a new meeting.",
        },
    ),
    "meeting_unchanged": (
        "guide",
        {
            "nb": "Møtet {meeting} er allerede satt til dette tidspunktet; oppgi ny tid eller nytt sted.",
            "nn": "Møtet {meeting} er alt sett til dette tidspunktet; oppgi ny tid eller ny stad.",
            "en": "Meeting {meeting} is already at this time; give a new time or place.",
        },
    ),
    "not_evaluation_meeting": (
        "10 evaluation-outcome",
        {
            "nb": "Evaluering registreres fra et evalueringsmøte; {meeting} er et {kind}-møte.",
            "nn": "Evaluering blir registrert frå eit evalueringsmøte; {meeting} er eit {kind}-møte.",
            "en": "An evaluation is recorded from an evaluation meeting; {meeting} is a {kind} "
            "meeting.",
        },
    ),
    "no_meeting_held": (
        "guide",
        {
            "nb": "Ingen møter er holdt ennå.",
            "nn": "Ingen møte er haldne enno.",
            "en": "No meeting has been held yet.",
        },
    ),
    "evaluation_required": (
        "10 evaluation-outcome",
        {
            "nb": "Registrer evalueringen (opplevelse, endringer, status mot målene) før beslutningen.",
            "nn": "Registrer evalueringa (oppleving, endringar, status mot måla) før avgjerda.",
            "en": "Record the evaluation (experience, changes, status against goals) first.",
        },
    ),
    "consent_missing": (
        "11 consent",
        {
            "nb": "Det er ikke gitt samtykke til å involvere {unit}.",
            "nn": "Det er ikkje gitt samtykke til å involvere {unit}.",
            "en": "No consent has been given to involve {unit}.",
        },
    ),
    "consent_by_guardian": (
        "11 consent",
        {
            "nb": "Samtykke gis av foresatte, eller av ungdommen selv fra {age} år.",
            "nn": "Samtykke blir gitt av føresette, eller av ungdommen sjølv frå {age} år.",
            "en": "Consent is given by a guardian, or by the young person from age {age}.",
        },
    ),
    "no_consent_to_withdraw": (
        "11 consent",
        {
            "nb": "Det finnes ikke noe gitt samtykke for {units} å trekke tilbake.",
            "nn": "Det finst ikkje noko gitt samtykke for {units} å trekkje tilbake.",
            "en": "There is no given consent for {units} to withdraw.",
        },
    ),
    "interpreter_for_whom": (
        "interpreter",
        {
            "nb": "Behov for tolk registreres for barnet (child) eller en av sakens foresatte; "
            "«{person}» er ingen av dem (kjente: {known}).",
            "nn": "Behov for tolk blir registrert for barnet (child) eller ein av dei føresette i "
            "saka; «{person}» er ingen av dei (kjende: {known}).",
            "en": "An interpreter need is recorded for the child (child) or one of the case's "
            "guardians; '{person}' is neither (known: {known}).",
        },
    ),
    "consent_lapsed": (
        "11 consent",
        {
            "nb": "Samtykket for {unit} gikk ut {date} (veilederens gyldighetstid). Be familien om "
            "å gi det på nytt.",
            "nn": "Samtykket for {unit} gjekk ut {date} (gyldigheitstida i rettleiaren). Be "
            "familien om å gi det på nytt.",
            "en": "The consent for {unit} ended on {date} (the guide's period of validity). Ask "
            "the family to give it again.",
        },
    ),
    "log_consent_missing": (
        "11 consent",
        {
            "nb": "Stafettloggen følger barnet mellom tjenester bare med samtykke fra foresatte "
            "(eller ungdommen selv). Innhent samtykke til stafettloggen ({log}) før saken går "
            "videre fra nivå 0.",
            "nn": "Stafettloggen følgjer barnet mellom tenester berre med samtykke frå føresette "
            "(eller ungdommen sjølv). Hent inn samtykke til stafettloggen ({log}) før saka går "
            "vidare frå nivå 0.",
            "en": "The relay log follows the child across services only with the guardians' "
            "consent (or the young person's). Obtain consent to the relay log ({log}) before the "
            "case goes on from level 0.",
        },
    ),
    "log_is_no_unit": (
        "11 consent",
        {
            "nb": "«{log}» er samtykket til selve stafettloggen, ikke en enhet som kan involveres.",
            "nn": "«{log}» er samtykket til sjølve stafettloggen, ikkje ei eining som kan "
            "involverast.",
            "en": "'{log}' is the consent to the relay log itself, not a unit to involve.",
        },
    ),
    "young_person_decides": (
        "11 consent",
        {
            "nb": "Ungdommen har selv tatt stilling til samtykke for {units}. Fra {age} år gjelder "
            "ungdommens eget valg, og foresatte kan ikke endre det.",
            "nn": "Ungdommen har sjølv teke stilling til samtykke for {units}. Frå {age} år gjeld "
            "ungdommen sitt eige val, og føresette kan ikkje endre det.",
            "en": "The young person has decided on consent for {units} themselves. From age {age} "
            "their own decision stands, and a guardian cannot change it.",
        },
    ),
    "own_unit": (
        "11 consent",
        {
            "nb": "{unit} er sakens egen enhet og er allerede med.",
            "nn": "{unit} er den eigne eininga til saka og er alt med.",
            "en": "{unit} is the case's own unit and already takes part.",
        },
    ),
    "rights_assessment_required": (
        "13 level-3-rights",
        {
            "nb": "Vurder rett til koordinator, individuell plan og barnekoordinator før saken utvides "
            "på nivå 3.",
            "nn": "Vurder rett til koordinator, individuell plan og barnekoordinator før saka blir "
            "utvida på nivå 3.",
            "en": "Assess the rights to coordinator, individual plan and child coordinator before "
            "expanding at level 3.",
        },
    ),
    "staff_only": (
        "actor",
        {
            "nb": "Dette registreres av ansatte.",
            "nn": "Dette blir registrert av tilsette.",
            "en": "This is recorded by staff.",
        },
    ),
    "not_permitted": (
        "actor",
        {
            "nb": "Mangler tillatelsen «{permission}»: i denne saken kan bare {holders} gjøre dette.",
            "nn": "Manglar løyvet «{permission}»: i denne saka kan berre {holders} gjere dette.",
            "en": "Missing the permission '{permission}': in this case only {holders} may do this.",
        },
    ),
    "invalid_input": (
        "input",
        {
            "nb": "Ugyldig verdi for «{param}»: {problem}.",
            "nn": "Ugyldig verdi for «{param}»: {problem}.",
            "en": "Invalid value for '{param}': {problem}.",
        },
    ),
    "unknown_action": (
        "input",
        {
            "nb": "Ukjent handling «{action}»; mulige: {allowed}.",
            "nn": "Ukjend handling «{action}»; moglege: {allowed}.",
            "en": "Unknown action '{action}'; possible: {allowed}.",
        },
    ),
}


def reason(code: str, language: str, **values: Any) -> Reason:
    """The reason for ``code``, its message in ``language`` (bokmål when not translated)."""
    rule, texts = MESSAGES[code]
    template = texts.get(language) or texts["nb"]
    return Reason(code, rule, template.format(**values))


# What a step still lacks, in words: the record and condition names of the registry.
LABELS: dict[str, dict[str, str]] = {
    "concern": {"nb": "konkretisert bekymring", "nn": "konkretisert uro", "en": "the concern"},
    "leader_informed": {
        "nb": "nærmeste leder informert",
        "nn": "næraste leiar informert",
        "en": "line manager told",
    },
    "guardians_informed": {
        "nb": "foresatte eller barnet informert (eller hvorfor ikke)",
        "nn": "føresette eller barnet informerte (eller kvifor ikkje)",
        "en": "guardians or child told (or why not)",
    },
    "contact_person": {"nb": "kontaktperson", "nn": "kontaktperson", "en": "contact person"},
    "baton_holder": {
        "nb": "stafettholder avklart",
        "nn": "stafetthaldar avklart",
        "en": "baton holder decided",
    },
    "meeting": {"nb": "møte holdt", "nn": "møte halde", "en": "a meeting held"},
    "measures": {"nb": "tiltak avtalt", "nn": "tiltak avtalte", "en": "measures agreed"},
    "minutes": {"nb": "referat", "nn": "referat", "en": "minutes"},
    "evaluation_date": {
        "nb": "dato for evaluering",
        "nn": "dato for evaluering",
        "en": "evaluation date",
    },
    "child_voice": {"nb": "barnets stemme", "nn": "stemma til barnet", "en": "the child's voice"},
    "evaluation": {"nb": "evaluering", "nn": "evaluering", "en": "the evaluation"},
    "units_involved": {
        "nb": "andre enheter involvert",
        "nn": "andre einingar involverte",
        "en": "other units involved",
    },
    "consent": {"nb": "samtykke", "nn": "samtykke", "en": "consent"},
    "rights_assessment": {
        "nb": "vurdering av rettigheter",
        "nn": "vurdering av rettar",
        "en": "rights assessment",
    },
    "suspected_harm": {
        "nb": "mistanke om vold, overgrep eller omsorgssvikt",
        "nn": "mistanke om vald, overgrep eller omsorgssvikt",
        "en": "suspected violence, abuse or neglect",
    },
    "child_welfare_consulted_if_suspected_harm": {
        "nb": "barneverntjenesten rådspurt",
        "nn": "barnevernstenesta rådspurd",
        "en": "child welfare service consulted",
    },
    "baton_holder_appointed": {
        "nb": "stafettholder",
        "nn": "stafetthaldar",
        "en": "a baton holder",
    },
    "consent_given": {"nb": "samtykke", "nn": "samtykke", "en": "consent"},
    "measures_agreed": {"nb": "tiltak avtalt", "nn": "tiltak avtalte", "en": "measures agreed"},
    "evaluation_date_set": {
        "nb": "dato for evaluering",
        "nn": "dato for evaluering",
        "en": "evaluation date",
    },
    "minutes_complete": {
        "nb": "referat for alle møter",
        "nn": "referat for alle møte",
        "en": "minutes of every meeting",
    },
    "rights_assessed": {
        "nb": "vurdering av rettigheter",
        "nn": "vurdering av rettar",
        "en": "rights assessment",
    },
}


def label(name: str, language: str) -> str:
    """A record or condition name in words, in ``language`` (bokmål when not translated)."""
    texts = LABELS.get(name)
    if texts is None:
        return name.replace("_", " ")
    return texts.get(language) or texts["nb"]


# The kinds of meeting, as people call them.
MEETING_KIND_NAMES: dict[str, dict[str, str]] = {
    "nb": {
        "planning": "planleggingsmøte",
        "startup": "oppstartsmøte",
        "evaluation": "evalueringsmøte",
        "other": "møte",
    },
    "nn": {
        "planning": "planleggingsmøte",
        "startup": "oppstartsmøte",
        "evaluation": "evalueringsmøte",
        "other": "møte",
    },
}


# Where a concern came from (``concern.ORIGINS``), as a clause: "Saken ble opprettet etter at …".
ORIGIN_NAMES: dict[str, dict[str, str]] = {
    "nb": {
        "guardians": "foresatte selv tok kontakt",
        "young_person": "ungdommen selv søkte hjelp",
        "other": "en annen som er bekymret tok kontakt",
    },
    "nn": {
        "guardians": "føresette sjølve tok kontakt",
        "young_person": "ungdommen sjølv søkte hjelp",
        "other": "ein annan som er uroleg tok kontakt",
    },
    "en": {
        "guardians": "the guardians got in touch themselves",
        "young_person": "the young person sought help",
        "other": "someone else who is worried got in touch",
    },
}


def origin_name(origin: str, language: str) -> str:
    """Where a concern came from, as a clause in ``language`` (bokmål when not translated)."""
    return (ORIGIN_NAMES.get(language) or ORIGIN_NAMES["nb"]).get(origin, origin)
