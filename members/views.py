import json

from allauth.account.views import SignupView
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_http_methods

from chapters.models import Chapter, State
from lib.validators import without_control_characters
from members.forms import SOURCE_FIELDS, SOURCE_SESSION_KEY, DeleteAccountForm, ProfileForm
from members.models import (
    ConsentRecord,
    Member,
    claim_account,
    delete_account,
    describe_accessors,
    leave_coalition,
    member_data,
    record_accesses,
    update_member,
    user_for_claim,
)


def remember_source(request: HttpRequest) -> None:
    """Keep the first ?ref= / utm_* a visitor arrived with until they sign up."""
    found = {k: without_control_characters(request.GET.get(k, "")).strip()[:100] for k in SOURCE_FIELDS}
    found = {k: v for k, v in found.items() if v}
    if found and SOURCE_SESSION_KEY not in request.session:
        request.session[SOURCE_SESSION_KEY] = found


# Rendered for each visitor, never from a shared copy: its form's CSRF token is theirs alone.
def join(request: HttpRequest, state_code: str | None = None) -> HttpResponse:
    context = {}
    if state_code is not None:
        if not (len(state_code) == 2 and state_code.isascii() and state_code.isalpha()):
            raise Http404
        state = get_object_or_404(State, code=state_code.upper())
        chapter = Chapter.objects.filter(state=state).order_by("name").first()
        context.update(
            state=state,
            chapter=chapter,
            # Cached counts: counting a big state's members on every visit grows with the coalition.
            member_count=Member.objects.count_for(chapter=chapter, state=state),
            question=getattr(chapter, "question", "") if chapter else "",
        )
    if request.method == "GET":
        remember_source(request)
    return SignupView.as_view(template_name="members/member_join.html", extra_context=context)(request)


@login_required
def welcome(request: HttpRequest) -> HttpResponse:
    member = get_object_or_404(Member.objects.select_related("chapter", "state"), user=request.user)
    share_url = request.build_absolute_uri(share_path(member))
    return render(request, "members/member_welcome.html", {"member": member, "share_url": share_url})


def share_path(member: Member) -> str:
    """The member's own join link (path and query): their state's join page with their ?ref=."""
    path = reverse("members:join-state", args=[member.state_id.lower()])
    return f"{path}?ref={share_ref(member)}"


def share_ref(member: Member) -> str:
    """The ?ref= of the member's own join link: the same every time, and it names nobody.

    A keyed digest rather than the member's id, so a shared link tells its readers nothing
    about the member or about how many members there are.
    """
    return "friend-" + salted_hmac("members.share-ref", str(member.pk)).hexdigest()[:10]


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    member = Member.objects.select_related("user", "chapter", "state", "county", "zip_code").filter(user=request.user)
    member = member.first()
    if member is None:
        # Coordinators and other account holders without a membership still manage their account here.
        return render(request, "members/member_profile.html", {"member": None})
    if request.method == "POST":
        with transaction.atomic():  # the form's edit check locks the row until the save is committed
            form = ProfileForm(request.POST, instance=member)
            if form.is_valid() and not form.asks_to_move:
                data = form.cleaned_data
                update_member(
                    member=member, actor=request.user, source=ConsentRecord.Source.PROFILE,
                    zip_code=data["zip"], county=data["county_obj"],
                    first_name=data["first_name"], last_name=data["last_name"], phone=data.get("phone") or "",
                    email_updates=data["email_updates"], text_messages=data["text_messages"],
                    show_name_publicly=data["show_name_publicly"],
                )  # fmt: skip
                messages.success(request, "Your profile is saved.")
                return redirect("members:profile")
    else:
        form = ProfileForm(instance=member)
    accesses = describe_accessors(member, record_accesses(member, limit=20))
    context = {"form": form, "member": member, "accesses": accesses, "attended": events_attended(request.user)}
    return render(request, "members/member_profile.html", context)


def events_attended(user, limit: int = 10) -> list:
    """Their latest attendance, through the relation the events app declares (RSVP.user)."""
    return list(
        user.rsvps.filter(attended=True).select_related("occurrence__event").order_by("-occurrence__starts_at")[:limit]
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest) -> HttpResponse:
    """Ask first, saying what leaving means; leave on the confirming POST."""
    member = Member.objects.select_related("chapter", "state").filter(user=request.user).first()
    if member is None or member.status == Member.Status.LEFT:
        return redirect("members:profile")
    if request.method == "POST":
        leave_coalition(member=member, actor=request.user, source="profile")
        messages.success(request, "You have left the coalition. Your account stays until you delete it.")
        return redirect("members:profile")
    count = Member.objects.count_for(chapter=member.chapter, state=member.state)
    return render(request, "members/member_leave.html", {"member": member, "member_count": count})


@login_required
def download_data(request: HttpRequest) -> HttpResponse:
    data = member_data(request.user)
    response = HttpResponse(json.dumps(data, indent=2), content_type="application/json")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-coalition-data-{stamp}.json"'
    return response


@login_required
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        delete_account(user=user)
        messages.success(request, "Your account and personal data are deleted.")
        return redirect("public:home")
    return render(request, "members/member_delete.html", {"form": form})


def claim(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """An imported member sets their password from the invitation link (single use, expiring)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        pk = None
    user = user_for_claim(pk, token)
    if user is None:
        return render(request, "members/member_claim.html", {"invalid": True}, status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        claim_account(user=user, password=form.cleaned_data["new_password1"])
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("members:welcome")
    return render(request, "members/member_claim.html", {"form": form, "member": user.member})
