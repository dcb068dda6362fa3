"""Exports of brand-approved creative: platform renditions, a manifest and an ``asset.exported`` event."""
