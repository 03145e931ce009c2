"""What events tell higher apps (webhooks), which events may not import.

`attendance_recorded` is sent, inside the transaction that records it, when a host marks someone
as having come, or adds a walk-in.
"""

from django.dispatch import Signal

attendance_recorded = Signal()  # rsvp=
