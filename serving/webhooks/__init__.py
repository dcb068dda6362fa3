"""Signed webhooks delivered from the event outbox: subscriptions, fan-out, dispatch, log, replay."""
