# Sourced by scripts/serve and scripts/test: make sure .venv exists and is up to date.
# Usage: ensure_venv [extra]   (extra: "test" installs the test dependencies too)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "tracker needs Python 3.11 or newer" >&2
    return 1
}

ensure_venv() {
    local extra="${1:-}"
    if [[ ! -x "$VENV/bin/python" ]]; then
        echo "Creating $VENV ..."
        "$(find_python)" -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
    fi
    # Reinstall only when the project's metadata, translations or the requested extra changed.
    # An install with the test extra also serves scripts/serve: the stamp "-test" matches "-*".
    local stamp
    stamp="$({ cat "$ROOT/pyproject.toml" "$ROOT"/tracker/translations/*/LC_MESSAGES/messages.po 2>/dev/null || true; } | sha256sum | cut -c1-16)-$extra"
    if ! compgen -G "$VENV/.installed-$stamp*" >/dev/null; then
        echo "Installing tracker${extra:+ with [$extra]} into $VENV ..."
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT$( [[ -n "$extra" ]] && echo "[$extra]")"
        rm -f "$VENV"/.installed-*
        touch "$VENV/.installed-$stamp"
    fi
}
