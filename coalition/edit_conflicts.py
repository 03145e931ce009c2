"""Two people editing the same record at once: the later save is refused, never silently lost.

A `Versioned` model counts its saves in `version` (incremented in the database, so two saves
can never both write the same number). Its admin change form carries the version it was
opened at in a hidden `edit_version` field. On save, `EditConflictForm.clean` locks the row
(`SELECT ... FOR UPDATE`, held until the admin's transaction commits) and compares: if anyone
saved in between, the form comes back with who changed what and when, and nothing is written.
The form then carries the new version, so saving it again applies the change on purpose.
"""

import datetime
import json

from django import forms
from django.core.exceptions import FieldDoesNotExist
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
        self.version = models.F("version") + 1
        try:
            super().save(*args, **kwargs)
        finally:
            self.refresh_from_db(fields=["version"])


class EditVersionField(forms.CharField):
    widget = forms.HiddenInput

    def has_changed(self, initial, data) -> bool:
        return False  # bookkeeping, never a change to the record (nor to its history message)


class EditConflictForm(forms.ModelForm):
    """Mix into the ModelForm of a `Versioned` model; `EditConflictAdmin` renders the field."""

    edit_version = EditVersionField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["edit_version"] = edit_token(self.instance.version)

    def clean(self) -> dict:
        data = super().clean()
        if self.instance.pk is not None:
            self.check_edit_version()
        return data

    def check_edit_version(self) -> None:
        """Refuse the save if the row changed since the form was opened. Needs a transaction (the admin's)."""
        model = type(self.instance)
        name = model._meta.verbose_name
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
        version, opened_at = loaded
        if version == current.version:
            return
        entries = changes_since(current, opened_at)
        who = " and ".join(f"{entry.user} at {timezone.localtime(entry.action_time):%H:%M}" for entry in entries)
        what = " ".join(entry.get_change_message() for entry in entries if entry.get_change_message())
        self.add_error(
            None,
            f"This {name} was changed by {who or 'someone else'} while you were editing; review their changes"
            " and save again. Nothing of yours was saved: the form still shows your version, and under each"
            " field they changed, what they saved." + (f" Their change: {what}" if what else ""),
        )
        self.show_their_values(current, entries)
        # Saving again is a decision taken with their changes in view: it is checked against this version.
        self.data = self.data.copy()
        self.data[self.add_prefix("edit_version")] = edit_token(current.version)

    def show_their_values(self, current: models.Model, entries) -> None:
        by_label = {str(field.label or name): name for name, field in self.fields.items()}
        fresh = type(self)(instance=current)  # the form as it would open now: its initial values are theirs
        for entry in entries:
            for label in changed_field_labels(entry):
                name = by_label.get(label)
                if name is None or name == "edit_version" or name not in self.fields:
                    continue
                value = display_value(fresh, current, name)
                if value != display_submitted(self, name):
                    self.add_error(name, f"Saved meanwhile by {entry.user}: {value}")


def edit_token(version: int) -> str:
    """The version and when the form was opened (to name the changes made since)."""
    return f"{version}:{int(timezone.now().timestamp())}"


def parse_edit_token(value: str) -> tuple[int, datetime.datetime] | None:
    version, _, opened = value.partition(":")
    if not (version.isdigit() and opened.isdigit()) or len(version) > 9 or len(opened) > 12:
        return None
    return int(version), datetime.datetime.fromtimestamp(int(opened), tz=datetime.UTC)


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


def changed_field_labels(entry) -> list[str]:
    """The field labels an admin form save lists in its history entry ([{"changed": {"fields": [...]}}])."""
    try:
        parts = json.loads(entry.change_message or "[]")
    except json.JSONDecodeError:
        return []  # a plain-text entry (coalition.audit.record)
    if not isinstance(parts, list):
        return []
    return [label for part in parts if isinstance(part, dict) for label in part.get("changed", {}).get("fields", [])]


def display_value(form: forms.BaseForm, obj: models.Model, name: str) -> str:
    """How a field's saved value reads to a person: choice labels, names of related objects."""
    try:
        model_field = obj._meta.get_field(name)
    except FieldDoesNotExist:  # a form-only field (e.g. a member's name, stored on the user)
        return _quoted(form[name].initial)
    if model_field.many_to_many:
        return _quoted(", ".join(sorted(str(item) for item in getattr(obj, name).all())))
    if model_field.choices:
        return _quoted(getattr(obj, f"get_{name}_display")())
    return _quoted(getattr(obj, name))


def display_submitted(form: forms.BaseForm, name: str) -> str:
    """The submitted value in the same words, to mention only fields where theirs differs from yours."""
    field = form.fields[name]
    if name not in form.cleaned_data:
        return ""  # invalid, or already annotated: theirs is worth showing
    value = form.cleaned_data[name]
    if isinstance(field, forms.ModelMultipleChoiceField):
        return _quoted(", ".join(sorted(str(item) for item in value)))
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return _quoted(dict(field.choices).get(_choice_key(field, value), value))
    return _quoted(value)


def _choice_key(field: forms.ChoiceField, value):
    keys = {str(key): key for key, _ in field.choices}
    return keys.get(str(value), value)


def _quoted(value) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"“{Truncator(str(value)).chars(200)}”"


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
