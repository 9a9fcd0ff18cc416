#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through playwright (never `playwright install`, which downloads
# a browser). Install chromium from Debian's packages when it is missing; skip quietly where we can't.
set -u
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != "0" ] && ! command -v sudo >/dev/null 2>&1; then
    echo "browser-deps: chromium is missing and we are not root: browser tests will be skipped" >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" != "0" ] && SUDO="sudo"
echo "browser-deps: installing Debian's chromium for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null \
    || echo "browser-deps: could not install chromium: browser tests will be skipped" >&2
exit 0
