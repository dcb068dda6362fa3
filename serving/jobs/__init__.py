"""Persisted, idempotent, resumable jobs with progress events."""
