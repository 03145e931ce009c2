"""US states, counties and ZIP codes, loaded from maintained packages into our tables.

States come from `us`, counties (with FIPS codes) from `addfips`' 2020 county list,
and ZIP codes with their county, city and time zone from `zipcodes`. All work offline.
"""

import csv
from importlib.resources import files

COUNTY_VINTAGE = 2020


def load_geography(State, County, ZipCode, batch_size: int = 5000) -> dict[str, int]:
    """Insert any missing states, counties and ZIP codes; safe to run again.

    Takes the model classes so that a data migration can pass its historical ones.
    """
    import addfips
    import us
    import zipcodes

    states = [State(code=s.abbr, fips=s.fips, name=s.name) for s in us.STATES]
    State.objects.bulk_create(states, ignore_conflicts=True)
    state_by_fips = {s.fips: s.abbr for s in us.STATES}

    names: dict[str, str] = {}
    with files("addfips").joinpath(f"data/counties_{COUNTY_VINTAGE}.csv").open("rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            fips_code = row["statefp"] + row["countyfp"]
            # The list repeats some FIPS codes under local names ("Manhattan Borough");
            # keep the official "... County" name where there is one.
            if row["statefp"] in state_by_fips and (fips_code not in names or row["name"].endswith(" County")):
                names[fips_code] = row["name"]
    counties = [County(fips=code, state_id=state_by_fips[code[:2]], name=name) for code, name in names.items()]
    County.objects.bulk_create(counties, batch_size=batch_size, ignore_conflicts=True)
    known_counties = set(names)

    fips = addfips.AddFIPS(vintage=COUNTY_VINTAGE)
    zips, links = [], []
    Link = ZipCode.counties.through
    for z in zipcodes.list_all():
        if z["state"] not in state_by_fips.values() or not z["county"]:
            continue
        county_fips = fips.get_county_fips(z["county"], state=z["state"])
        if county_fips not in known_counties:
            continue
        zips.append(ZipCode(code=z["zip_code"], city=z["city"].title(), state_id=z["state"], timezone=z["timezone"]))
        links.append(Link(zipcode_id=z["zip_code"], county_id=county_fips))
    ZipCode.objects.bulk_create(zips, batch_size=batch_size, ignore_conflicts=True)
    Link.objects.bulk_create(links, batch_size=batch_size, ignore_conflicts=True)
    return {"states": len(states), "counties": len(counties), "zip_codes": len(zips)}
