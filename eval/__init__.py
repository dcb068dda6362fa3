"""Benchmarks and evaluations: `atelier bench NAME --json`, `atelier eval NAME --json`.

Each prints a table and, last, one JSON line ``{"name", "metrics": {...}, ...}`` that is also
written to ``eval/results/NAME.json``.
"""
