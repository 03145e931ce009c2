from allauth.core import ratelimit
from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import get_random_string
from django.views.decorators.http import require_POST

from chapters.models import Chapter, State
from question.forms import AnswerForm
from question.models import Answer, answer_bars

VISITOR_COOKIE = "coalition_visitor"
VISITOR_SALT = "coalition.question.visitor"


def visitor_token(request: HttpRequest) -> str | None:
    raw = request.COOKIES.get(VISITOR_COOKIE)
    if not raw:
        return None
    try:
        return signing.loads(raw, salt=VISITOR_SALT)
    except signing.BadSignature:
        return None


def existing_answer(request: HttpRequest) -> Answer | None:
    if request.user.is_authenticated:
        return Answer.objects.filter(user=request.user).first()
    token = visitor_token(request)
    return Answer.objects.filter(visitor=token).first() if token else None


# Rendered for each visitor, never from a shared copy: its form's CSRF token is theirs alone.
def question(request: HttpRequest) -> HttpResponse:
    answer = existing_answer(request)
    form = AnswerForm(
        initial={"state": answer.state_id if answer else None, "choice": answer.choice if answer else None}
    )
    return render(request, "question/question.html", question_context(form, answer))


def question_context(form: AnswerForm, answer: Answer | None) -> dict:
    results = Answer.objects.results()
    phrasings = (
        Chapter.objects.exclude(question="").exclude(status=Chapter.Status.DORMANT).select_related("state")
        .only("name", "slug", "question", "state__name").order_by("state__name", "name")
    )  # fmt: skip
    states = {s.code: s.name for s in State.objects.all()}
    state_rows = sorted(
        (
            {"code": code, "name": states.get(code, code), **answer_bars(counts)}
            for code, counts in results["states"].items()
        ),
        key=lambda row: (-row["total"], row["name"]),
    )
    return {
        "form": form,
        "answer": answer,
        "national": answer_bars(results["national"]),
        "state_rows": state_rows,
        "phrasings": phrasings,
    }


@require_POST
def question_answer(request: HttpRequest) -> HttpResponse:
    form = AnswerForm(request.POST)
    answer = existing_answer(request)
    if not form.is_valid():
        return render(request, "question/question.html", question_context(form, answer), status=400)
    if not ratelimit.consume(request, action="answer_question"):
        form.add_error(None, "Too many answers from your network just now. Please try again in an hour.")
        return render(request, "question/question.html", question_context(form, answer), status=429)

    new_token = None
    if answer is None:
        answer = Answer(choice=form.cleaned_data["choice"], state=form.cleaned_data["state"])
        if request.user.is_authenticated:
            answer.user = request.user
        else:
            new_token = get_random_string(32)
            answer.visitor = new_token
        try:
            with transaction.atomic():
                answer.save()
        except IntegrityError:  # the same person answered twice at once: keep the first
            messages.info(request, "We already have your answer.")
            return redirect("question:question")
        messages.success(request, "Thank you: your answer is counted.")
    else:
        answer.choice = form.cleaned_data["choice"]
        answer.state = form.cleaned_data["state"] or answer.state
        answer.save(update_fields=["choice", "state", "updated_at"])
        messages.success(request, "Your answer is updated: each person counts once.")
    response = redirect("question:question")
    if new_token:
        response.set_cookie(
            VISITOR_COOKIE,
            signing.dumps(new_token, salt=VISITOR_SALT),
            max_age=60 * 60 * 24 * 365 * 2,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
