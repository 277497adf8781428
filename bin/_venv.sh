# Sourced by bin/run and bin/test: make .venv and install the project (with EXTRAS) when setup.cfg changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON_BIN=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PYTHON_BIN"
  "$PYTHON_BIN" -m venv .venv
fi
digest="$(sha256sum setup.cfg pyproject.toml | sha256sum | cut -c1-16)"
want="$digest-${EXTRAS:-none}"
have="$(cat .venv/.evosync-installed 2>/dev/null || true)"
# An install with the test extras also serves bin/run (which needs no extras): don't reinstall for it.
if [ "$want" != "$have" ] && ! { [ -z "${EXTRAS:-}" ] && [ "${have%%-*}" = "$digest" ]; }; then
  echo "==> installing EvoSync${EXTRAS:+ with [$EXTRAS]} into .venv"
  # The build backend's warnings would fill the first start's screen: keep them in a log, shown on failure.
  log=.venv/install.log
  if ! { .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip &&
         .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${EXTRAS:+[$EXTRAS]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "==> installing failed (log above, also in $log)" >&2
    exit 1
  fi
  echo "$want" > .venv/.evosync-installed
fi
