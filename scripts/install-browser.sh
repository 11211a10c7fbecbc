#!/bin/sh
# Install Debian's chromium for the browser tests (tests/browser) and `kpi-report run --pdf`.
#
# Does nothing when a Chromium is already there (/usr/bin/chromium, or $KPI_CHROMIUM).
# Quiet on success. Never fails the caller: when apt-get is unavailable (not Debian, not root,
# no network) it says so on stderr and exits 0; the browser tests then skip with a clear message.
set -u

browser="${KPI_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$browser" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: apt-get not found; cannot install chromium (browser tests will skip)." >&2
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo -n"
    else
        echo "install-browser: not root and no passwordless sudo; cannot install chromium" \
             "(browser tests will skip)." >&2
        exit 0
    fi
fi

log="$(mktemp -t install-browser.XXXXXX)"
if $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 \
   && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core >>"$log" 2>&1; then
    rm -f "$log"
    echo "install-browser: installed $($browser --version 2>/dev/null || echo chromium)."
else
    echo "install-browser: apt-get could not install chromium (browser tests will skip); last lines:" >&2
    tail -n 5 "$log" >&2
    rm -f "$log"
fi
exit 0
