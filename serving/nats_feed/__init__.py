"""The outbox as a NATS JetStream feed, for systems that prefer a bus to webhooks (off by default).

Subjects: every outbox event is published once to ``<prefix>.<brand>.<type>`` in the stream
``nats.stream`` (default ``ATELIER``), which this service creates, or updates, to capture ``<prefix>.>``:

- ``<prefix>``: ``nats.subject_prefix`` (default ``atelier``; may itself hold dots, e.g. ``acme.atelier``);
- ``<brand>``: the event's ``brand_id``, or ``global`` for an event of no brand;
- ``<type>``: the event type; its dots stay token separators (``review.brand_approved`` → two tokens).

So ``atelier.brd_01H….review.brand_approved``, and a consumer filters with NATS wildcards:
``atelier.brd_01H….>`` (one brand), ``atelier.*.review.>`` (reviews of every brand), ``atelier.global.>``.
A character NATS forbids or frowns on in a token (anything outside ``A-Z a-z 0-9 _ -``: spaces, ``*``,
``>``, ``$``, non-ASCII) becomes ``_``, and an empty token becomes ``_``; the body keeps the exact values.

Messages: the body is the JSON envelope the webhooks POST (``serving.events.envelope``); headers are
``Nats-Msg-Id`` = the event id (JetStream drops a second copy within ``duplicate_window_seconds``),
``Atelier-Event-Type`` and ``Content-Type``.

Delivery is at least once, in outbox order: one process at a time holds the feed's lease and publishes
the oldest unpublished events (``outbox_events.published_at`` NULL) in id order, then marks them. A crash
between the two republishes them, and JetStream's dedupe by ``Nats-Msg-Id`` absorbs the copies as long as
the duplicate window outlasts the lease (the settings check it). While NATS is unreachable nothing is
marked; the publisher retries with backoff and catches up in order when NATS is back. An event whose
transaction commits after a later event was published is published late, never skipped.
"""
