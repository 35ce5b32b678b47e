"""Telling people when things happen: in-app notifications and the emails that carry them.

- ``kinds``: what can be told, to whom, and how by default;
- ``recording``: ``notify`` writes the notifications of a change, in the caller's
  transaction, set-based;
- ``preferences``: each user's choice per kind (immediately, in the daily digest, off);
- ``centre``: the notification centre's reads and writes (bell count, list, mark read);
- ``items``: pending notifications loaded as the items emails list;
- ``emails``: the coalesced email (``flush_due``), the daily digest's items
  (``digest_items``, ``mark_emailed``, ``daily_letters``);
- ``pruning``: old notifications removed (``prune``).
"""
