"""The compliance hot path compiled to C with mypyc, used only when it was built from these very sources.

``make setup`` runs :func:`main`, which compiles :data:`MODULES` (the checker, the engine, its compiled
rules and regex rewrites, normalisation, the literal search, the n-gram classifier and the taxonomy) into
``.native/`` at the checkout's root, with a fingerprint of the package's sources and toolchain beside them. On
import the package puts that directory first on its ``__path__``, so the compiled modules load instead of
the ``.py`` ones, but only when the fingerprint still matches: a source edited since the build loads as
Python, never stale.
Without a compiler, or with ``ATELIER_NATIVE=0``, everything runs as plain Python with the same answers.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

MODULES = ("checker", "engine", "compiled", "factor", "literals", "normalize", "classifier", "taxonomy")
"""The modules compiled, by name in the package (all or none load compiled)."""
PACKAGE_DIR = Path(__file__).resolve().parent
BUILD_DIR = PACKAGE_DIR.parent / ".native"
"""Where compiled modules go: ``.native/compliance_rules/*.so`` (ignored by git)."""
STAMP = BUILD_DIR / "compliance_rules" / "SOURCES"
FAILED = BUILD_DIR / "FAILED"
"""The fingerprint of sources that could not be compiled here: not tried again until they change."""
GROUP = "compliance_rules.native_lib"
"""mypyc's shared library for the group, inside the package so no top-level name is taken."""


def fingerprint() -> str:
    """What the build depends on: every source of the package (the compiled modules and the ones they
    import, whose classes and constants mypyc builds against), this Python and mypy's version."""
    digest = hashlib.sha256(sys.version.encode())
    digest.update(" ".join(MODULES).encode())
    for source in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(source.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(source.read_bytes())
    try:
        from importlib.metadata import version

        digest.update(version("mypy").encode())
    except Exception:  # noqa: BLE001 - no mypy: no build either, the fingerprint only has to differ
        digest.update(b"no-mypy")
    return digest.hexdigest()


def built() -> bool:
    """Whether ``.native`` holds a build of the current sources."""
    try:
        return STAMP.read_text(encoding="utf-8").strip() == fingerprint()
    except OSError:
        return False


def wanted() -> bool:
    """Compiled modules are used unless ``ATELIER_NATIVE`` is ``0``."""
    return os.environ.get("ATELIER_NATIVE", "1") != "0"


def activate(package_path: list[str]) -> bool:
    """Put the build first on the package's ``__path__`` when it is current and wanted; True if so."""
    if not wanted() or not built():
        return False
    package_path.insert(0, str(BUILD_DIR / "compliance_rules"))
    return True


def active() -> bool:
    """Whether the engine running in this process is the compiled one."""
    engine = sys.modules.get("compliance_rules.engine")
    return engine is not None and not str(getattr(engine, "__file__", "")).endswith(".py")


def build() -> None:
    """Compile :data:`MODULES` into ``.native`` (about half a minute on two cores) and stamp the build.

    Works from a checkout (mypy reads its ``pyproject.toml``) and from an installed package (a container
    image runs this after ``pip install .``); generated C, objects and mypy's cache go to a temporary
    directory, and the previous build is removed first, so no module compiled before can outlive it."""
    import shutil
    import tempfile

    from mypyc.build import mypycify
    from setuptools import setup

    root = PACKAGE_DIR.parent
    stamp = fingerprint()
    shutil.rmtree(BUILD_DIR, ignore_errors=True)  # a half-finished build is never taken for a good one
    previous = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="atelier-native-") as scratch:
        os.chdir(root)  # mypyc names modules by their path from the working directory
        try:
            extensions = mypycify(
                [
                    "--ignore-missing-imports",  # untyped libraries (pyahocorasick, opencc) are Any
                    f"--cache-dir={scratch}/mypy",
                    *(f"compliance_rules/{name}.py" for name in MODULES),
                ],
                group_name=GROUP,
                opt_level="3",
                target_dir=f"{scratch}/c",
            )
            setup(
                name="atelier-compliance-native",
                ext_modules=extensions,
                script_args=[
                    "-q",
                    "build_ext",
                    "--build-lib",
                    str(BUILD_DIR),
                    "--build-temp",
                    f"{scratch}/obj",
                    "--parallel",
                    str(os.cpu_count() or 1),
                ],
            )
        finally:
            os.chdir(previous)
    STAMP.write_text(stamp + "\n", encoding="utf-8")


def main() -> int:
    """Build unless the current sources are built already, or failed to build here before (``make setup``
    runs this; ``ATELIER_NATIVE_RETRY=1`` tries a failed build again, e.g. after installing a compiler)."""
    if built():
        print("native: compliance engine already compiled for these sources")
        return 0
    stamp = fingerprint()
    if os.environ.get("ATELIER_NATIVE_RETRY") != "1" and _failed_before(stamp):
        print("native: these sources did not compile here before; the engine runs as Python", file=sys.stderr)
        return 0
    try:
        build()
    except (Exception, SystemExit) as error:  # noqa: BLE001 - setuptools reports a failed compile by exiting
        warning = f"native: WARNING could not compile the compliance engine ({error}); it runs as Python"
        print(warning, file=sys.stderr)
        BUILD_DIR.mkdir(parents=True, exist_ok=True)
        FAILED.write_text(stamp + "\n", encoding="utf-8")
        return 0
    print(f"native: compiled {', '.join(MODULES)} into {BUILD_DIR}")
    return 0


def _failed_before(stamp: str) -> bool:
    try:
        return FAILED.read_text(encoding="utf-8").strip() == stamp
    except OSError:
        return False


if __name__ == "__main__":  # python compliance_rules/native.py
    raise SystemExit(main())
