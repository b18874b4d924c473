#!/usr/bin/env bash
# Install what tests/test_docs.py needs to render the course's Mermaid diagrams for real:
# Debian's Chromium (/usr/bin/chromium) and the Mermaid CLI (mmdc) in .ci/node/.
# Idempotent: each step runs only when its result is missing, so calling it again costs nothing.
#
#   bash .ci/install-mermaid.sh
#
# Puppeteer's own browser download is skipped (PUPPETEER_SKIP_DOWNLOAD=1): the tests point
# mmdc at /usr/bin/chromium instead.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    echo "install-mermaid: installing chromium with apt-get ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ ! -x .ci/node/node_modules/.bin/mmdc ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "install-mermaid: installing nodejs and npm with apt-get ..."
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    fi
    echo "install-mermaid: installing @mermaid-js/mermaid-cli@11 into .ci/node ..."
    mkdir -p .ci/node
    PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-save --no-audit --no-fund --loglevel=error \
        --prefix .ci/node @mermaid-js/mermaid-cli@11
fi

echo "install-mermaid: chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), mmdc $(.ci/node/node_modules/.bin/mmdc --version)"
