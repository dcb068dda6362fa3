"""Imported only by the registry test, to prove resolution is lazy."""


class Target:
    pass
