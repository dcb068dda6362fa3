#!/usr/bin/env bash
# Install whatever is missing for Atelier, then return quickly when nothing is:
#   1. Debian packages from requirements/apt.txt (needs root or sudo; skipped with a warning otherwise)
#   2. the pinned Python environment (requirements/lock.txt), built once per lock hash in a cache
#      dir and linked as .venv, so repeat runs and fresh clones on the same machine take seconds
#   3. the project itself, editable, pointing at this checkout
#   4. the web studio bundle (npm ci + vite build), when web/ changed
#   5. the compliance engine compiled to C (mypyc, into .native/), when its sources changed
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

python_bin="${ATELIER_PYTHON:-}"
if [ -z "$python_bin" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      python_bin="$(command -v "$candidate")"; break
    fi
  done
fi
[ -n "$python_bin" ] || { echo "bootstrap: Python 3.11 is required (set ATELIER_PYTHON)" >&2; exit 1; }

# 1. Debian packages
missing=()
while read -r pkg; do
  [ -z "$pkg" ] || [ "${pkg#\#}" != "$pkg" ] && continue
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done < requirements/apt.txt
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo -n"
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  if ! { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/atelier-apt.log 2>&1; then
    echo "bootstrap: WARNING could not install ${missing[*]} (see /tmp/atelier-apt.log); features needing them will say so" >&2
  fi
fi

# 2. Python environment, cached by the hash of the pins
lock_hash="$(cat requirements/lock.txt | sha256sum | cut -c1-16)"
cache_root="${ATELIER_VENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/atelier/venvs}"
venv="$cache_root/py311-$lock_hash"
mkdir -p "$cache_root"
(
  flock 9
  if [ ! -f "$venv/.complete" ]; then
    echo "bootstrap: building Python environment $venv (first time for these pins)"
    rm -rf "$venv"
    "$python_bin" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip setuptools wheel
    "$venv/bin/python" -m pip install -q -r requirements/lock.txt 2>&1 | grep -v "^WARNING: Location" || true
    "$venv/bin/python" -c "import fastapi, ray.serve, sqlalchemy, alembic"  # fail here if the install did
    touch "$venv/.complete"
  fi
) 9>"$cache_root/.lock"

if [ -e .venv ] && [ ! -L .venv ]; then rm -rf .venv; fi
ln -sfn "$venv" .venv

# 3. The project, editable, from this checkout
if [ ! -x .venv/bin/atelier ] || ! .venv/bin/python -I - "$root" <<'PY' >/dev/null 2>&1
import pathlib, sys
import serving
sys.exit(0 if pathlib.Path(serving.__file__).resolve().parents[1] == pathlib.Path(sys.argv[1]) else 1)
PY
then
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
fi
# 4. The web studio (web/dist), rebuilt only when its sources change
scripts/build_web.sh
# 5. The compliance hot path compiled with mypyc (.native/), rebuilt only when its sources change; without
#    a C compiler it warns and the engine runs as plain Python with the same answers
.venv/bin/python -c 'from compliance_rules.native import main; raise SystemExit(main())'

echo "bootstrap: ready ($(.venv/bin/python --version), venv $venv)"
