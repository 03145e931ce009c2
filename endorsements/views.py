from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_http_methods

from endorsements.forms import EndorsementFilterForm, EndorsementSubmitForm
from endorsements.models import CONFIRM, Endorsement, LinkError
from lib.tokens import lifetime_days
from lib.validators import as_one_line, without_control_characters
from lib.visitor_cache import visitor_cache

PER_PAGE = 20


@visitor_cache(seconds=30)
def endorsement_list(request: HttpRequest) -> HttpResponse:
    endorsements = Endorsement.objects.published()
    counts = endorsements.aggregate(
        total=Count("pk"), **{kind: Count("pk", filter=Q(kind=kind)) for kind in Endorsement.Kind.values}
    )
    filters = EndorsementFilterForm(request.GET or None)
    if filters.is_valid():
        if filters.cleaned_data["state"]:
            endorsements = endorsements.for_state(filters.cleaned_data["state"])
        if filters.cleaned_data["kind"]:
            endorsements = endorsements.filter(kind=filters.cleaned_data["kind"])
    page = Paginator(endorsements.for_wall(), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "endorsements/endorsement_list.html",
        {
            "page": page,
            "filters": filters,
            "kind_counts": [(value, label, counts[value]) for value, label in Endorsement.Kind.choices],
            "total": counts["total"],
            "query": query.urlencode(),
        },
    )


def endorsement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    endorsement = get_object_or_404(Endorsement.objects.published().select_related("state"), slug=slug)
    return render(request, "endorsements/endorsement_detail.html", {"endorsement": endorsement})


IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def endorsement_image(request: HttpRequest, name: str) -> FileResponse:
    """An endorsement's photo or logo: public once published, else only to its coordinators.

    Every stored image was re-encoded on upload (`reencode_image`); it is still sent with
    its type fixed by its extension, `nosniff` and a sandboxing policy, so it is never a page.
    """
    extension = name.rpartition(".")[2]
    if extension not in IMAGE_TYPES:
        raise Http404("No such image.")
    visible = Endorsement.objects.published() | Endorsement.objects.visible_to(request.user)
    endorsement = get_object_or_404(visible, image=f"endorsements/{name}")
    try:
        file = endorsement.image.open("rb")
    except FileNotFoundError:
        raise Http404("No such image.") from None
    response = FileResponse(file, content_type=IMAGE_TYPES[extension])
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=86400" if endorsement.is_public else "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def endorsement_submit(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EndorsementSubmitForm(request.POST, request.FILES)
        if form.is_valid():
            # Counted only once valid, so a typo costs nothing; allauth checks and counts under one lock.
            if not ratelimit.consume(request, action="submit_endorsement"):
                return render(request, "endorsements/endorsement_rate_limited.html", status=429)
            with transaction.atomic():  # the endorsement and its confirmation mail, or neither
                endorsement = form.save()
                endorsement.mail_endorser("endorsement_confirm", request.build_absolute_uri("/")[:-1])
            context = {"endorsement": endorsement, "confirm_days": lifetime_days(CONFIRM)}
            return render(request, "endorsements/endorsement_submitted.html", context)
    else:
        form = EndorsementSubmitForm()
    return render(request, "endorsements/endorsement_submit.html", {"form": form})


@require_http_methods(["GET", "POST"])
def endorsement_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        endorsement = Endorsement.from_confirmation_token(token)
    except LinkError as error:
        return render(request, "endorsements/endorsement_link_invalid.html", {"error": error}, status=400)
    if endorsement.status != Endorsement.Status.UNCONFIRMED:
        return render(request, "endorsements/endorsement_confirm.html", {"endorsement": endorsement, "done": True})
    if request.method == "POST":
        endorsement.confirm_contact()
        return render(request, "endorsements/endorsement_confirm.html", {"endorsement": endorsement, "done": True})
    return render(request, "endorsements/endorsement_confirm.html", {"endorsement": endorsement})


@require_http_methods(["GET", "POST"])
def endorsement_withdraw(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    endorsement = get_object_or_404(Endorsement, slug=slug)
    try:
        endorsement.check_withdrawal_token(token)
    except LinkError as error:
        return render(request, "endorsements/endorsement_link_invalid.html", {"error": error}, status=400)
    if endorsement.status in (Endorsement.Status.WITHDRAWN, Endorsement.Status.REJECTED):
        return render(request, "endorsements/endorsement_withdraw.html", {"endorsement": endorsement, "done": True})
    if request.method == "POST":
        try:
            endorsement.withdraw(by=None)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("endorsements:endorsement-list")
        return render(request, "endorsements/endorsement_withdraw.html", {"endorsement": endorsement, "done": True})
    return render(request, "endorsements/endorsement_withdraw.html", {"endorsement": endorsement})


class EndorsementFeed(Feed):
    feed_type = Atom1Feed
    title = "Coalition endorsements"
    subtitle = "Candidates, officials, organisations and people who endorse the coalition, newest first."
    link = reverse_lazy("endorsements:endorsement-list")

    def items(self):
        return Endorsement.objects.published().select_related("state").order_by("-published_at")[:30]

    # XML 1.0 cannot carry most control characters (Django refuses to write them: a 500), and
    # rows stored before the validators existed may hold some: they are dropped here.

    def item_title(self, item: Endorsement) -> str:
        return as_one_line(f"{item.name}, {item.office}" if item.office else item.name)

    def item_description(self, item: Endorsement) -> str:
        return without_control_characters(item.statement, allow_line_breaks=True)

    def item_link(self, item: Endorsement) -> str:
        return reverse("endorsements:endorsement-detail", args=[item.slug])

    def item_pubdate(self, item: Endorsement):
        return item.published_at

    def item_updateddate(self, item: Endorsement):
        return item.published_at
