"""The member-filter engine: which members a definition selects, for segments and broadcast audiences.

A definition is a JSON-able dict of filters, all of which must hold (AND); within the place
filters (chapters, states, members without a chapter) any one is enough (OR), and no place
at all means every member the user may see. Each filter is one key:

    chapters: [chapter ids]          states: ["SC", ...]        no_chapter: true
    everyone: true (national)        counties: ["45079", ...]   statuses: ["active", ...]
    tags_any / tags_all / tags_none: [tag ids]
    joined_after / joined_before: "YYYY-MM-DD" (both days included, in TIME_ZONE)
    ref / utm_source / utm_medium / utm_campaign: exact value
    consents: ["email_updates", "text_messages"]
    question: "answered" | "not_answered"      answers: ["yes", "no", "unsure"] (implies answered)
    event_rsvp: "rsvped" | "attended"        events: [event ids]        events_since: "YYYY-MM-DD"
        (RSVP'd to, or checked in at, a date of one of those events, or of any event, on or after the day)

`clean_definition` checks and normalises one; `members_matching` evaluates it for a user,
always within `Member.objects.visible_to(user)`, whatever the definition names: a chapter
coordinator's "everyone" or "chapter B" still holds only members of their own chapters.
The RSVP filter reads events.RSVP (the weekly calls are events too); a chapter coordinator's
only counts the events of their chapters and the national ones.
"""

import datetime
import functools
import operator
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from chapters.models import Chapter, County, State
from events.models import RSVP, Event
from members.models import Member
from question.models import Answer
from tags.models import MemberTag, Tag

ID_LISTS = ("chapters", "tags_any", "tags_all", "tags_none", "events")
CODE_LISTS = {
    "states": re.compile(r"[A-Z]{2}"),
    "counties": re.compile(r"[0-9]{5}"),
}
CHOICE_LISTS = {
    "statuses": dict(Member.Status.choices),
    "consents": {"email_updates": "email updates", "text_messages": "text messages"},
    "answers": dict(Answer.Choice.choices),
}
FLAGS = ("no_chapter", "everyone")
DATES = ("joined_after", "joined_before", "events_since")
SOURCES = ("ref", "utm_source", "utm_medium", "utm_campaign")
QUESTION = {"answered": "answered the question", "not_answered": "did not answer the question"}
EVENT_RSVP = {"rsvped": "RSVP'd to", "attended": "attended"}
KEYS = {*ID_LISTS, *CODE_LISTS, *CHOICE_LISTS, *FLAGS, *DATES, *SOURCES, "question", "event_rsvp"}
MAX_ITEMS = 1000
SOURCE_MAX_LENGTH = 100


def normalise(data: Any) -> dict:
    """The definition in its one canonical form, checking only its shape (no database).

    Empty filters are dropped, lists sorted and deduplicated; anything malformed raises
    ValidationError naming the filter.
    """
    if not isinstance(data, dict):
        raise ValidationError("A segment definition must be an object of filters.")
    unknown = sorted(str(key) for key in data if key not in KEYS)
    if unknown:
        raise ValidationError(f"Unknown filter: {', '.join(unknown)}.")
    out: dict = {}
    for key, value in data.items():
        if value in (None, "", [], False):
            continue
        if key in ID_LISTS:
            out[key] = _ids(key, value)
        elif key in CODE_LISTS:
            out[key] = _codes(key, value)
        elif key in CHOICE_LISTS:
            out[key] = _choices(key, value, CHOICE_LISTS[key])
        elif key in FLAGS:
            if value is not True:
                raise ValidationError(f"{key} must be true or false.")
            out[key] = True
        elif key in DATES:
            out[key] = _date(key, value).isoformat()
        elif key in SOURCES:
            if not isinstance(value, str) or len(value) > SOURCE_MAX_LENGTH or not value.isprintable():
                raise ValidationError(f"{key} must be one line of at most {SOURCE_MAX_LENGTH} characters.")
            if value.strip():
                out[key] = value.strip()
        elif key == "event_rsvp":
            if value not in EVENT_RSVP:
                raise ValidationError(f"event_rsvp must be one of: {', '.join(EVENT_RSVP)}.")
            out[key] = value
        elif value not in QUESTION:
            raise ValidationError(f"question must be one of: {', '.join(QUESTION)}.")
        else:
            out[key] = value
    if out.get("everyone"):
        for key in ("chapters", "states", "no_chapter"):
            out.pop(key, None)
    if "answers" in out:
        if out.get("question") == "not_answered":
            raise ValidationError("Members who did not answer the question cannot have answered it one way.")
        out["question"] = "answered"
    if "joined_after" in out and "joined_before" in out and out["joined_after"] > out["joined_before"]:
        raise ValidationError("“Joined after” is later than “joined before”.")
    if ("events" in out or "events_since" in out) and "event_rsvp" not in out:
        out["event_rsvp"] = "rsvped"
    return dict(sorted(out.items()))


def _items(key: str, value) -> list:
    if not isinstance(value, list | tuple):
        raise ValidationError(f"{key} must be a list.")
    if len(value) > MAX_ITEMS:
        raise ValidationError(f"{key} may name at most {MAX_ITEMS} items.")
    return list(value)


def _ids(key: str, value) -> list[int]:
    items = _items(key, value)
    # bool is an int in Python; "3" from a form is fine, 3.5 or True is not.
    if not all((type(i) is int or (isinstance(i, str) and i.isdigit())) for i in items):
        raise ValidationError(f"{key} must be a list of ids (whole numbers).")
    ids = sorted({int(i) for i in items})
    if any(i < 1 or i > 2**63 - 1 for i in ids):
        raise ValidationError(f"{key} holds an id out of range.")
    return ids


def _codes(key: str, value) -> list[str]:
    codes = set()
    for item in _items(key, value):
        code = item.strip() if isinstance(item, str) else ""
        code = code.upper() if key == "states" else code
        if not CODE_LISTS[key].fullmatch(code):
            raise ValidationError(f"{key}: {str(item)[:40]!r} is not a valid code.")
        codes.add(code)
    return sorted(codes)


def _choices(key: str, value, allowed: dict) -> list[str]:
    items = _items(key, value)
    bad = [str(i)[:40] for i in items if i not in allowed]
    if bad:
        raise ValidationError(f"{key}: unknown value {bad[0]!r}; allowed: {', '.join(allowed)}.")
    return sorted(set(items))


def _date(key: str, value) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{key} must be a date as YYYY-MM-DD.") from None


def clean_definition(data: dict) -> dict:
    """Check and normalise a definition, and that everything it names exists (clear messages)."""
    definition = normalise(data)
    _must_exist(definition, "chapters", Chapter.objects.all(), "chapter")
    _must_exist(definition, "states", State.objects.all(), "state")
    _must_exist(definition, "counties", County.objects.all(), "county")
    _must_exist(definition, "events", Event.objects.all(), "event")
    tag_ids = sorted({i for key in ("tags_any", "tags_all", "tags_none") for i in definition.get(key, [])})
    _must_exist({"tags": tag_ids}, "tags", Tag.objects.all(), "tag")
    return definition


def _must_exist(definition: dict, key: str, queryset: QuerySet, noun: str) -> None:
    wanted = definition.get(key)
    if not wanted:
        return
    found = {str(pk) for pk in queryset.filter(pk__in=wanted).values_list("pk", flat=True)}
    missing = [str(w) for w in wanted if str(w) not in found]
    if missing:
        raise ValidationError(f"No such {noun}: {', '.join(missing[:5])}.")


def day_start(day: str) -> datetime.datetime:
    """Midnight of a YYYY-MM-DD day in TIME_ZONE, as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time()))


def members_matching(definition: dict, user) -> QuerySet:
    """The members `definition` selects among those `user` may see: one query, evaluated when used.

    The scope comes first and cannot be widened: every filter only narrows
    Member.objects.visible_to(user). Tags and events the user may not see select nobody.
    """
    d = normalise(definition)
    if not user.is_authenticated:
        return Member.objects.none()
    members = Member.objects.visible_to(user)
    conditions = [_place(d), *_simple(d), *_tags(d, user), *_question(d), *_events(d, user)]
    return members.filter(*[c for c in conditions if c is not None])


def _place(d: dict) -> Q | None:
    if d.get("everyone"):
        return None
    parts = []
    if "chapters" in d:
        parts.append(Q(chapter_id__in=d["chapters"]))
    if "states" in d:
        parts.append(Q(state_id__in=d["states"]))
    if d.get("no_chapter"):
        parts.append(Q(chapter__isnull=True))
    return functools.reduce(operator.or_, parts) if parts else None


def _simple(d: dict) -> list[Q]:
    conditions = []
    if "counties" in d:
        conditions.append(Q(county_id__in=d["counties"]))
    if "statuses" in d:
        conditions.append(Q(status__in=d["statuses"]))
    if "joined_after" in d:
        conditions.append(Q(joined_at__gte=day_start(d["joined_after"])))
    if "joined_before" in d:
        next_day = datetime.date.fromisoformat(d["joined_before"]) + datetime.timedelta(days=1)
        conditions.append(Q(joined_at__lt=day_start(next_day.isoformat())))
    conditions += [Q(**{key: d[key]}) for key in SOURCES if key in d]
    conditions += [Q(**{field: True}) for field in d.get("consents", [])]
    return conditions


def _tags(d: dict, user) -> list:
    links = MemberTag.objects.filter(member=OuterRef("pk"))
    if not user.is_national_coordinator:
        # Another chapter's tag is not theirs to select by, even among their own members.
        links = links.filter(tag__in=Tag.objects.visible_to(user))
    conditions = []
    if "tags_any" in d:
        conditions.append(Exists(links.filter(tag_id__in=d["tags_any"])))
    conditions += [Exists(links.filter(tag_id=tag)) for tag in d.get("tags_all", [])]
    if "tags_none" in d:
        conditions.append(~Exists(links.filter(tag_id__in=d["tags_none"])))
    return conditions


def _question(d: dict) -> list:
    answers = Answer.objects.filter(user=OuterRef("user_id"))
    if d.get("question") == "not_answered":
        return [~Exists(answers)]
    if d.get("question") == "answered":
        return [Exists(answers.filter(choice__in=d["answers"]) if "answers" in d else answers)]
    return []


def _events(d: dict, user) -> list:
    if "event_rsvp" not in d:
        return []
    rsvps = RSVP.objects.filter(user=OuterRef("user_id"))
    if d["event_rsvp"] == "attended":
        rsvps = rsvps.filter(attended=True)
    else:
        rsvps = rsvps.filter(Q(status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED]) | Q(attended=True))
    if not user.is_national_coordinator:
        # Another chapter's events are not theirs to select by, even among their own members.
        theirs = Q(occurrence__event__chapter__isnull=True) | Q(
            occurrence__event__chapter__in=Chapter.objects.visible_to(user)
        )
        rsvps = rsvps.filter(theirs)
    if "events" in d:
        rsvps = rsvps.filter(occurrence__event_id__in=d["events"])
    if "events_since" in d:
        rsvps = rsvps.filter(occurrence__date__gte=d["events_since"])
    return [Exists(rsvps)]


def describe(definition: dict) -> str:
    """One line a coordinator reads: "Members of Ohio chapter, joined after 1 May 2026, tagged volunteer"."""
    d = normalise(definition)
    parts = [_describe_place(d)]
    if "counties" in d:
        parts.append("in " + _names(County.objects.filter(pk__in=d["counties"]).select_related(), d["counties"]))
    if "statuses" in d:
        parts.append(" or ".join(CHOICE_LISTS["statuses"][s].split(" (")[0].lower() for s in d["statuses"]))
    for key, words in (("joined_after", "joined on or after"), ("joined_before", "joined on or before")):
        if key in d:
            parts.append(f"{words} {_day(d[key])}")
    parts += [f"{key} “{d[key]}”" for key in SOURCES if key in d]
    if "consents" in d:
        parts.append("agreed to " + " and ".join(CHOICE_LISTS["consents"][c] for c in d["consents"]))
    tag_ids = [i for key in ("tags_any", "tags_all", "tags_none") for i in d.get(key, [])]
    tag_names = dict(Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name")) if tag_ids else {}
    for key, words, joiner in (("tags_any", "tagged", " or "), ("tags_all", "tagged", " and "),
                               ("tags_none", "not tagged", " or ")):  # fmt: skip
        if key in d:
            parts.append(f"{words} " + joiner.join(tag_names.get(i, f"#{i} (deleted)") for i in d[key]))
    if d.get("question") == "not_answered":
        parts.append(QUESTION["not_answered"])
    elif "answers" in d:
        parts.append("answered the question " + " or ".join(f"“{CHOICE_LISTS['answers'][a]}”" for a in d["answers"]))
    elif d.get("question"):
        parts.append(QUESTION["answered"])
    if "event_rsvp" in d:
        titles = _names(Event.objects.filter(pk__in=d["events"]), d["events"]) if "events" in d else "any event"
        since = f" on or after {_day(d['events_since'])}" if "events_since" in d else ""
        parts.append(f"{EVENT_RSVP[d['event_rsvp']]} {titles}{since}")
    return ", ".join(parts)


def _describe_place(d: dict) -> str:
    if d.get("everyone") or not any(k in d for k in ("chapters", "states", "no_chapter")):
        return "All members"
    places = []
    if "chapters" in d:
        places.append(_names(Chapter.objects.filter(pk__in=d["chapters"]), d["chapters"]))
    if "states" in d:
        places.append(_names(State.objects.filter(pk__in=d["states"]), d["states"]))
    if d.get("no_chapter"):
        places.append("no chapter")
    return "Members of " + " or ".join(places)


def _names(queryset: QuerySet, wanted: list) -> str:
    names = sorted(str(obj) for obj in queryset)
    missing = len(wanted) - len(names)
    return ", ".join(names + ([f"{missing} deleted"] if missing > 0 else []))


def _day(iso: str) -> str:
    day = datetime.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


class DefinitionFields:
    """The filters as form fields, offering only what `user` may use; shared by DefinitionForm and
    the segment admin's form. `definition_from` turns cleaned data into a clean definition."""

    @staticmethod
    def fields_for(user) -> dict[str, forms.Field]:
        national = user.is_national_coordinator
        chapters = Chapter.objects.visible_to(user).order_by("name")
        tags = Tag.objects.visible_to(user).select_related("chapter").order_by("name")
        date = forms.DateInput(attrs={"type": "date"})
        several = forms.CheckboxSelectMultiple
        fields: dict[str, forms.Field] = {
            "chapters": forms.ModelMultipleChoiceField(chapters, required=False, widget=several,
                                                       help_text="Members of any of these chapters."),
            "states": forms.ModelMultipleChoiceField(
                State.objects.visible_to(user), required=False, widget=forms.SelectMultiple(attrs={"size": 6}),
                help_text="Or of any of these states (within your chapters, for a chapter coordinator).",
            ),
        }  # fmt: skip
        if national:
            fields["no_chapter"] = forms.BooleanField(required=False, label="Or members without a chapter")
            fields["everyone"] = forms.BooleanField(
                required=False, label="Everyone", help_text="Every member, wherever they are (other places ignored)."
            )
        fields |= {
            "counties": forms.CharField(
                required=False, widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Five-digit county FIPS codes, separated by spaces or commas (e.g. 45079).",
            ),
            "tags_any": forms.ModelMultipleChoiceField(tags, required=False, widget=several, label="Tagged any of"),
            "tags_all": forms.ModelMultipleChoiceField(tags, required=False, widget=several, label="Tagged all of"),
            "tags_none": forms.ModelMultipleChoiceField(tags, required=False, widget=several, label="Tagged none of"),
            "statuses": forms.MultipleChoiceField(choices=Member.Status.choices, required=False, widget=several,
                                                  label="Membership status"),
            "joined_after": forms.DateField(required=False, widget=date, label="Joined on or after"),
            "joined_before": forms.DateField(required=False, widget=date, label="Joined on or before"),
            "ref": forms.CharField(required=False, max_length=SOURCE_MAX_LENGTH, label="Signup ref"),
            "utm_source": forms.CharField(required=False, max_length=SOURCE_MAX_LENGTH),
            "utm_medium": forms.CharField(required=False, max_length=SOURCE_MAX_LENGTH),
            "utm_campaign": forms.CharField(required=False, max_length=SOURCE_MAX_LENGTH),
            "consents": forms.MultipleChoiceField(choices=list(CHOICE_LISTS["consents"].items()), required=False,
                                                  widget=several, label="Agreed to"),
            "question": forms.ChoiceField(choices=[("", "Either"), *QUESTION.items()], required=False,
                                          label="The question"),
            "answers": forms.MultipleChoiceField(choices=Answer.Choice.choices, required=False, widget=several,
                                                 label="Answered", help_text="Only these answers."),
            "event_rsvp": forms.ChoiceField(choices=[("", "Either"), ("rsvped", "RSVP'd"), ("attended", "Attended")],
                                            required=False, label="Events"),
            "events": forms.ModelMultipleChoiceField(
                events_for(user), required=False, widget=forms.SelectMultiple(attrs={"size": 6}),
                help_text="These events only (empty: any event).",
            ),
            "events_since": forms.DateField(required=False, widget=date, label="For a date on or after"),
        }  # fmt: skip
        return fields

    @staticmethod
    def definition_from(cleaned_data: dict, user) -> dict:
        data = {}
        for key, value in cleaned_data.items():
            if key not in KEYS:
                continue
            if isinstance(value, QuerySet):
                value = [obj.pk for obj in value]
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            elif key == "counties":
                value = [c for c in re.split(r"[\s,;]+", value) if c]
            data[key] = value
        definition = clean_definition(data)
        counties = definition.get("counties", [])
        theirs = County.objects.filter(pk__in=counties, state__in=State.objects.visible_to(user))
        outside = sorted(set(counties) - set(theirs.values_list("pk", flat=True)))
        if outside:
            raise ValidationError(f"Not a county of your chapters' states: {', '.join(outside[:5])}.")
        return definition

    @staticmethod
    def initial_from(definition: dict) -> dict:
        """A saved definition as a form's initial values."""
        initial = dict(normalise(definition))
        if "counties" in initial:
            initial["counties"] = " ".join(initial["counties"])
        return initial


def events_for(user) -> QuerySet:
    """The events a user may select members by: national ones and their chapters' (all for national)."""
    events = Event.objects.exclude(status__in=[Event.Status.PROPOSED, Event.Status.DECLINED])
    if not user.is_national_coordinator:
        events = events.filter(Q(chapter__isnull=True) | Q(chapter__in=Chapter.objects.visible_to(user)))
    return events.order_by("-starts_at")


class DefinitionForm(forms.Form):
    """The filters for a plain page or the admin: `cleaned_definition` is the clean dict."""

    def __init__(self, *args, user, definition: dict | None = None, **kwargs) -> None:
        if definition is not None:
            kwargs.setdefault("initial", DefinitionFields.initial_from(definition))
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields.update(DefinitionFields.fields_for(user))

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors:
            try:
                self.cleaned_definition = DefinitionFields.definition_from(cleaned, self.user)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None
        return cleaned
