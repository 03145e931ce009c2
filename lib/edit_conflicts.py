"""Two people editing the same record at once: the later save is refused, never silently lost.

A `Versioned` model counts its saves in `version` (incremented in the database, so two saves
can never both write the same number). Its admin change form carries the version it was
opened at in a hidden `edit_version` field. On save, `EditConflictForm.clean` locks the row
(`SELECT ... FOR UPDATE`, held until the admin's transaction commits) and compares: if anyone
saved in between, the form comes back with who changed what and when, and nothing is written.
The form then carries the new version, so saving it again applies the change on purpose.
"""

import datetime
import hashlib

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.text import Truncator


class Versioned(models.Model):
    """Counts saves, so a form can tell whether the row changed since it was opened."""

    version = models.PositiveIntegerField(
        default=0,
        db_default=0,  # rows inserted in SQL (roster import, seed_scale) start at 0 too
        editable=False,
        help_text="Incremented on every save; edit forms use it to detect a concurrent change.",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if self._state.adding or (update_fields is not None and not update_fields):
            super().save(*args, **kwargs)
            return
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"}
        # version + 1 in the UPDATE itself: an increment read in Python would let two
        # concurrent saves both write the same number, and a stale form would match it.
        previous, self.version = self.version, models.F("version") + 1
        try:
            super().save(*args, **kwargs)
        except BaseException:
            self.version = previous
            raise
        self.refresh_from_db(fields=["version"])


class EditVersionField(forms.CharField):
    widget = forms.HiddenInput

    def has_changed(self, initial, data) -> bool:
        return False  # bookkeeping, never a change to the record (nor to its history message)


class EditConflictForm(forms.ModelForm):
    """Mix into the ModelForm of a `Versioned` model; `EditConflictAdmin` renders the field.

    The hidden field holds the version, when the form was opened and a short fingerprint of
    each field's value then. On a conflict these tell, per field, who changed it: a field only
    they changed takes their value in the redisplayed form, a field both changed keeps yours
    with theirs shown beneath it. Saving again then keeps both people's work.
    """

    edit_version = EditVersionField(required=False)
    conflict_noun = ""  # what the messages call the record; its model's name by default

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            # Computed when rendered: subclasses set some initial values after this __init__.
            self.initial["edit_version"] = lambda: self.edit_token(self.instance.version)

    def edit_token(self, version: int) -> str:
        """version:opened-at:fingerprints, the fingerprints of the values the form shows now."""
        prints = ".".join(fingerprint(self[name].initial) for name in self.merged_fields())
        return f"{version_stamp(version)}:{prints}"

    def merged_fields(self) -> list[str]:
        # Files cannot be put back into a form, and split widgets post several keys: not merged.
        return sorted(
            name
            for name, field in self.fields.items()
            if name != "edit_version" and not isinstance(field, forms.FileField)
            and not isinstance(field.widget, forms.MultiWidget)
        )  # fmt: skip

    def clean(self) -> dict:
        data = super().clean()
        if self.instance.pk is not None:
            self.check_edit_version()
        return data

    def check_edit_version(self) -> None:
        """Refuse the save if the row changed since the form was opened. Needs a transaction (the admin's)."""
        model = type(self.instance)
        name = self.conflict_noun or model._meta.verbose_name
        current = model._default_manager.select_for_update().filter(pk=self.instance.pk).first()
        if current is None:
            self.add_error(None, f"This {name} was deleted while you were editing; nothing was saved.")
            return
        loaded = parse_edit_token(self.data.get(self.add_prefix("edit_version"), ""))
        if loaded is None:
            # Refused rather than saved unchecked: this form cannot show it is not stale.
            message = f"This form lacks its edit marker. Nothing was saved: open the {name} again and redo your edit."
            self.add_error(None, message)
            return
        version, opened_at, prints = loaded
        if version == current.version:
            return
        entries = changes_since(current, opened_at)
        who = " and ".join(f"{entry.user} at {timezone.localtime(entry.action_time):%H:%M}" for entry in entries)
        self.add_error(
            None,
            f"This {name} was changed by {who or 'someone else'} while you were editing; review their changes"
            " and save again. Nothing of yours was saved yet. Fields only they changed now show their value;"
            " where you both changed a field, yours is kept and theirs is shown beneath it.",
        )
        fresh = type(self)(instance=current)  # the form as it would open now
        self.data = self.data.copy()
        self.merge_their_changes(fresh, prints, by=", ".join(sorted({str(entry.user) for entry in entries})))
        # Saving again is a decision taken with their changes in view: it is checked against this version.
        self.data[self.add_prefix("edit_version")] = fresh.edit_token(current.version)

    def merge_their_changes(self, fresh: "EditConflictForm", prints: list[str], *, by: str) -> None:
        names = self.merged_fields()
        if len(prints) != len(names):
            prints = [""] * len(names)  # another set of fields than when opened: treat each as changed by both
        for name, opened in zip(names, prints, strict=True):
            theirs = fresh[name].initial
            if fingerprint(theirs) == opened:
                continue  # they did not change it
            mine = self.cleaned_data.get(name, MISSING)
            if mine is not MISSING and fingerprint(mine) == opened:
                self.put_in_form(name, fresh[name].value())
                self.add_error(name, f"Changed meanwhile by {by or 'someone else'}: their value is in the field now.")
            elif mine is MISSING or fingerprint(mine) != fingerprint(theirs):
                self.add_error(name, f"Saved meanwhile by {by or 'someone else'}: {display_value(fresh, name)}")

    def put_in_form(self, name: str, value) -> None:
        key = self.add_prefix(name)
        if isinstance(value, list | tuple):
            values = [str(item) for item in value]
            if hasattr(self.data, "setlist"):  # a QueryDict, as from a request
                self.data.setlist(key, values)
            else:
                self.data[key] = values
        else:
            self.data[key] = "" if value is None else str(value)


MISSING = object()


def fingerprint(value) -> str:
    """A short digest of a field's value that reads the same whether it comes from the
    model (pks, lists of objects) or from the cleaned form (instances, querysets)."""
    if isinstance(value, models.Model):
        value = value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        value = sorted(str(item.pk if isinstance(item, models.Model) else item) for item in value)
    elif value is None:
        value = ""
    # Browsers post text areas with CRLF, and forms strip what they clean.
    text = str(value).replace("\r\n", "\n").strip()
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def version_stamp(version: int) -> str:
    """The version and when the form was opened, in milliseconds (to name the changes made since)."""
    return f"{version}:{int(timezone.now().timestamp() * 1000)}"


def parse_edit_token(value: str) -> tuple[int, datetime.datetime, list[str]] | None:
    version, _, rest = value.partition(":")
    opened, _, prints = rest.partition(":")
    if not (version.isdigit() and opened.isdigit()) or len(version) > 9 or len(opened) > 15:
        return None
    if len(prints) > 2000 or not set(prints) <= set("0123456789abcdef."):
        return None
    return int(version), datetime.datetime.fromtimestamp(int(opened) / 1000, tz=datetime.UTC), prints.split(".")


def changes_since(obj: models.Model, opened_at: datetime.datetime) -> list:
    """History entries written after the form was opened; at least the latest one."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    history = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("user")
    entries = list(history.filter(action_time__gte=opened_at).order_by("action_time")[:10])
    # Written just before the form was opened but committed after: then the latest is the one.
    return entries or list(history.order_by("-action_time")[:1])


def display_value(form: forms.BaseForm, name: str) -> str:
    """How a field's value in this (unbound) form reads to a person: choice labels, object names."""
    field, value = form.fields[name], form[name].initial
    if isinstance(field, forms.ModelMultipleChoiceField):
        value = ", ".join(sorted(str(item) for item in field.queryset.filter(pk__in=fingerprint_keys(value))))
    elif isinstance(field, forms.ModelChoiceField):
        value = field.queryset.filter(pk=value.pk if isinstance(value, models.Model) else value).first()
    elif isinstance(field, forms.ChoiceField):
        value = {str(key): label for key, label in field.choices}.get(str(value), value)
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"“{Truncator(str(value)).chars(200)}”"


def fingerprint_keys(values) -> list:
    return [item.pk if isinstance(item, models.Model) else item for item in values or []]


class EditConflictAdmin:
    """ModelAdmin mixin: renders the form's hidden `edit_version` on change pages.

    The admin saves inside one transaction (`changeform_view`), so the row lock taken in
    the form's `clean` lasts until the save, its inlines and its history entry are committed.
    """

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], "edit_version"]}), *rest]
