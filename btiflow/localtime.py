"""The municipality's clock: every day and time a person sees is in Norway's time zone.

Dates such as an evaluation's due day are days in Europe/Oslo; entries are stored in UTC.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
"""Norway's time zone (CET/CEST)."""
