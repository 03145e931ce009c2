"""The duplicates review in the admin: possible pairs of the viewer's chapters, dismissing, merging.

Pages hang off the dismissed pairs' admin (its list is where a dismissal is undone):
review/ lists the pairs, merge/<a>/<b>/ compares two people and merges them, dismiss/ (POST)
remembers a pair as two people. Both people must be members the viewer manages
(Member.objects.visible_to); anything else is a 404, however the URL was made.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from chapters.models import Chapter
from chapters.scoping import ChapterScopedAdmin, scope_of
from duplicates.merge import CHOICES, MergeRefused, check_mergeable, counts, dropped_values, merge_members, value_of
from duplicates.models import DismissedPair, review_pairs
from lib import audit
from members.models import Member

PER_PAGE = 25


class PairsPaginator(Paginator):
    """A page of pairs the database ranked and counted; only that page was fetched."""

    def __init__(self, pairs: list, total: int, number: int) -> None:
        super().__init__(range(total), PER_PAGE)
        self.pairs, self.current = pairs, number

    def page(self, number) -> Page:
        page = super().page(number)
        page.object_list = self.pairs
        return page


def the_pair(request: HttpRequest, a: int, b: int) -> tuple[Member, Member]:
    """The two people, only if the viewer manages both: otherwise 404, as for people who do not exist."""
    if a == b:
        raise Http404("Two different people are needed.")
    people = Member.objects.visible_to(request.user).select_related("user", "county", "chapter").in_bulk([a, b])
    if len(people) != 2:
        raise Http404("Not found, or not yours to manage.")
    return people[a], people[b]


class MergeForm(forms.Form):
    """Whose account stays, and per differing field whose value; the defaults keep the surer record's."""

    def __init__(self, *args, a: Member, b: Member, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.a, self.b = a, b
        default_keep = max((a, b), key=lambda m: (m.is_counted, m.status == Member.Status.ACTIVE, -m.pk))
        self.fields["keep"] = forms.ChoiceField(
            label="Account that stays",
            choices=[(str(m.pk), f"{m.user.email} ({m.get_status_display()})") for m in (a, b)],
            initial=str(default_keep.pk),
            widget=forms.RadioSelect,
            help_text="Its password and login stay; the other account is removed, its address added to this one.",
        )
        self.differing = []
        for name, (label, _) in CHOICES.items():
            va, vb = value_of(a, name), value_of(b, name)
            if va == vb:
                continue
            self.differing.append(name)
            initial = "a" if (va and (default_keep is a or not vb)) else "b"
            self.fields[name] = forms.ChoiceField(
                label=label, choices=[("a", va or "(empty)"), ("b", vb or "(empty)")], initial=initial,
                widget=forms.RadioSelect,
            )  # fmt: skip

    def plan(self) -> tuple[Member, Member, dict[str, str]]:
        """(kept, dropped, choices for merge_members) from the cleaned data."""
        kept = self.a if self.cleaned_data["keep"] == str(self.a.pk) else self.b
        dropped = self.b if kept is self.a else self.a
        choices = {}
        for name in CHOICES:
            side = self.cleaned_data.get(name)
            if side is None:
                choices[name] = "kept"
            else:
                chosen = self.a if side == "a" else self.b
                choices[name] = "kept" if chosen is kept else "dropped"
        return kept, dropped, choices

    def signature(self) -> str:
        """The choices made, so that a merge runs only on the choices its preview showed."""
        return "&".join(f"{name}={self.cleaned_data[name]}" for name in sorted(self.cleaned_data))


@admin.register(DismissedPair)
class DismissedPairAdmin(ChapterScopedAdmin):
    list_display = ["low", "high", "dismissed_by", "dismissed_at"]
    list_select_related = ["low__user", "high__user", "dismissed_by"]
    fields = ["low", "high", "dismissed_by", "dismissed_at"]
    readonly_fields = fields
    change_list_template = "admin/duplicates/dismissedpair/change_list.html"

    def scope(self, request: HttpRequest, queryset):
        # A pair is the viewer's when both people are: one of theirs and one of another chapter's is not.
        return queryset.visible_to(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # pairs are dismissed from the review, never typed in

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def may_merge(self, request: HttpRequest) -> bool:
        return request.user.has_perm("members.change_member") and scope_of(request).manages_any

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("review/", wrap(self.review_view), name="duplicates_dismissedpair_review"),
            path("merge/<int:a>/<int:b>/", wrap(self.merge_view), name="duplicates_dismissedpair_merge"),
            path("dismiss/", wrap(require_POST(self.dismiss_view)), name="duplicates_dismissedpair_dismiss"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_merge": self.may_merge(request)}
        return super().changelist_view(request, extra_context)

    def review_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_view_permission(request) and self.may_merge(request)):
            raise PermissionDenied
        scope = scope_of(request)
        chapters = Chapter.objects.visible_to(request.user).order_by("name")
        choices = (
            list(chapters.values_list("pk", "name"))
            if not scope.national
            else list(Chapter.objects.order_by("name").values_list("pk", "name"))
        )
        chosen = request.GET.get("chapter", "")
        if chosen and chosen not in {str(pk) for pk, _ in choices}:
            chosen = ""  # not theirs, or not a chapter: the default, as for no choice
        if chosen:
            chapter_ids = [int(chosen)]
        elif scope.national:
            chapter_ids = []  # a national scan is a chapter at a time: they pick one
        else:
            chapter_ids = [pk for pk, _ in choices]
        page = scanned_at = None
        if chapter_ids:
            try:
                number = max(1, int(request.GET.get("page", 1)))
            except ValueError:
                number = 1
            rescan = "rescan" in request.GET
            pairs, total, scanned_at = review_pairs(chapter_ids, limit=PER_PAGE, offset=(number - 1) * PER_PAGE,
                                                    rescan=rescan)  # fmt: skip
            if not pairs and number > 1:  # past the end (or dismissed down to fewer pages): the last page
                number = max(1, (total - 1) // PER_PAGE + 1)
                pairs, total, scanned_at = review_pairs(chapter_ids, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
            page = PairsPaginator(pairs, total, number).page(number) if total else None
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "Possible duplicates",
            "chapters": choices, "chosen": chosen, "page": page, "national": scope.national,
            "scanned": bool(chapter_ids), "scanned_at": scanned_at,
        }  # fmt: skip
        return TemplateResponse(request, "admin/duplicates/review.html", context)

    def merge_view(self, request: HttpRequest, a: int, b: int) -> HttpResponse:
        if not self.may_merge(request):
            raise PermissionDenied
        first, second = the_pair(request, a, b)
        form = MergeForm(request.POST or None, a=first, b=second)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "Merge two people",
            "a": first, "b": second, "form": form,
        }  # fmt: skip
        try:
            check_mergeable(first, second)
        except MergeRefused as refusal:
            context["refused"] = str(refusal)
            return TemplateResponse(request, "admin/duplicates/merge.html", context)
        if request.method == "POST" and form.is_valid():
            kept, dropped, choices = form.plan()
            if "confirm" in request.POST and request.POST.get("previewed") == form.signature():
                try:
                    merge_members(kept=kept, dropped=dropped, choices=choices, actor=request.user)
                except MergeRefused as refusal:
                    context["refused"] = str(refusal)
                    return TemplateResponse(request, "admin/duplicates/merge.html", context)
                self.message_user(request, f"Merged into {kept.user.email}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:members_member_change", args=[kept.pk]))
            context.update(
                preview=True, kept=kept, dropped=dropped, lost=dropped_values(kept, dropped, choices),
                related=counts(kept, dropped), signature=form.signature(),
                changed="confirm" in request.POST,
            )  # fmt: skip
        return TemplateResponse(request, "admin/duplicates/merge.html", context)

    def dismiss_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_view_permission(request) and request.user.has_perm("duplicates.add_dismissedpair")):
            raise PermissionDenied
        try:
            a, b = int(request.POST.get("a", "")), int(request.POST.get("b", ""))
        except ValueError as error:
            raise Http404("No such pair.") from error
        first, second = the_pair(request, a, b)
        pair = DismissedPair.dismiss(first, second, request.user)
        audit.record(request.user, pair, "Dismissed: not the same person.", audit.ADDITION)
        self.message_user(request, f"{first} and {second} will not be suggested again.", messages.SUCCESS)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("admin:duplicates_dismissedpair_review")
        return HttpResponseRedirect(back)
