from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from webhooks.models import Receiver
from webhooks.receiving import BadPayload, creator_still_coordinates, parse, receive

MAX_BODY = 1_000_000


@csrf_exempt  # Action Network holds no session; the secret URL is the credential
@require_POST
def action_network(request: HttpRequest, token: str) -> JsonResponse:
    """Answer 200 once the items are handled (refused people included: sending again cannot change them)."""
    receiver = get_object_or_404(Receiver.objects.select_related("chapter", "created_by"), token=token)
    if not creator_still_coordinates(receiver):
        return JsonResponse({"error": "This URL's creator no longer coordinates the chapter; make a new URL."},
                            status=403)  # fmt: skip
    if len(request.body) > MAX_BODY:
        return JsonResponse({"error": "The body is larger than 1 MB."}, status=413)
    try:
        items = parse(request.body)
    except BadPayload as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse(receive(receiver, items).as_json())
