#!/usr/bin/env bash
# Renders a demo report in headless Chromium to a PNG, to look at it as a
# person would: `bash scripts/screenshot_report.sh DIR/report.html [OUT.png]`.
# Installs Debian's chromium when it is missing (needs root and apt).
set -euo pipefail

report="${1:?usage: screenshot_report.sh REPORT.html [OUT.png]}"
png="${2:-${report%.html}.png}"
[ -f "$report" ] || { echo "no such report: $report" >&2; exit 1; }

if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends chromium >/dev/null \
        || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
# The flags keep Chromium off the network (this machine's is closed) and out
# of the user's profile; the tall window captures the whole report.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --window-size=1000,"${HEIGHT:-10500}" \
    --screenshot="$(realpath -m "$png")" "file://$(realpath "$report")" 2>/dev/null
[ -s "$png" ] || { echo "chromium wrote no screenshot to $png" >&2; exit 1; }
echo "wrote $png"
