"""Compliance rule packs (PRC Advertising Law, industries, platforms, brand VI) and the engine that
applies them. Rule packs are data (YAML validated by pydantic); the engine may use ``pipelines`` for
OCR and vision, and nothing above it.
"""
