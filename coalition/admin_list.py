"""The admin changelist's rows, rendered as Django's `items_for_result` renders them, but cheaper.

Django's admin works every row out from scratch: each cell looks its field up by name, the
action checkbox is a form widget rendered through a template, the link to the change page is
`reverse()`d and then resolved again to carry the changelist's filters, and every cell is a
separate `format_html` and a separate step of the template's loop. At a hundred rows a page
that is most of the changelist's time.

`fast_results` does the per-column work once per page (which field, which classes, the change
URL around the primary key, the preserved filters) and then writes each row as one string, the
same HTML as Django's. Anything it does not know (list_editable forms, a custom
`url_for_result`, fields it has no plan for) goes to Django's own code.
"""

import contextlib
import datetime
from urllib.parse import quote as url_quote

from django.contrib.admin import ModelAdmin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_list import ResultList, _coerce_field_name, items_for_result
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field, quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import conditional_escape, escape
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

PK_SENTINEL = "0FASTPK0"


class _Column:
    """What items_for_result works out for one column on every row, worked out once."""

    def __init__(self, cl, field_name, field_index: int, link: bool, tag: str) -> None:
        self.name = field_name
        self.index = field_index
        self.css = f"field-{_coerce_field_name(field_name, field_index)}"
        self.link = link
        self.tag = tag  # "th" for the first linked column, as Django writes it
        self.field = None
        self.fk = False
        # ModelAdmin's own checkbox (not an override of it) is written directly, as its widget writes it.
        self.checkbox = (
            field_name == "action_checkbox" and type(cl.model_admin).action_checkbox is ModelAdmin.action_checkbox
        )
        if isinstance(field_name, str) and not self.checkbox:
            try:
                field = cl.lookup_opts.get_field(field_name)
            except FieldDoesNotExist:
                field = None
            # Planned: plain columns and foreign keys by their name. Anything else goes through
            # lookup_field on each row, as in Django.
            if field is not None and not field.auto_created and field.concrete:
                if not field.is_relation:
                    self.field = field
                elif field.many_to_one and field.related_model and field.attname != field_name:
                    self.field, self.fk = field, True
        if isinstance(self.field, (models.DateField, models.TimeField, models.ForeignKey)):
            self.css += " nowrap"
        # display_for_field's two costly cases, with their lookups done once per page.
        self.choices = self.datetime_format = None
        if self.field is not None and not self.fk:
            if getattr(self.field, "flatchoices", None):
                with contextlib.suppress(TypeError):  # unhashable choices: display_for_field's own way
                    self.choices = {key: conditional_escape(label) for key, label in self.field.flatchoices}
            elif isinstance(self.field, models.DateTimeField):
                self.datetime_format = get_format("DATETIME_FORMAT")


def fast_results(cl: ChangeList):
    """Django's `results(cl)`, with each row as a single pre-rendered item."""
    if cl.formset or type(cl).url_for_result is not ChangeList.url_for_result:
        yield from (ResultList(None, items_for_result(cl, res, None)) for res in cl.result_list)
        return
    model_admin = cl.model_admin
    empty = model_admin.get_empty_value_display()
    links = cl.list_display_links
    columns = []
    first = True
    for index, name in enumerate(cl.list_display):
        link = links is not None and ((first and not links) or name in links)
        columns.append(_Column(cl, name, index, link, "th" if link and first else "td"))
        if link:
            first = False
    try:
        url = reverse(
            f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change",
            args=(PK_SENTINEL,),
            current_app=model_admin.admin_site.name,
        )
    except NoReverseMatch:
        url_parts = None
    else:
        url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
        url_parts = url.split(PK_SENTINEL)
        if len(url_parts) != 2:
            url_parts = None
    pk_attname = cl.lookup_opts.pk.attname
    label = gettext("Select this object for an action - {}")
    for result in cl.result_list:
        cells = "".join(_cell(cl, column, result, empty, label, url_parts, pk_attname) for column in columns)
        yield ResultList(None, [mark_safe(cells)])


def _cell(cl, column, result, empty, label, url_parts, pk_attname) -> str:
    css = column.css
    field = column.field
    if column.checkbox:
        pk = escape(str(result.pk))
        aria = label.format(conditional_escape(str(result)))
        return (
            f'<td class="action-checkbox"><input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{pk}"'
            f' class="action-select" aria-label="{aria}"></td>'
        )
    if field is not None:
        value = getattr(result, field.name)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if column.fk:
            shown = empty if value is None else value
        elif column.choices is not None:
            shown = column.choices.get(value, empty)
        elif column.datetime_format is not None:
            shown = (
                empty
                if value in field.empty_values
                else dateformat.format(timezone.template_localtime(value), column.datetime_format)
            )
        else:
            shown = display_for_field(value, field, empty, avoid_link=column.link)
    else:
        empty_here = empty
        try:
            f, attr, value = lookup_field(column.name, result, cl.model_admin)
        except ObjectDoesNotExist:
            shown = empty
        else:
            empty_here = getattr(attr, "empty_value_display", empty)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if f is not None:
                # A field lookup_field found that the plan did not (e.g. "related__field"): Django's own way.
                return _django_cell(cl, result, column)
            if column.name == "action_checkbox":
                css = "action-checkbox"
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            shown = display_for_value(value, empty_here, boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                css += " nowrap"
    shown = conditional_escape(shown)
    if not column.link:
        return f'<td class="{css}">{shown}</td>'
    tag = column.tag
    if url_parts is None:
        return f'<{tag} class="{css}">{shown}</{tag}>'
    # As reverse() writes the argument into the URL.
    pk = url_quote(str(quote(getattr(result, pk_attname))), safe=RFC3986_SUBDELIMS + "/~:@")
    url = escape(url_parts[0] + pk + url_parts[1])
    popup = ""
    if cl.is_popup:
        value = result.serializable_value(str(cl.to_field) if cl.to_field else pk_attname)
        popup = f' data-popup-opener="{conditional_escape(value)}"'
    return f'<{tag} class="{css}"><a href="{url}"{popup}>{shown}</a></{tag}>'


def _django_cell(cl, result, column) -> str:
    return list(items_for_result(cl, result, None))[column.index]


def fast_result_list(cl: ChangeList) -> dict:
    """The context of Django's `result_list` inclusion tag, with `fast_results` for the rows."""
    from django.contrib.admin.templatetags.admin_list import result_headers, result_hidden_fields

    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(fast_results(cl)),
    }
