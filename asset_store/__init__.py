"""Atelier asset store: SQL metadata foundation today; object store and git-like repository next.

Layer rule: this package stores and indexes but runs no models, and imports nothing from
``serving``.
"""
