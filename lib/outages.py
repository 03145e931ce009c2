"""What a lost database connection looks like: the errors the outage handling answers with 503."""

import psycopg
from django.db import InterfaceError, OperationalError

# Django wraps the driver's errors in its own, except where it calls the driver outside its
# wrapper: closing a server-side cursor (QuerySet.iterator(), a ModelChoiceField's options)
# on a connection PostgreSQL dropped raises psycopg's own OperationalError (found by make soak).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
