"""The <head> of every page: absolute URLs for the canonical link and a shared link's preview."""

from django import template
from django.core.exceptions import DisallowedHost
from django.templatetags.static import static

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute_url(context: template.Context, path: str) -> str:
    """Link previews and search engines need the full address, not a path.

    The path alone where there is no trustworthy host: error pages rendered without a request
    (500, 503), and the 400 page answering a request whose Host is not an allowed one.
    """
    request = context.get("request")
    if request is None:
        return path
    try:
        return request.build_absolute_uri(path)
    except DisallowedHost:
        return path


@register.simple_tag(takes_context=True)
def absolute_static(context: template.Context, path: str) -> str:
    return absolute_url(context, static(path))
