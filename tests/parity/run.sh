#!/usr/bin/env bash
# Parity suite: ocrvl against the official PaddleX / Paddle code, on random inputs and random weights.
#
# The official side runs in its own venv (.venv-parity: paddlepaddle + paddlex, never a dependency of ocrvl;
# paddlex pins numpy < 2.4, which ocrvl's venv does not have), writes its outputs to a work folder, and ocrvl's
# venv (.venv) compares them with its own and prints one agreement table.
#
# Exit codes: 0 all pieces agree within their tolerances, or the official side cannot be installed here
# (prints "skipped: <reason>"); 1 a piece disagrees; 2 the harness itself failed.
#
# Environment: OCRVL_PARITY_VENV (default <repo>/.venv-parity), OCRVL_PYTHON (default <repo>/.venv/bin/python),
# OCRVL_PARITY_WORK (default a temporary folder, removed afterwards), OCRVL_PARITY_ONLY (comma-separated pieces).
set -uo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${OCRVL_PARITY_VENV:-$REPO/.venv-parity}"
OCRVL_PYTHON="${OCRVL_PYTHON:-$REPO/.venv/bin/python}"
PADDLE_VERSION="3.3.1"
PADDLEX_VERSION="3.7.2"
# What PaddleX's PaddleOCR-VL code needs beyond its base requirements, without its heavy optional extras.
EXTRAS=("opencv-python-headless" "Jinja2" "sentencepiece" "einops" "shapely")

skip() {
    echo "skipped: $1"
    exit 0
}

if [[ ! -x "$OCRVL_PYTHON" ]]; then
    echo "parity: ocrvl's python $OCRVL_PYTHON is missing (install ocrvl first, see README)" >&2
    exit 2
fi

installed_versions() {
    "$VENV/bin/python" - <<'EOF' 2>/dev/null
from importlib.metadata import version
import cv2, einops, jinja2, sentencepiece, shapely  # noqa: the extras PaddleX's PaddleOCR-VL code needs
print(version("paddlepaddle"), version("paddlex"))
EOF
}

if [[ "$(installed_versions)" != "$PADDLE_VERSION $PADDLEX_VERSION" ]]; then
    started=$SECONDS
    echo "parity: installing paddlepaddle==$PADDLE_VERSION and paddlex==$PADDLEX_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV" || skip "cannot create the venv $VENV"
    log="$VENV/install.log"
    if ! "$VENV/bin/pip" install --quiet "paddlepaddle==$PADDLE_VERSION" "paddlex==$PADDLEX_VERSION" "${EXTRAS[@]}" \
        >"$log" 2>&1; then
        reason="$(grep -m1 -E 'ERROR: (No matching distribution|Could not find a version)' "$log")"
        skip "pip cannot install paddlepaddle==$PADDLE_VERSION / paddlex==$PADDLEX_VERSION here (${reason:-see $log})"
    fi
    echo "parity: installed in $((SECONDS - started)) s"
fi

"$VENV/bin/python" -c "import paddle, paddlex" >/dev/null 2>&1 || skip "paddle or paddlex does not import in $VENV"

export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
cd "$REPO" && exec "$OCRVL_PYTHON" -m tests.parity.compare --official-python "$VENV/bin/python" "$@"
