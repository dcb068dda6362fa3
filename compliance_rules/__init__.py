"""Atelier compliance: rule packs as data (ad law, industries, platforms, brand VI) and the engine that
applies them to copy, images and video. Deterministic and explainable: every finding names its rule, its
legal basis, where it is in the original text, and a compliant rewrite when one is known."""

from compliance_rules.native import activate as _activate_native

_activate_native(__path__)
