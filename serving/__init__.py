"""Atelier serving layer: FastAPI app, auth and tenancy, jobs, Ray Serve app builder and CLI.

Importing this package is cheap: no torch, transformers, diffusers, vllm or ray is imported here.
"""

__version__ = "0.1.0"
