"""The ``atelier`` command line."""
