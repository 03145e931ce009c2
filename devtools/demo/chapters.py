"""Demo details for the chapters created by devtools.demo: questions and a weekly call.

Idempotent, like the rest of the demo data. Social pages and their reach are in devtools.demo.
"""

import datetime

from chapters.models import Chapter

QUESTIONS = {
    "south-carolina": "Would you really mind if California left?",
    "red-new-york": "Would you be upset if California left the Union?",
    "wyoming": "Would you really mind if California left?",
    "indiana": "Would you really mind if California left?",
    "arizona": "Would Arizonans really mind if California left?",
    "red-oregon": "Would eastern Oregon mind if California left?",
}


def load_demo_chapter_details() -> None:
    for slug, question in QUESTIONS.items():
        Chapter.objects.filter(slug=slug, question="").update(question=question)
    Chapter.objects.filter(slug="south-carolina", call_weekday__isnull=True).update(
        call_weekday=Chapter.Weekday.THURSDAY, call_time=datetime.time(19, 0), call_timezone="America/New_York"
    )
