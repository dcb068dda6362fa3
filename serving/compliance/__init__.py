"""The compliance check door: POST /v1/compliance/check and its CLI twin."""
