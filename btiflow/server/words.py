"""The web pages' words, in bokmål and nynorsk (North Sámi falls back to bokmål).

A stand-in until the text catalogue lands: the pages look their words up here by key, and
nowhere else.
"""

from __future__ import annotations

_WORDS: dict[str, dict[str, str]] = {
    "nb": {
        "login_title": "Logg inn",
        "login_family": "Logg inn med ID-porten (foresatte)",
        "login_staff": "Logg inn som ansatt i kommunen",
        "demo_title": "Utviklingsinnlogging",
        "demo_warning": "Bare for utvikling på denne maskinen: velg en oppdiktet person, "
        "uten passord. Alle personer og saker her er oppdiktet.",
        "demo_person": "Person",
        "demo_login": "Logg inn som denne personen",
        "logout": "Logg ut",
        "my_cases": "Mine saker",
        "no_cases": "Du har ingen saker.",
        "case": "Saken",
        "level": "Nivå",
        "step": "Trinn",
        "baton": "Stafettholder",
        "notes": "Notater",
        "note_text": "Notat",
        "note_add": "Lagre notatet",
        "to_start": "Til forsiden",
        "login_needed": "Du må logge inn",
        "login_needed_text": "Logg inn for å se sakene dine.",
        "login_failed": "Innloggingen mislyktes",
        "login_failed_text": "Vi kunne ikke logge deg inn. Prøv igjen.",
        "csrf": "Skjemaet kunne ikke tas imot",
        "csrf_text": "Skjemaet var utløpt eller kom ikke fra denne tjenesten. "
        "Gå tilbake, last siden på nytt og prøv igjen.",
        "not_found": "Finnes ikke",
        "not_found_text": "Siden eller saken finnes ikke.",
        "not_permitted": "Du har ikke tilgang til dette",
        "not_permitted_text": "Du har ikke tilgang til dette.",
        "refused": "Handlingen ble avvist",
        "refused_text": "Du kan ikke gjøre dette i saken nå.",
    },
    "nn": {
        "login_title": "Logg inn",
        "login_family": "Logg inn med ID-porten (føresette)",
        "login_staff": "Logg inn som tilsett i kommunen",
        "demo_title": "Utviklingsinnlogging",
        "demo_warning": "Berre for utvikling på denne maskinen: vel ein oppdikta person, "
        "utan passord. Alle personar og saker her er oppdikta.",
        "demo_person": "Person",
        "demo_login": "Logg inn som denne personen",
        "logout": "Logg ut",
        "my_cases": "Mine saker",
        "no_cases": "Du har ingen saker.",
        "case": "Saka",
        "level": "Nivå",
        "step": "Steg",
        "baton": "Stafetthaldar",
        "notes": "Notat",
        "note_text": "Notat",
        "note_add": "Lagre notatet",
        "to_start": "Til framsida",
        "login_needed": "Du må logge inn",
        "login_needed_text": "Logg inn for å sjå sakene dine.",
        "login_failed": "Innlogginga mislukkast",
        "login_failed_text": "Vi kunne ikkje logge deg inn. Prøv igjen.",
        "csrf": "Skjemaet kunne ikkje takast imot",
        "csrf_text": "Skjemaet var gått ut eller kom ikkje frå denne tenesta. "
        "Gå tilbake, last sida på nytt og prøv igjen.",
        "not_found": "Finst ikkje",
        "not_found_text": "Sida eller saka finst ikkje.",
        "not_permitted": "Du har ikkje tilgang til dette",
        "not_permitted_text": "Du har ikkje tilgang til dette.",
        "refused": "Handlinga vart avvist",
        "refused_text": "Du kan ikkje gjere dette i saka no.",
    },
}


def words(language: str) -> dict[str, str]:
    """The pages' words in ``language`` (bokmål for one not here)."""
    return _WORDS.get(language, _WORDS["nb"])
