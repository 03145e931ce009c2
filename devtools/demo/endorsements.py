"""Demo endorsements: fictional people and groups, published, across the demo states. Idempotent."""

import datetime

from django.db import transaction
from django.utils import timezone

from chapters.models import State
from endorsements.models import Endorsement

K = Endorsement.Kind
# (kind, name, office or role, party, state or None for national, statement, featured)
DEMO_ENDORSEMENTS = [
    (K.CANDIDATE, "Vera Holloway", "Candidate for President", "Liberty Union Party", None,
     "If Californians vote to leave, the other states should consent. Peaceful separation beats forced union.", True),
    (K.ORGANISATION, "Americans for Consent", "National civic association", "", None,
     "We support every state's right to consent to a peaceful departure.", False),
    (K.CANDIDATE, "Dana Whitfield", "Candidate for US Senate", "Independent", "SC",
     "South Carolina should say plainly that it would consent if California chose to go.", True),
    (K.OFFICIAL, "Marcus Tidewell", "State Representative, District 41", "Republican", "SC",
     "A union held together against the will of its people is not a union worth the name.", False),
    (K.ORGANISATION, "Prairie Farmers Forum", "Agricultural association", "", "IL",
     "Downstate Illinois deserves a say in where its border runs.", False),
    (K.PUBLIC_FIGURE, "Rita Calloway", "Radio host, Morning Crossroads", "", "IN",
     "I've asked my listeners for a year: would you mind if California left? Most said no.", False),
    (K.OFFICIAL, "Gus Lindqvist", "County Commissioner", "Nonpartisan", "ND",
     "North Dakota can respect California's choice and still mind its own business.", False),
    (K.INDIVIDUAL, "Helen Marsh", "Retired teacher", "", "NH",
     "Live free or die means letting others choose too.", False),
    (K.CANDIDATE, "Tomás Reyes", "Candidate for Governor", "Libertarian", "AZ",
     "Arizona should consent, and should welcome any neighbour who chooses a peaceful path.", False),
    (K.PUBLIC_FIGURE, "Dale Brightwater", "Columnist, The Plains Ledger", "", "OK",
     "Consent is the only honest answer to the California question.", False),
    (K.ORGANISATION, "Upstate Together", "Regional advocacy group", "", "NY",
     "Upstate New York and New York City need not share a border forever.", False),
    (K.INDIVIDUAL, "Owen Pryce", "Small business owner", "", "PA",
     "Let Pennsylvanians decide where their state lines belong.", False),
    (K.OFFICIAL, "Judith Crane", "Town Council member", "Independent", "WY",
     "Wyoming would consent. Freedom of association applies to states as well.", False),
    (K.PUBLIC_FIGURE, "Cody Rimrock", "Podcaster, High Desert Hour", "", "OR",
     "Eastern Oregon has asked to move the border for years; it is time to listen.", False),
]  # fmt: skip


@transaction.atomic
def load_demo_endorsements() -> int:
    """Create the demo endorsements that do not exist yet; return how many were created."""
    now = timezone.now()
    created = 0
    for index, (kind, name, office, party, state, statement, featured) in enumerate(DEMO_ENDORSEMENTS):
        _, is_new = Endorsement.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "office": office,
                "party": party,
                "state": State.objects.get(code=state) if state else None,
                "statement": statement,
                "source_url": f"https://example.org/endorsements/{index + 1}",
                "made_on": datetime.date(2026, 1, 5) + datetime.timedelta(days=9 * index),
                "status": Endorsement.Status.PUBLISHED,
                "verification_method": Endorsement.Method.PUBLIC_STATEMENT,
                "verification_note": "Demo data: statement checked at the source URL.",
                "verified_at": now,
                "published_at": now - datetime.timedelta(hours=index),
                "featured": featured,
            },
        )
        created += is_new
    return created
