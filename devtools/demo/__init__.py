"""Demo data from shared/DOMAIN.md: the coalition's 11 chapters and three demo accounts.

Everything here is idempotent: running it again finds what exists and changes nothing.
The people are fictional.
"""

import datetime
import random

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from chapters.models import Chapter, County, Officer, SocialPage, State
from dashboards.models import ReachSnapshot
from devtools.demo.chapters import load_demo_chapter_details
from devtools.demo.endorsements import load_demo_endorsements
from devtools.demo.events import load_demo_events, load_demo_nearby_events
from devtools.demo.members import load_demo_members
from lib.roles import CHAPTER_COORDINATORS, NATIONAL_COORDINATORS
from members.models import User
from question.models import Answer

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


def assign_territory(chapter: Chapter, excluded: list[str], by: User) -> None:
    """Give the chapter every county of its state except the excluded ones."""
    excluded_names = [county_name(n) for n in excluded]
    listed = list(County.objects.filter(state=chapter.state, name__in=excluded_names))
    missing = set(excluded_names) - {county.name for county in listed}
    if missing:
        raise ValueError(f"Unknown counties in {chapter.state_id}: {', '.join(sorted(missing))}")
    mode = Chapter.TerritoryMode.EXCEPT if excluded else Chapter.TerritoryMode.WHOLE_STATE
    chapter.set_territory(mode=mode, counties=listed, by=by)


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
    national, _ = demo_user(*DEMO_ACCOUNTS[0][:4])
    for code, name, slug, founded, excluded in CHAPTERS:
        chapter, created = Chapter.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "state": State.objects.get(code=code),
                "status": Chapter.Status.ACTIVE,
                "founded": founded,
                "description": f"The coalition's chapter in {State.objects.get(code=code).name}.",
            },
        )
        if created:
            assign_territory(chapter, excluded, by=national)
    load_demo_chapter_details()

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
    load_demo_public()
    load_demo_endorsements()
    load_demo_members()
    load_demo_events()
    load_demo_nearby_events(coordinator_email=DEMO_ACCOUNTS[1][0])
    return logins


SOCIAL = {
    "indiana": [("facebook", 1200, 60), ("x", 400, 25)],
    "south-carolina": [("facebook", 900, 40)],
    "red-new-york": [("facebook", 2500, 90), ("youtube", 300, 10)],
    "red-illinois": [("x", 700, 30)],
}


def load_demo_public(today: datetime.date | None = None) -> None:
    """Social pages with six months of reach, a viral post, and answers to the question (idempotent)."""
    today = today or datetime.date.today()
    rng = random.Random(2026)
    for slug, pages in SOCIAL.items():
        chapter = Chapter.objects.get(slug=slug)
        for platform, start, weekly_growth in pages:
            page = SocialPage.objects.filter(chapter=chapter, platform=platform).first()
            page = page or SocialPage.objects.create(
                chapter=chapter, platform=platform, url=f"https://{platform}.example.com/{slug}"
            )
            if page.reach_snapshots.exists():
                continue
            snapshots = [
                ReachSnapshot(
                    social_page=page,
                    date=today - datetime.timedelta(weeks=week),
                    followers=start + weekly_growth * (26 - week) + rng.randint(0, weekly_growth),
                )
                for week in range(26, -1, -1)
            ]
            ReachSnapshot.objects.bulk_create(snapshots)
    viral = SocialPage.objects.filter(chapter__slug="indiana", platform="facebook").first()
    if viral and not ReachSnapshot.objects.filter(social_page=viral, post_reach__isnull=False).exists():
        ReachSnapshot.objects.create(
            social_page=viral, date=today - datetime.timedelta(days=40), post_reach=30000,
            note="The post that brought 60 members in days",
        )  # fmt: skip
        ReachSnapshot.objects.create(
            social_page=viral, date=today - datetime.timedelta(days=20), post_reach=52000,
            note="Article shared across the coalition",
        )  # fmt: skip
    if not Answer.objects.filter(visitor__startswith="demo-").exists():
        weights = {"IN": 30, "SC": 25, "NY": 20, "TX": 18, "AZ": 15, "OR": 12, "IL": 10, "CO": 8, "NJ": 5}
        answers = []
        for i in range(sum(weights.values()) * 2):
            state = rng.choices(list(weights), weights=list(weights.values()))[0]
            choice = rng.choices(["no", "yes", "unsure"], weights=[6, 3, 2])[0]
            answers.append(Answer(choice=choice, state_id=state, visitor=f"demo-{i}"))
        Answer.objects.bulk_create(answers)
