#!/bin/sh
# Runs a command the way the end-to-end tests need: a virtual display (Xvfb, big enough for
# the tablet screenshots), a private D-Bus session, and a fresh, unlocked gnome-keyring
# answering the Secret Service there (the real OS keyring the app stores tokens in).
# Usage: tests/e2e/session.sh COMMAND [ARGS...]
set -eu
if [ -z "${TWOSTEP_IN_SESSION:-}" ]; then
  export TWOSTEP_IN_SESSION=1
  exec xvfb-run -a -s "-screen 0 1400x1300x24 -nolisten tcp" dbus-run-session -- "$0" "$@"
fi
# A keyring of our own, so a login keyring with another password never prompts.
keyrings=$(mktemp -d)
trap 'rm -rf "$keyrings"' EXIT
XDG_DATA_HOME="$keyrings" sh -c 'printf twostep | gnome-keyring-daemon --unlock --components=secrets >/dev/null'
export NO_AT_BRIDGE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1
"$@"
