"""What happens to people, announced for the apps above members (webhooks) without upward imports.

Each is sent inside the transaction of the change, with `member=` the Member: a receiver that
writes (a queued delivery) commits or rolls back with the change itself.
"""

from django.dispatch import Signal

# A membership began: an email address verified, a person added through the API or an import.
person_joined = Signal()
# A roster import added people to `chapter=`: those it created have joined_at == `at=` (one
# signal for the whole file, so that a 100,000-row import is not 100,000 signals).
people_imported = Signal()
# Their details changed (name, phone, consents, place) through the profile, the admin or the API.
person_updated = Signal()
# They left the coalition (or deleted their account while a member).
person_left = Signal()
