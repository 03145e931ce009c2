"""anymail's tracking webhooks, under /anymail/<provider>/tracking/ (README, "Mail providers").

Only the tracking webhooks (bounces, complaints, unsubscribes): broadcasts take no inbound mail.
A provider whose webhook needs a key or a package the deployment lacks (Mailgun's signing key,
boto3 for Amazon SES) is left out until it is set up: its view could only fail.
"""

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError, AnymailImproperlyInstalled

app_name = "anymail"
# Sendinblue is Brevo's old name; anymail has dropped SendGrid (anymail issue 432).
DROPPED = {"sendinblue_tracking_webhook", "sendgrid_tracking_webhook"}


def ready(pattern) -> bool:
    view = pattern.callback
    try:
        view.view_class(**view.view_initkwargs)
    except (AnymailConfigurationError, AnymailImproperlyInstalled):
        return False
    return True


urlpatterns = [
    p for p in anymail_urls.urlpatterns if p.name.endswith("tracking_webhook") and p.name not in DROPPED and ready(p)
]
