"""Model backends and media pipelines. Each is pure: typed request in, typed result out.

Nothing here knows about the web, the database or Ray; heavy libraries load lazily.
"""
