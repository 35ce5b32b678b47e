"""Tasks: coordinators create, edit, close and reopen them (``editing``), give them to units
one by one or by whole groups (``assigning``); everyone reads the list and one task's
standing (``listing``)."""
