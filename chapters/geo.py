"""US states, counties and ZIP codes, loaded from maintained packages into our tables.

States come from `us`, counties (with FIPS codes) from `addfips`' 2020 county list,
and ZIP codes with their county, city and time zone from `zipcodes`. All work offline.
"""

import csv
import functools
from importlib.resources import files

COUNTY_VINTAGE = 2020


@functools.cache
def geography_rows() -> dict[str, list[tuple]]:
    """The rows to load, computed once per process (reading the packages takes seconds)."""
    import addfips
    import us
    import zipcodes

    states = [(s.abbr, s.fips, s.name) for s in us.STATES]
    state_by_fips = {s.fips: s.abbr for s in us.STATES}

    names: dict[str, str] = {}
    with files("addfips").joinpath(f"data/counties_{COUNTY_VINTAGE}.csv").open("rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            fips_code = row["statefp"] + row["countyfp"]
            # The list repeats some FIPS codes under local names ("Manhattan Borough");
            # keep the official "... County" name where there is one.
            if row["statefp"] in state_by_fips and (fips_code not in names or row["name"].endswith(" County")):
                names[fips_code] = row["name"]
    counties = [(code, state_by_fips[code[:2]], name) for code, name in names.items()]

    fips = addfips.AddFIPS(vintage=COUNTY_VINTAGE)
    zips, links = [], []
    for z in zipcodes.list_all():
        if z["state"] not in state_by_fips.values() or not z["county"]:
            continue
        county_fips = fips.get_county_fips(z["county"], state=z["state"])
        if county_fips not in names:
            continue
        point = (float(z["lat"]), float(z["long"])) if z["lat"] and z["long"] else (None, None)
        zips.append((z["zip_code"], z["city"].title(), z["state"], z["timezone"] or "", *point))
        links.append((z["zip_code"], county_fips))
    return {"states": states, "counties": counties, "zip_codes": zips, "links": links}


def load_geography(State, County, ZipCode, batch_size: int = 5000) -> dict[str, int]:
    """Insert any missing states, counties and ZIP codes; safe to run again.

    Takes the model classes so that a data migration can pass its historical ones.
    Empty tables are filled with PostgreSQL's COPY (a fraction of a second); otherwise
    missing rows are added with conflict-ignoring inserts.
    """
    from django.db import connection

    rows = geography_rows()
    Link = ZipCode.counties.through
    tables = [
        (State, ["code", "fips", "name"], rows["states"]),
        (County, ["fips", "state_id", "name"], rows["counties"]),
        (ZipCode, ["code", "city", "state_id", "timezone", "latitude", "longitude"], rows["zip_codes"]),
        (Link, ["zipcode_id", "county_id"], rows["links"]),
    ]
    for model, fields, values in tables:
        if not model.objects.exists():
            columns = ", ".join(model._meta.get_field(f).column for f in fields)
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
            ):
                for row in values:
                    copy.write_row(row)
        else:
            objects = [model(**dict(zip(fields, row, strict=True))) for row in values]
            model.objects.bulk_create(objects, batch_size=batch_size, ignore_conflicts=True)
    return {"states": len(rows["states"]), "counties": len(rows["counties"]), "zip_codes": len(rows["zip_codes"])}
