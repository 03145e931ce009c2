from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Q
from django.http import HttpRequest
from django.template.response import TemplateResponse

from chapters.scoping import ChapterScopedAdmin, scope_of
from members import admin as member_admin
from members.models import Member
from tags.models import MemberTag, Tag, tag_members, untag_members


@admin.register(Tag)
class TagAdmin(ChapterScopedAdmin):
    """National tags are listed to every coordinator but changed by national coordinators only."""

    list_display = ["name", "chapter", "members"]
    list_select_related = ["chapter"]
    search_fields = ["name"]
    fields = ["name", "chapter"]

    def scope(self, request: HttpRequest, queryset):
        return queryset.filter(pk__in=Tag.objects.visible_to(request.user).values("pk"))

    def get_queryset(self, request: HttpRequest):
        # A coordinator counts only their own members under a national tag.
        mine = Q() if scope_of(request).national else Q(member_links__member__chapter__in=scope_of(request).chapters())
        return super().get_queryset(request).annotate(member_count=Count("member_links", filter=mine))

    @admin.display(ordering="member_count")
    def members(self, obj: Tag) -> int:
        return obj.member_count

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not scope_of(request).national and "chapter" in form.base_fields:  # not on a national tag's read-only page
            form.base_fields["chapter"].required = True
            form.base_fields["chapter"].help_text = "The chapter whose coordinators see this tag."
        return form

    def delete_model(self, request: HttpRequest, obj: Tag) -> None:
        untag_members(tag=obj, members=Member.objects.all(), actor=request.user, source="tag deleted")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for tag in queryset:
            untag_members(tag=tag, members=Member.objects.all(), actor=request.user, source="tag deleted")
        super().delete_queryset(request, queryset)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        national_tag = obj is not None and obj.chapter_id is None
        return super().has_change_permission(request, obj) and (scope_of(request).national or not national_tag)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        national_tag = obj is not None and obj.chapter_id is None
        return super().has_delete_permission(request, obj) and (scope_of(request).national or not national_tag)


class MemberTagForm(forms.ModelForm):
    """A tag already on the member is shown by name; only new rows offer the tags to choose from
    (one query for the choices, however many tags the member carries)."""

    user = None  # who is tagging: set per request by MemberTagInline.get_formset

    class Meta:
        model = MemberTag
        fields = ["tag"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag"].disabled = True
            self.fields["tag"].widget = forms.HiddenInput()

    def save(self, commit: bool = True) -> MemberTag:
        if self.instance.pk is None:
            self.instance.added_by = self.user
        return super().save(commit)


class MemberTagInline(admin.TabularInline):
    model = MemberTag
    form = MemberTagForm
    fields = ["tag", "tag_name", "added_by", "added_at"]
    readonly_fields = ["tag_name", "added_by", "added_at"]
    extra = 0
    verbose_name = "tag"
    verbose_name_plural = "tags (coordinators only: never shown to the member)"

    def get_queryset(self, request: HttpRequest):
        return (
            super().get_queryset(request).filter(tag__in=Tag.objects.visible_to(request.user))
            .select_related("tag__chapter", "added_by", "member__user")  # each row is titled "tag on member"
        )  # fmt: skip

    @admin.display(description="tag")
    def tag_name(self, obj: MemberTag) -> str:
        return str(obj.tag) if obj.pk else ""

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "tag":
            kwargs["queryset"] = Tag.objects.visible_to(request.user).select_related("chapter")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("members.change_member")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("members.change_member")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("members.change_member")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("members.view_member")

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        kwargs["form"] = type("MemberTagForm", (MemberTagForm,), {"user": request.user})
        return super().get_formset(request, obj, **kwargs)


class BulkTagForm(forms.Form):
    tag = forms.ModelChoiceField(Tag.objects.none())
    operation = forms.ChoiceField(
        choices=[("add", "Add the tag"), ("remove", "Remove the tag")], initial="add", widget=forms.RadioSelect
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.visible_to(user).select_related("chapter")


@admin.action(description="Tag or untag selected members…", permissions=["change"])
def tag_selected(modeladmin, request: HttpRequest, queryset):
    """Ask which tag, then add or remove it on every selected member (all pages when "select all")."""
    form = BulkTagForm(request.POST if "apply" in request.POST else None, user=request.user)
    if form.is_valid():
        tag, operation = form.cleaned_data["tag"], form.cleaned_data["operation"]
        if operation == "add":
            done = tag_members(tag=tag, members=queryset, actor=request.user)
            modeladmin.message_user(request, f"Tagged {done} member(s) {tag.name!r}.", messages.SUCCESS)
        else:
            done = untag_members(tag=tag, members=queryset, actor=request.user)
            modeladmin.message_user(request, f"Removed {tag.name!r} from {done} member(s).", messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Tag or untag members",
        "opts": modeladmin.model._meta,
        "count": queryset.count(),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/tags/tag_members.html", context)


member_admin.MEMBER_INLINES.append(MemberTagInline)
member_admin.MEMBER_ACTIONS.append(tag_selected)
