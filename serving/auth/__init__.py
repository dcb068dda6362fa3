"""Authentication (API keys, sessions) and authorization (roles, grants, scoping)."""
