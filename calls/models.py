"""The weekly calls are events now (events/calls.py); this app keeps only its migrations'
history: CallAttendance's rows became events' RSVPs (events 0002, calls 0002)."""
