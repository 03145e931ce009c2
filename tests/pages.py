"""Who may open every page the project serves: the table tests/test_authorization.py checks.

Each entry gives, for the five main roles (anonymous, a member, the coordinators of chapters A and B,
a national coordinator), the answers allowed. Two more roles follow from those unless an entry says
otherwise: `staff_no_mfa` (a coordinator of A without a second factor) answers as coordinator A,
except on a page only staff may open (a member may not, a national coordinator may), where it is
sent to set up two-factor authentication; `treasurer_b` (a coordinator of A who is also treasurer,
not coordinator, of B) answers as coordinator A and is shown nothing of B's either. Paths that need
an object are functions of the authorization test's `world`. tests/test_privacy.py crawls the pages
anonymous visitors may open.
"""

from dataclasses import dataclass

from django.contrib.sites.models import Site

import broadcasts.webhook_urls as anymail_urls

ROLES = ("anonymous", "member", "coordinator_a", "coordinator_b", "national", "staff_no_mfa", "treasurer_b")
OK, REDIRECT, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 302, 403, 404, 405


def answers(value) -> set[int]:
    return set(value) if isinstance(value, (set, tuple)) else {value}


def expect(anonymous, member, coordinator_a, coordinator_b, national, *, staff_no_mfa=None, treasurer_b=None
           ) -> dict[str, set[int]]:  # fmt: skip
    values = (anonymous, member, coordinator_a, coordinator_b, national)
    expected = {role: answers(v) for role, v in zip(ROLES[:5], values, strict=True)}
    staff_only = OK not in expected["member"] and OK in expected["national"]
    if staff_no_mfa is None:
        staff_no_mfa = REDIRECT if staff_only else coordinator_a
    expected["staff_no_mfa"] = answers(staff_no_mfa)
    expected["treasurer_b"] = answers(coordinator_a if treasurer_b is None else treasurer_b)
    return expected


PUBLIC = expect(OK, OK, OK, OK, OK)
LOGGED_IN = expect(REDIRECT, OK, OK, OK, OK)
COORDINATORS = expect(REDIRECT, FORBIDDEN, OK, OK, OK)
POST_ONLY = expect(NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)
POST_ONLY_LOGGED_IN = expect(REDIRECT, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)
# allauth's own pages: a form for visitors; logged-in people are sent on, or see their page.
ACCOUNT_ANON = expect(OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT)
ACCOUNT_ANY = expect((OK, REDIRECT), (OK, REDIRECT), (OK, REDIRECT), (OK, REDIRECT), (OK, REDIRECT))
ACCOUNT_LOGGED_IN = expect(REDIRECT, (OK, REDIRECT), (OK, REDIRECT), (OK, REDIRECT), (OK, REDIRECT))
# MFA pages about an authenticator the person may not have: 404 then.
MFA = expect(
    REDIRECT, (OK, REDIRECT, NOT_FOUND), (OK, REDIRECT, NOT_FOUND), (OK, REDIRECT, NOT_FOUND), (OK, REDIRECT, NOT_FOUND)
)
# A link with a bad token: a clear page (200 or 400), or a redirect; never a 500.
BAD_TOKEN = expect((OK, 400, REDIRECT, NOT_FOUND), (OK, 400, REDIRECT, NOT_FOUND), (OK, 400, REDIRECT, NOT_FOUND),
                   (OK, 400, REDIRECT, NOT_FOUND), (OK, 400, REDIRECT, NOT_FOUND))  # fmt: skip


@dataclass
class Page:
    path: object  # a string, or a function of the world returning one
    expected: dict[str, set[int]]


PAGES: dict[str, Page] = {
    # public
    "public:home": Page("/", PUBLIC),
    "public:health": Page("/health/", PUBLIC),
    "public:robots-txt": Page("/robots.txt", PUBLIC),
    "public:favicon-ico": Page("/favicon.ico", expect(REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)),  # static file
    "public:chapter-detail": Page(lambda w: f"/chapters/{w.chapter_a.slug}/", PUBLIC),
    # calls
    "calls:call-list": Page("/calls/", PUBLIC),
    "calls:call-ics": Page("/calls/national/next.ics", PUBLIC),
    "calls:call-feed": Page("/calls/national/calendar.ics", PUBLIC),
    "calls:call-attend": Page("/calls/national/attend/", POST_ONLY_LOGGED_IN),
    # events
    "events:event-detail": Page(lambda w: w.event_a.get_absolute_url(), PUBLIC),
    "events:event-ics": Page(lambda w: f"{w.event_a.get_absolute_url()}event.ics", PUBLIC),
    "events:event-rsvp": Page(lambda w: f"{w.event_a.get_absolute_url()}rsvp/", POST_ONLY),
    "events:event-list": Page("/events/", PUBLIC),
    "events:event-list near": Page("/events/?zip=29201&radius=250&kind=meeting", PUBLIC),
    "events:chapter-feed": Page(lambda w: f"/events/chapter/{w.chapter_a.slug}/calendar.ics", PUBLIC),
    # Check-in: the event's hosts (none here), its chapter's coordinators and national ones.
    "events:check-in": Page(lambda w: f"{w.event_a.get_absolute_url()}check-in/",
                            expect(REDIRECT, FORBIDDEN, OK, FORBIDDEN, OK)),
    "events:check-in-walk-in": Page(lambda w: f"{w.event_a.get_absolute_url()}check-in/walk-in/", POST_ONLY),
    "events:check-in-mark": Page(lambda w: f"{w.event_a.get_absolute_url()}check-in/1/", POST_ONLY),
    "events:event-close": Page(lambda w: f"{w.event_a.get_absolute_url()}close/", POST_ONLY),
    "events:rsvp-confirm": Page("/events/rsvp/confirm/not-a-token/", BAD_TOKEN),
    "events:rsvp-cancel": Page("/events/rsvp/cancel/not-a-token/", BAD_TOKEN),
    # Members of a chapter propose; others logged in are told why they may not.
    "events:event-propose": Page("/events/propose/", expect(REDIRECT, (OK, FORBIDDEN), (OK, FORBIDDEN),
                                                            (OK, FORBIDDEN), (OK, FORBIDDEN))),
    # dashboards
    "dashboards:growth-dashboard": Page("/dashboard/", COORDINATORS),
    "dashboards:reach-dashboard": Page("/dashboard/reach/", COORDINATORS),
    "dashboards:growth-dashboard csv": Page("/dashboard/?csv=members", COORDINATORS),
    "dashboards:reach-dashboard csv": Page("/dashboard/reach/?format=csv", COORDINATORS),
    "dashboards:attendance-dashboard": Page("/dashboard/events/", COORDINATORS),
    "dashboards:attendance-dashboard csv": Page("/dashboard/events/?format=csv", COORDINATORS),
    # digests: the mail a chapter coordinator gets about members (others have no chapter to hear of)
    "digests:preferences": Page("/digests/", expect(REDIRECT, FORBIDDEN, OK, OK, FORBIDDEN, staff_no_mfa=REDIRECT)),
    # question
    "question:question": Page("/question/", PUBLIC),
    "question:question-answer": Page("/question/answer/", POST_ONLY),
    # chapters
    "chapters:chapter-list": Page("/chapters/", PUBLIC),
    "chapters:find": Page("/chapters/find/?zip=29201", expect(REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)),
    "chapters:invitation": Page("/chapters/invitation/not-a-token/", BAD_TOKEN),
    # endorsements
    "endorsements:endorsement-list": Page("/endorsements/", PUBLIC),
    "endorsements:endorsement-feed": Page("/endorsements/feed/", PUBLIC),
    "endorsements:endorsement-submit": Page("/endorsements/submit/", PUBLIC),
    "endorsements:endorsement-confirm": Page("/endorsements/confirm/not-a-token/", BAD_TOKEN),
    "endorsements:endorsement-detail": Page(lambda w: w.endorsement_a.get_absolute_url(), PUBLIC),
    # Images: published ones are public, others only to their coordinators (tests/endorsements/test_image.py).
    "endorsement-image": Page("/media/endorsements/missing.png", expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND,
                                                                        NOT_FOUND)),
    "endorsements:endorsement-withdraw": Page(lambda w: f"{w.endorsement_a.get_absolute_url()}withdraw/x:y/",
                                              BAD_TOKEN),
    # members
    "members:join": Page("/join/", expect(OK, (OK, REDIRECT), (OK, REDIRECT), (OK, REDIRECT), (OK, REDIRECT))),
    "members:join-state": Page("/join/sc/", expect(OK, (OK, REDIRECT), (OK, REDIRECT), (OK, REDIRECT), (OK, REDIRECT))),
    # The page after joining: for people with a membership; others get 404.
    "members:claim": Page("/join/claim/MQ/not-a-token/", BAD_TOKEN),
    "members:welcome": Page("/join/welcome/", expect(REDIRECT, (OK, NOT_FOUND), NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    "members:profile": Page("/profile/", expect(REDIRECT, OK, (OK, REDIRECT), (OK, REDIRECT), (OK, REDIRECT))),
    "members:leave": Page("/profile/leave/", expect(REDIRECT, (OK, NOT_ALLOWED, REDIRECT), (OK, NOT_ALLOWED, REDIRECT),
                                                   (OK, NOT_ALLOWED, REDIRECT), (OK, NOT_ALLOWED, REDIRECT))),
    "members:download-data": Page("/profile/data/", expect(REDIRECT, OK, (OK, REDIRECT, NOT_FOUND),
                                                           (OK, REDIRECT, NOT_FOUND), (OK, REDIRECT, NOT_FOUND))),
    "members:delete-account": Page("/profile/delete/", expect(REDIRECT, OK, (OK, REDIRECT), (OK, REDIRECT),
                                                              (OK, REDIRECT))),
    # broadcasts: the one-click unsubscribe link needs no login (tests/broadcasts/test_unsubscribe.py).
    "broadcasts:unsubscribe": Page("/u/not-a-token/", BAD_TOKEN),
    "broadcasts:unsubscribe valid": Page(lambda w: w.unsubscribe_path, PUBLIC),
}  # fmt: skip

# anymail's webhooks: providers POST reports with the basic-auth secret (tests/broadcasts/test_tracking.py).
for pattern in anymail_urls.urlpatterns:
    route = str(pattern.pattern).lstrip("^").replace("(_mime)?", "").rstrip("$")
    PAGES[f"anymail:{pattern.name}"] = Page(f"/anymail/{route}", POST_ONLY)

# allauth's URLs: their own tests cover them; here we pin who may open each.
for name, path, expected in [
    ("account_login", "/accounts/login/", ACCOUNT_ANON),
    ("account_logout", "/accounts/logout/", ACCOUNT_ANY),
    ("account_inactive", "/accounts/inactive/", ACCOUNT_ANY),
    ("account_signup", "/accounts/signup/", ACCOUNT_ANON),
    ("account_reauthenticate", "/accounts/reauthenticate/", ACCOUNT_LOGGED_IN),
    ("account_email", "/accounts/email/", ACCOUNT_LOGGED_IN),
    ("account_email_verification_sent", "/accounts/confirm-email/", ACCOUNT_ANY),
    ("account_change_password", "/accounts/password/change/", ACCOUNT_LOGGED_IN),
    ("account_set_password", "/accounts/password/set/", ACCOUNT_LOGGED_IN),
    ("account_reset_password", "/accounts/password/reset/", ACCOUNT_ANY),
    ("account_confirm_login_code", "/accounts/login/code/confirm/", ACCOUNT_ANY),
    ("account_confirm_email", "/accounts/confirm-email/not-a-key/", BAD_TOKEN),
    ("account_reset_password_from_key_done", "/accounts/password/reset/key/done/", ACCOUNT_ANY),
    ("account_reset_password_from_key", "/accounts/password/reset/key/1-not-a-key/", BAD_TOKEN),
    ("account_reset_password_done", "/accounts/password/reset/done/", ACCOUNT_ANY),
    ("mfa_index", "/accounts/2fa/", MFA),
    ("mfa_authenticate", "/accounts/2fa/authenticate/", ACCOUNT_ANY),
    ("mfa_reauthenticate", "/accounts/2fa/reauthenticate/", MFA),
    ("mfa_activate_totp", "/accounts/2fa/totp/activate/", MFA),
    ("mfa_deactivate_totp", "/accounts/2fa/totp/deactivate/", MFA),
    ("mfa_view_recovery_codes", "/accounts/2fa/recovery-codes/", MFA),
    ("mfa_generate_recovery_codes", "/accounts/2fa/recovery-codes/generate/", MFA),
    ("mfa_download_recovery_codes", "/accounts/2fa/recovery-codes/download/", MFA),
    ("mfa_list_webauthn", "/accounts/2fa/webauthn/", MFA),
    ("mfa_add_webauthn", "/accounts/2fa/webauthn/add/", MFA),
    ("mfa_reauthenticate_webauthn", "/accounts/2fa/webauthn/reauthenticate/", MFA),
    ("mfa_remove_webauthn", "/accounts/2fa/webauthn/keys/999999/remove/", MFA),
    ("mfa_edit_webauthn", "/accounts/2fa/webauthn/keys/999999/edit/", MFA),
]:
    PAGES[name] = Page(path, expected)

# Admin pages. Anonymous people and members are sent to the login page; staff see what their role allows.
STAFF_ONLY = expect(REDIRECT, REDIRECT, OK, OK, OK)
NATIONAL_ONLY = expect(REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, OK)
DENIED = {REDIRECT, FORBIDDEN, NOT_FOUND}  # what a coordinator gets for another chapter's object

ADMIN_EXTRA: dict[str, Page] = {
    "admin:index": Page("/admin/", STAFF_ONLY),
    "admin:login": Page("/admin/login/", expect(REDIRECT, FORBIDDEN, REDIRECT, REDIRECT, REDIRECT)),
    "admin:logout": Page("/admin/logout/", expect(REDIRECT, REDIRECT, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)),
    "admin:auth_user_password_change": Page(lambda w: f"/admin/members/user/{w.member.pk}/password/",
                                            expect(REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, OK)),
    "admin:password_change": Page("/admin/password_change/", expect(REDIRECT, REDIRECT, OK, OK, OK)),
    "admin:password_change_done": Page("/admin/password_change/done/", expect(REDIRECT, REDIRECT, OK, OK, OK)),
    "admin:jsi18n": Page("/admin/jsi18n/", expect(REDIRECT, REDIRECT, OK, OK, OK)),
    # Staff without a second factor are sent to set one up from the whole admin, even from pages nobody may open.
    "admin:autocomplete": Page("/admin/autocomplete/", expect(REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, FORBIDDEN,
                                                              staff_no_mfa=REDIRECT)),
    "admin:view_on_site": Page(lambda w: f"/admin/r/0/{w.chapter_a.pk}/", expect(REDIRECT, REDIRECT, NOT_FOUND,
                                                                                 NOT_FOUND, NOT_FOUND,
                                                                                 staff_no_mfa=REDIRECT)),
    "admin:app_list": Page("/admin/chapters/", STAFF_ONLY),
    "admin:members_member_export": Page("/admin/members/member/export/", expect(REDIRECT, REDIRECT, OK, OK, OK)),
    "admin:members_member_import": Page("/admin/members/member/import/", STAFF_ONLY),
    "admin:members_member_import_errors": Page(
        "/admin/members/member/import/not-a-token/errors.csv", expect(REDIRECT, REDIRECT, DENIED, DENIED, DENIED)
    ),
    # The broadcast admin's own views: the live count, the progress, the preview, the verbs (POST only).
    "admin:broadcasts_broadcast_count": Page("/admin/broadcasts/broadcast/count/", STAFF_ONLY),
    "admin:broadcasts_broadcast_progress": Page(lambda w: f"/admin/broadcasts/broadcast/{w.broadcast_a.pk}/progress/",
                                                expect(REDIRECT, REDIRECT, OK, NOT_FOUND, OK)),
    "admin:broadcasts_broadcast_preview": Page(lambda w: f"/admin/broadcasts/broadcast/{w.broadcast_a.pk}/preview/",
                                               expect(REDIRECT, REDIRECT, OK, NOT_FOUND, OK)),
    "admin:broadcasts_broadcast_progress b": Page(
        lambda w: f"/admin/broadcasts/broadcast/{w.broadcast_b.pk}/progress/",
        expect(REDIRECT, REDIRECT, NOT_FOUND, OK, OK, treasurer_b=NOT_FOUND),
    ),
    "admin:broadcasts_broadcast_preview b": Page(
        lambda w: f"/admin/broadcasts/broadcast/{w.broadcast_b.pk}/preview/",
        expect(REDIRECT, REDIRECT, NOT_FOUND, OK, OK, treasurer_b=NOT_FOUND),
    ),
    "admin:broadcasts_broadcast_act": Page(lambda w: f"/admin/broadcasts/broadcast/{w.broadcast_a.pk}/act/send/",
                                           expect(REDIRECT, REDIRECT, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED,
                                                  staff_no_mfa=REDIRECT)),
    "admin:chapters_chapter_onboard": Page("/admin/chapters/chapter/onboard/", NATIONAL_ONLY),
    "admin:chapters_chapter_uncovered": Page("/admin/chapters/chapter/uncovered/", STAFF_ONLY),
    "admin:chapters_chapter_uncovered_state": Page(
        "/admin/chapters/chapter/uncovered/SC/", expect(REDIRECT, REDIRECT, OK, NOT_FOUND, OK)
    ),
    # Possible duplicates: each coordinator their own chapters' pairs; another chapter's people are a 404.
    "admin:duplicates_dismissedpair_review": Page("/admin/duplicates/dismissedpair/review/", STAFF_ONLY),
    "admin:duplicates_dismissedpair_review chapter b": Page(
        lambda w: f"/admin/duplicates/dismissedpair/review/?chapter={w.chapter_b.pk}", STAFF_ONLY
    ),
    "admin:duplicates_dismissedpair_merge": Page(
        lambda w: f"/admin/duplicates/dismissedpair/merge/{w.member_a.pk}/{w.twin_a.pk}/",
        expect(REDIRECT, REDIRECT, OK, NOT_FOUND, OK),
    ),
    "admin:duplicates_dismissedpair_merge across chapters": Page(
        lambda w: f"/admin/duplicates/dismissedpair/merge/{w.member_a.pk}/{w.member_b.pk}/",
        expect(REDIRECT, REDIRECT, NOT_FOUND, NOT_FOUND, OK),
    ),
    "admin:duplicates_dismissedpair_dismiss": Page(
        "/admin/duplicates/dismissedpair/dismiss/",
        expect(REDIRECT, REDIRECT, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, staff_no_mfa=REDIRECT),
    ),
    # Chapter B's uncovered counties: not for its treasurer (who coordinates A).
    "admin:chapters_chapter_uncovered_state wy": Page(
        "/admin/chapters/chapter/uncovered/WY/", expect(REDIRECT, REDIRECT, NOT_FOUND, OK, OK)
    ),
}  # fmt: skip


@dataclass
class AdminPolicy:
    """How a model's admin pages answer: `scoped` models show coordinators their own chapter's rows."""

    # "scoped" (a coordinator's own chapters' rows; add only where coordinators_add); "national_only";
    # "superuser_only" (roles and permissions: not even national coordinators)
    kind: str
    object_a: object  # function of the world: an instance belonging to chapter A
    object_b: object = None  # chapter B's counterpart (scoped models)
    coordinators_add: bool = False


ADMIN_POLICIES: dict[str, AdminPolicy] = {
    "auth.group": AdminPolicy("superuser_only", lambda w: w.groups[0]),
    "account.emailaddress": AdminPolicy("superuser_only", lambda w: w.member_a.user.emailaddress_set.first()),
    "mfa.authenticator": AdminPolicy("superuser_only", lambda w: w.coordinator_a.authenticator_set.first()),
    "sites.site": AdminPolicy("superuser_only", lambda w: Site.objects.get_current()),
    "members.user": AdminPolicy("national_only", lambda w: w.member_a.user),
    "members.memberexport": AdminPolicy("national_only", lambda w: w.export_a),
    "chapters.coalitiongoal": AdminPolicy("national_only", lambda w: w.goal),
    "chapters.state": AdminPolicy("scoped", lambda w: w.chapter_a.state, lambda w: w.chapter_b.state),
    "chapters.county": AdminPolicy(
        "scoped", lambda w: w.chapter_a.counties.first(), lambda w: w.chapter_b.counties.first()
    ),
    "chapters.chapter": AdminPolicy("scoped", lambda w: w.chapter_a, lambda w: w.chapter_b),
    "chapters.officer": AdminPolicy("scoped", lambda w: w.officer_a, lambda w: w.officer_b),
    "chapters.socialpage": AdminPolicy("scoped", lambda w: w.page_a, lambda w: w.page_b, coordinators_add=True),
    "dashboards.reachsnapshot": AdminPolicy("scoped", lambda w: w.reach_a, lambda w: w.reach_b, coordinators_add=True),
    "duplicates.dismissedpair": AdminPolicy("scoped", lambda w: w.dismissed_a, lambda w: w.dismissed_b),
    "members.member": AdminPolicy("scoped", lambda w: w.member_a, lambda w: w.member_b),  # people join or are imported
    "endorsements.endorsement": AdminPolicy(
        "scoped", lambda w: w.endorsement_a, lambda w: w.endorsement_b, coordinators_add=True
    ),
    "tags.tag": AdminPolicy("scoped", lambda w: w.tag_a, lambda w: w.tag_b, coordinators_add=True),
    "segments.segment": AdminPolicy("scoped", lambda w: w.segment_a, lambda w: w.segment_b, coordinators_add=True),
    "events.event": AdminPolicy("scoped", lambda w: w.event_a, lambda w: w.event_b, coordinators_add=True),
    # The task queue's jobs: queued mail names members of every chapter.
    "procrastinate.procrastinatejob": AdminPolicy("national_only", lambda w: queued_job()),
    "broadcasts.broadcast": AdminPolicy(
        "scoped", lambda w: w.broadcast_a, lambda w: w.broadcast_b, coordinators_add=True
    ),
    # Bounced and complaining addresses of every chapter.
    "broadcasts.suppression": AdminPolicy("national_only", lambda w: w.suppression),
}


def queued_job():
    """A job in the queue, as a mail leaves one (the tests' own mail skips the queue)."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    from lib.jobs import retry_stalled_jobs

    return ProcrastinateJob.objects.get(pk=retry_stalled_jobs.defer(timestamp=0))
