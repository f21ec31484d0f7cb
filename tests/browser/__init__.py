"""Real-browser tests of the built series (Playwright + Debian's Chromium)."""
