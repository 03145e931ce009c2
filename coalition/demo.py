"""Demo data from shared/DOMAIN.md: the coalition's 11 chapters and three demo accounts.

Everything here is idempotent: running it again finds what exists and changes nothing.
The people are fictional.
"""

import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from chapters.models import Chapter, County, Officer, State
from members.demo import load_demo_members
from members.models import CHAPTER_COORDINATORS, NATIONAL_COORDINATORS, User

NYC_AND_SUBURBS = ["Bronx", "Kings", "New York", "Queens", "Richmond", "Nassau", "Westchester"]
NORTHEAST_ILLINOIS = ["Cook", "DuPage", "Kane", "Kendall", "Lake", "McHenry", "Will"]
PHILADELPHIA_METRO = ["Philadelphia", "Bucks", "Chester", "Delaware", "Montgomery"]
OREGON_COAST_AND_VALLEY = [
    "Clatsop", "Columbia", "Tillamook", "Washington", "Multnomah", "Clackamas", "Yamhill",
    "Polk", "Marion", "Lincoln", "Benton", "Linn", "Lane",
]  # fmt: skip

# (state, chapter name, slug, founded, counties excluded from the whole state)
CHAPTERS = [
    ("IL", "Red Illinois", "red-illinois", datetime.date(2025, 3, 1), NORTHEAST_ILLINOIS),
    ("IN", "Indiana Consents", "indiana", datetime.date(2025, 3, 1), []),
    ("ND", "North Dakota Consents", "north-dakota", datetime.date(2025, 3, 1), []),
    ("SC", "South Carolina Consents", "south-carolina", datetime.date(2025, 3, 1), []),
    ("NH", "New Hampshire Consents", "new-hampshire", datetime.date(2025, 3, 1), []),
    ("AZ", "Arizona Consents", "arizona", datetime.date(2025, 3, 1), []),
    ("OK", "Oklahoma Consents", "oklahoma", datetime.date(2025, 9, 15), []),
    ("NY", "Red New York", "red-new-york", datetime.date(2025, 9, 15), NYC_AND_SUBURBS),
    ("PA", "Red Pennsylvania", "red-pennsylvania", datetime.date(2025, 9, 15), PHILADELPHIA_METRO),
    ("WY", "Wyoming Consents", "wyoming", datetime.date(2025, 9, 15), []),
    ("OR", "Red Oregon", "red-oregon", datetime.date(2026, 2, 1), OREGON_COAST_AND_VALLEY),
]

DEMO_ACCOUNTS = [
    # (email, password, first, last, role)
    ("national@example.org", "national-demo-2026", "Nora", "Fielding", "national"),
    ("coordinator@example.org", "coordinator-demo-2026", "Carl", "Brandt", "coordinator"),
    ("member@example.org", "member-demo-2026", "Mia", "Okafor", "member"),
]
COORDINATED_CHAPTER = "south-carolina"


def county_name(name: str) -> str:
    return name if name.endswith(("County", "Parish", "Borough")) else f"{name} County"


def assign_territory(chapter: Chapter, excluded: list[str]) -> None:
    """Give the chapter every county of its state except the excluded ones."""
    counties = County.objects.filter(state=chapter.state)
    excluded_names = [county_name(n) for n in excluded]
    found = set(counties.filter(name__in=excluded_names).values_list("name", flat=True))
    missing = set(excluded_names) - found
    if missing:
        raise ValueError(f"Unknown counties in {chapter.state_id}: {', '.join(sorted(missing))}")
    counties.exclude(name__in=excluded_names).filter(chapter__isnull=True).update(chapter=chapter)


def demo_user(email: str, password: str, first: str, last: str) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(email=email, defaults={"first_name": first, "last_name": last})
    if created:
        user.set_password(password)
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user, created


@transaction.atomic
def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo chapters and accounts; return (role, email, password) for each account."""
    for code, name, slug, founded, excluded in CHAPTERS:
        chapter, _ = Chapter.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "state": State.objects.get(code=code),
                "status": Chapter.Status.ACTIVE,
                "founded": founded,
                "description": f"The coalition's chapter in {State.objects.get(code=code).name}.",
            },
        )
        assign_territory(chapter, excluded)

    logins = []
    for email, password, first, last, role in DEMO_ACCOUNTS:
        user, _ = demo_user(email, password, first, last)
        if role == "national":
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.groups.add(Group.objects.get(name=NATIONAL_COORDINATORS))
        elif role == "coordinator":
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.groups.add(Group.objects.get(name=CHAPTER_COORDINATORS))
            Officer.objects.get_or_create(
                user=user,
                chapter=Chapter.objects.get(slug=COORDINATED_CHAPTER),
                role=Officer.Role.COORDINATOR,
                defaults={"title": "State coordinator", "term_start": datetime.date(2025, 3, 1)},
            )
        logins.append((role, email, password))
    load_demo_members()
    return logins
