"""The outbox: every e-mail is a row, written with the change that caused it and sent later.

- `queue.py`: render a message and queue it; find an agency's recipients in the database.
- `recipients.py`: the one recipient rule (pure): who of an agency receives a kind of mail.
- `links.py`: absolute links for mails, on TRACKER_BASE_URL, never from a request.
- `composers.py`: who writes a kind of message at send time (the digest: notify/digest.py).
- `claims.py`: a sender claims a batch, so any number of senders may run at once.
- `sender.py`: drain the outbox over SMTP, with timeouts, retries and back-off.

A web request only queues: the worker (the scheduler, `flask reminders send`) sends.
"""
