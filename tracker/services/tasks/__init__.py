"""Tasks: coordinators create, edit, close and reopen them (``editing``), give them to units
one by one or by whole groups (``assigning``) and take them back from units that have not
started (``removing``), with the pages around those forms (``form_pages``); everyone reads
the list and one task's page (``listing``)."""
