"""Demo members: fictional people across the demo chapters, some in states without a chapter.

Idempotent: people are found by email, so running it again changes nothing.
"""

from allauth.account.models import EmailAddress

from chapters.models import County, ZipCode
from members.models import Member, User, activate_member, sign_up_member

FIRST = ["Avery", "Blake", "Casey", "Dana", "Emery", "Finley", "Gale", "Harper", "Indy", "Jordan", "Kendall", "Logan"]
LAST = ["Ashdown", "Birchfield", "Coldwater", "Dunmore", "Elderberry", "Foxhollow", "Greenvale", "Hartwell", "Ivywood"]

# ZIP code and how many demo members live there; the last ones lie outside any chapter's territory.
HOMES = [
    ("29201", 4), ("29401", 3), ("46204", 3), ("58102", 2), ("03301", 2), ("85004", 3), ("73102", 2),
    ("14202", 3), ("15222", 2), ("82001", 3), ("97701", 2), ("62701", 2),
    ("10001", 1), ("60601", 1), ("90210", 2), ("75201", 2), ("07102", 1), ("80202", 1),
]  # fmt: skip
DEMO_MEMBER_EMAIL = "member@example.org"  # the demo login with the member role (devtools/demo/__init__.py)
SOURCES = [
    {"ref": "fb-post-30k", "utm_source": "facebook", "utm_medium": "social", "utm_campaign": "launch"},
    {"ref": "article-50k", "utm_source": "newsletter", "utm_medium": "email"},
    {},
]


def load_demo_members() -> int:
    """Create the demo members that do not exist yet; return how many exist."""
    n = 0
    for code, count in HOMES:
        zip_code = ZipCode.objects.get(code=code)
        county = County.objects.for_zip(code).first()
        for _ in range(count):
            first, last = FIRST[n % len(FIRST)], LAST[(n * 5) % len(LAST)]
            email = f"{first}.{last}.{n}@example.com".lower()
            n += 1
            if User.objects.filter(email=email).exists():
                continue
            user = User.objects.create_user(email=email, password=None, first_name=first, last_name=last)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            member = sign_up_member(
                user=user, zip_code=zip_code, county=county,
                phone=f"+1803555{100 + n % 100:04d}" if n % 3 == 0 else "",
                consents={"email_updates": n % 4 != 0, "text_messages": False},
                source=SOURCES[n % len(SOURCES)],
            )  # fmt: skip
            member.show_name_publicly = n % 3 != 1
            member.save(update_fields=["show_name_publicly"])
            activate_member(member=member)
    demo_member = User.objects.filter(email=DEMO_MEMBER_EMAIL, member__isnull=True).first()
    if demo_member is not None:
        member = sign_up_member(
            user=demo_member, zip_code=ZipCode.objects.get(code="29201"), county=County.objects.for_zip("29201")[0],
            consents={"email_updates": True, "text_messages": False}, source={},
        )  # fmt: skip
        activate_member(member=member)
    return Member.objects.count()
