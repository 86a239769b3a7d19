#!/usr/bin/env bash
# Runs the whole test suite: ./scripts/test.sh [extra `cargo test` arguments].
# On a fresh Debian machine it first installs what the suite needs: Node.js and npm (build.rs
# embeds the GraphiQL playground with them; the browser test runs on them), Debian's Chromium,
# and the browser test's pinned npm packages. It never downloads a browser of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

# apt-get as root, or through sudo.
apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
    if [ -z "${apt_updated:-}" ]; then
        "${sudo[@]}" apt-get update -qq
        apt_updated=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# Node.js and npm (the machine image normally has them).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "test.sh: installing Node.js and npm from Debian" >&2
    apt_install nodejs npm
fi

# Chromium for tests/browser/playground.mjs.
if [ ! -x /usr/bin/chromium ]; then
    echo "test.sh: installing Debian's chromium" >&2
    apt_install chromium
fi

# The browser test's packages, reinstalled when the lockfile changed since the last install.
browser=tests/browser
if ! cmp -s "$browser/package-lock.json" "$browser/node_modules/.installed-package-lock.json"; then
    echo "test.sh: npm ci in $browser" >&2
    (cd "$browser" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    cp "$browser/package-lock.json" "$browser/node_modules/.installed-package-lock.json"
fi

cargo test --all-targets "$@"
