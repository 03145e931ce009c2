"""Logging for the project: an outage is logged as one line, not as a traceback."""

import logging

from lib.outages import DATABASE_UNAVAILABLE


class DatabaseOutageFilter(logging.Filter):
    """Keeps the "Service Unavailable: /path" line of a request that lost the database, without its traceback.

    Such a request is answered with the 503 page and Retry-After (public.views.server_error);
    when the database goes away under middleware (a session saved on the way out), Django logs
    the error with its traceback before handler500 answers. An outage is expected and handled:
    tracebacks stay for errors that are not.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, DATABASE_UNAVAILABLE):
            record.msg = f"{record.msg} (database unavailable: %s)"
            record.args = (
                *record.args,
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
            )
            record.exc_info = None
            record.exc_text = None
        return True
