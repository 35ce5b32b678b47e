"""Administration (admins only): users, units, the working-day calendar, reorganisations and
the audit log, each page in a module and blueprint of its own; ``home`` leads to the first,
``guard`` holds what they share (the admins-only check, the acting admin)."""
