"""Administration (admins only): user accounts, units, the working-day calendar's official
overrides, and the audit log of every recorded change."""
