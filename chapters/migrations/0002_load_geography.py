"""US states, counties and ZIP codes, loaded from maintained packages into our tables.

States come from `us`, counties (with FIPS codes) from `addfips`' 2020 county list, and ZIP
codes with their county, city and time zone from `zipcodes`. A frozen copy of the load into
empty tables in chapters/geo.py: the live module may change, what this migration does may not.
"""

import csv
from importlib.resources import files

from django.db import migrations

COUNTY_VINTAGE = 2020


def geography_rows() -> dict[str, list[tuple]]:
    # Imported here: every command loads all migrations, and these packages take ~0.1 s to import.
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
        zips.append((z["zip_code"], z["city"].title(), z["state"], z["timezone"] or ""))
        links.append((z["zip_code"], county_fips))
    return {"states": states, "counties": counties, "zip_codes": zips, "links": links}


def load(apps, schema_editor) -> None:
    """Fill the empty tables with PostgreSQL's COPY (a fraction of a second for 40,000 ZIP codes)."""
    rows = geography_rows()
    tables = [
        ("chapters_state", "code, fips, name", rows["states"]),
        ("chapters_county", "fips, state_id, name", rows["counties"]),
        ("chapters_zipcode", "code, city, state_id, timezone", rows["zip_codes"]),
        ("chapters_zipcode_counties", "zipcode_id, county_id", rows["links"]),
    ]
    with schema_editor.connection.cursor() as cursor:
        for table, columns, values in tables:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)


class Migration(migrations.Migration):
    dependencies = [("chapters", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
