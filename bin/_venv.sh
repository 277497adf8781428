# Sourced by bin/run and bin/test: make .venv and install the project from the hashed lock
# (requirements/runtime.txt, or requirements/test.txt with EXTRAS=test) when the lock changed.
# bin/lock regenerates the lock from setup.cfg.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON_BIN=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PYTHON_BIN"
  "$PYTHON_BIN" -m venv .venv
fi
case "${EXTRAS:-}" in
  "") lock=requirements/runtime.txt ;;
  test) lock=requirements/test.txt ;;
  *) echo "!! no lock for extras '$EXTRAS'" >&2; exit 1 ;;
esac
runtime_digest="$(sha256sum setup.cfg pyproject.toml requirements/runtime.txt | sha256sum | cut -c1-16)"
digest="$(sha256sum setup.cfg pyproject.toml "$lock" | sha256sum | cut -c1-16)"
want="$digest-${EXTRAS:-none}"
have="$(cat .venv/.evosync-installed 2>/dev/null || true)"
# An install with the test extras also serves bin/run (its lock pins the same runtime versions).
if [ "$want" != "$have" ] && ! { [ -z "${EXTRAS:-}" ] && [ "$(cat .venv/.evosync-runtime 2>/dev/null)" = "$runtime_digest" ]; }; then
  echo "==> installing EvoSync${EXTRAS:+ with [$EXTRAS]} into .venv from $lock"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r "$lock"
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
  echo "$want" > .venv/.evosync-installed
  echo "$runtime_digest" > .venv/.evosync-runtime
fi
