"""Calendar feeds: secret, revocable iCal addresses of a unit's or a user's deadlines
(``addresses``) and the iCalendar document each serves (``ics``)."""
