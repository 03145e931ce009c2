"""Every text field a person types refuses control characters, whichever form or API writes it."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from chapters.models import Chapter, State
from lib.validators import NoControlCharactersValidator

PROJECT_APPS = ["chapters", "members", "endorsements", "events", "question", "dashboards"]
MULTILINE = {"chapters.Chapter.description", "endorsements.Endorsement.statement",
             "endorsements.Endorsement.verification_note", "endorsements.Endorsement.rejection_reason",
             "events.Event.description", "events.Event.address", "events.Event.decline_reason"}  # fmt: skip
# Text nobody types into a form, or checked by a stricter validator of its own.
NOT_TYPED = {
    "chapters.State.code", "chapters.State.fips", "chapters.State.name",  # reference data (chapters/geo.py)
    "chapters.County.fips", "chapters.County.name",
    "chapters.ZipCode.code", "chapters.ZipCode.city", "chapters.ZipCode.timezone",
    "members.User.password",  # a hash
    "members.Member.phone",  # parsed and stored as E.164
    "members.MembershipEvent.source", "members.MemberExport.filters",  # written by the code
    "question.Answer.visitor",
    "events.Event.call_key",  # written by the code
    "events.RSVP.phone",  # parsed and stored as E.164
    "events.RSVP.zip_code",  # five digits, checked by the RSVP form's ZIP validator
}  # fmt: skip


def typed_text_fields():
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                name = f"{app}.{model.__name__}.{field.name}"
                if not isinstance(field, models.CharField | models.TextField) or name in NOT_TYPED:
                    continue
                # Choices, slugs and email addresses have validators that admit no control character.
                if field.choices or isinstance(field, models.SlugField | models.EmailField):
                    continue
                yield name, field


TYPED = list(typed_text_fields())


@pytest.mark.parametrize(("name", "field"), TYPED, ids=[name for name, _ in TYPED])
def test_every_typed_text_field_refuses_control_characters(name, field):
    checks = [v for v in field.validators if isinstance(v, NoControlCharactersValidator)]
    assert checks, f"{name} accepts control characters: add lib.validators.no_control_characters"
    assert checks[0].allow_line_breaks == (name in MULTILINE)


def test_full_clean_refuses_a_line_break_in_a_chapter_name(db):
    chapter = Chapter(name="South\nCarolina", slug="south", state=State.objects.get(code="SC"))
    with pytest.raises(ValidationError) as refused:
        chapter.full_clean()
    assert refused.value.message_dict["name"] == ["Remove the invisible control characters (U+000A) from this text."]
