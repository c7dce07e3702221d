"""Webhooks: an admin subscribes a URL to events; each event becomes a signed POST.

- `events.py`: record an event as one delivery row per interested subscription, in the
  transaction of the change (the items' services and the reminder planning call it).
- `targets.py`: SSRF: a target resolving to a loopback or private address is refused
  unless the admin allowed it; checked on subscribing and before every delivery.
- `sender.py`: POST the due deliveries (claimed as the outbox's rows are), signed with
  HMAC-SHA256, retried with back-off; the answer is logged on the delivery.
- `service.py`: the subscriptions and the delivery log, for the admin pages.
"""
