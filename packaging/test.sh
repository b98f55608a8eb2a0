#!/usr/bin/env bash
# The packages, installed into a scratch root and started (run it under tests/e2e/session.sh:
# a virtual display and a D-Bus session):
# - the app's .deb: installed and removed by dpkg in a scratch root, its dependencies declared, its
#   desktop file handling otpauth:// links, and
#   the installed `twostep` (the lean build: no embedded demo) opening its window on "Which
#   center?", and, once the server below is up, a link from the center's email pasted there
#   taking it to that server's sign-in;
# - the app's .rpm: there, with the same binary;
# - the server's .deb: its unit passes `systemd-analyze verify` without a warning and rates
#   "OK" (at most 2) in `systemd-analyze security`; its unit's command line, run against a
#   temporary state folder, answers
#   its health check (and the unit's ExecStartPost, `twostep-server ready`, finds it ready)
#   and keeps its key readable by its owner only.
#   packaging/test.sh [TARGET_DIR]
set -euo pipefail
target="${1:-target}"
bundle="$target/release/bundle"
scratch="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$scratch" || true
}
trap cleanup EXIT
fail() { echo "package test: $*" >&2; exit 1; }

# The newest package of each kind (an older version may still be there).
newest() { find "$bundle/$1" -maxdepth 1 -name "$2" -printf '%T@ %p\n' 2>/dev/null | sort -rn | head -1 | cut -d' ' -f2-; }
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
app_deb="$(newest deb "*_${version}_*.deb")"
app_rpm="$(newest rpm "*-${version}-*.rpm")"
server_deb="$(newest server "twostep-server_${version}_*.deb")"
[ -n "$app_deb" ] && [ -n "$app_rpm" ] && [ -n "$server_deb" ] || fail "run 'make package' first"

# The app's .deb, installed by dpkg into a scratch root of its own (its own package database;
# the libraries it depends on are this machine's, checked installed here).
dpkg-deb -f "$app_deb" Depends | grep -q 'libwebkit2gtk-4.1-0' || fail "the app's .deb must depend on WebKitGTK 4.1"
# The app reaches its center through the system's TLS (OpenSSL) and trust store.
dpkg-deb -f "$app_deb" Depends | grep -q 'libssl3' || fail "the app's .deb must depend on libssl3"
# Each dependency (or one of its alternatives) installed on this machine.
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }
IFS=',' read -ra deps <<<"$(dpkg-deb -f "$app_deb" Depends)"
for dep in "${deps[@]}"; do
  ok=""
  IFS='|' read -ra alternatives <<<"$dep"
  for alt in "${alternatives[@]}"; do
    name="$(echo "${alt%%(*}" | tr -d ' ')"
    if installed "$name"; then ok=1; fi
  done
  [ -n "$ok" ] || fail "the .deb's dependency '${dep}' is not installed here"
done
# dpkg as a user other than root needs to be told that is fine (and that its tools are out
# of PATH).
dpkg_scratch=(dpkg --root="$scratch/app" --force-depends)
[ "$(id -u)" = 0 ] || dpkg_scratch+=(--force-not-root --force-bad-path)
mkdir -p "$scratch/app/var/lib/dpkg/info" "$scratch/app/var/lib/dpkg/updates"
touch "$scratch/app/var/lib/dpkg/status"
"${dpkg_scratch[@]}" -i "$app_deb" >"$scratch/dpkg.log" 2>&1 ||
  { cat "$scratch/dpkg.log" >&2; fail "dpkg -i of the app's .deb failed"; }
[ "$(dpkg-query --admindir="$scratch/app/var/lib/dpkg" -W -f='${db:Status-Status}' twostep)" = installed ] ||
  fail "dpkg does not list twostep as installed"
desktop="$(ls "$scratch"/app/usr/share/applications/*.desktop)"
grep -qx 'MimeType=x-scheme-handler/otpauth;' "$desktop" || fail "the desktop file must handle otpauth:// links"
grep -qx 'Exec=twostep %u' "$desktop" || fail "the desktop file must pass the link to twostep"
[ -x "$scratch/app/usr/bin/twostep" ] || fail "no /usr/bin/twostep in the .deb"
size_kib="$(du -k "$scratch/app/usr/bin/twostep" | cut -f1)"
echo "app binary: ${size_kib} KiB; .deb: $(du -k "$app_deb" | cut -f1) KiB"

# The installed app (`app DATA`: started on its own data folder), with no server chosen and
# none preset: its window asks "Which center?" (the window's title follows the screen's
# heading), and it carries no demo center to start.
app() {
  TWOSTEP_APP_DATA="$scratch/$1" XDG_CONFIG_HOME="$scratch/xdg-config" \
    XDG_DATA_HOME="$scratch/xdg-data" TWOSTEP_LANG=en NO_AT_BRIDGE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 \
    "$scratch/twostep" >"$scratch/$1.log" 2>&1 &
  pids+=($!)
}
# `window TITLE`: the window's id once its title is TITLE (within 90 s), or nothing.
window() {
  for _ in $(seq 1 90); do
    xdotool search --name "^$1 · Twostep\$" 2>/dev/null | head -1 | grep . && return 0
    sleep 1
  done
}
stop_app() {
  kill "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
  unset 'pids[-1]'
}
cp "$scratch/app/usr/bin/twostep" "$scratch/twostep"
app app-data
[ -n "$(window 'Which center\?')" ] || { cat "$scratch/app-data.log" >&2; fail "the installed app never asked which center"; }
[ ! -e "$scratch/app-data/demo-server" ] || fail "the installed app started a demo center"
echo "installed app: opens on \"Which center?\", no demo center"
stop_app

# The app's .rpm carries the program (marked as the rpm's) and the same desktop file.
command -v rpm2cpio >/dev/null && command -v cpio >/dev/null || fail "rpm2cpio and cpio are needed"
rpm_abs="$(cd "$(dirname "$app_rpm")" && pwd)/$(basename "$app_rpm")"
# (rpm2cpio answers 1 after writing the whole archive here: what is extracted is checked.)
mkdir -p "$scratch/rpm" && (cd "$scratch/rpm" && { rpm2cpio "$rpm_abs" || true; } | cpio -idm --quiet)
[ -x "$scratch/rpm/usr/bin/twostep" ] || fail "no /usr/bin/twostep in the .rpm"
cmp -s "$(ls "$scratch"/rpm/usr/share/applications/*.desktop)" "$desktop" || fail "the .rpm's desktop file differs"

# Removed by dpkg, the app leaves none of its files behind.
dpkg-query --admindir="$scratch/app/var/lib/dpkg" -L twostep >"$scratch/app-files"
"${dpkg_scratch[@]}" -r twostep >>"$scratch/dpkg.log" 2>&1 || fail "dpkg -r twostep failed"
while read -r f; do
  [ -d "$scratch/app$f" ] || [ ! -e "$scratch/app$f" ] || fail "dpkg -r left $f"
done <"$scratch/app-files"
echo "app .deb: installed and removed by dpkg"

# The server's .deb: the unit's command line, pointed into the scratch root.
dpkg-deb -x "$server_deb" "$scratch/server"
dpkg-deb -e "$server_deb" "$scratch/server-control"
grep -qx '/etc/twostep/twostep.toml' "$scratch/server-control/conffiles" || fail "the configuration must be a conffile"
unit="$scratch/server/lib/systemd/system/twostep-server.service"
for key in 'User=twostep' 'StateDirectory=twostep' 'ProtectSystem=strict' 'NoNewPrivileges=true'; do
  grep -qx "$key" "$unit" || fail "the unit lacks $key"
done
# systemd's own judgement of the installed unit: it parses without a single warning (an
# unknown or misspelt key is only a warning to systemd, and would switch a protection off
# unnoticed), and its exposure rating stays "OK" (1.4 when written; above 2 fails). `verify`
# checks that the binary it starts exists: the copy names the one in the scratch root.
# (`--threshold` counts in tenths: 20 is an exposure of 2.0.)
checked="$scratch/twostep-server.service"
sed "s|/usr/bin/twostep-server|$scratch/server/usr/bin/twostep-server|" "$unit" >"$checked"
verified="$(systemd-analyze verify --man=no "$checked" 2>&1)" || fail "systemd-analyze verify: $verified"
[ -z "$verified" ] || fail "systemd-analyze verify warns: $verified"
exposure="$(systemd-analyze security --offline=true --threshold=20 "$checked" 2>&1)" ||
  fail "the unit's exposure is above 2: $(echo "$exposure" | tail -1)"
echo "server unit: systemd-analyze verify clean; $(echo "$exposure" | tail -1)"
cmdline="$(sed -n 's/^ExecStart=//p' "$unit")"
cmdline="${cmdline//\/usr\/bin/$scratch/server/usr/bin}"
cmdline="${cmdline//\/etc\/twostep/$scratch/server/etc/twostep}"
cmdline="${cmdline//\/var\/lib\/twostep/$scratch/state}"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# shellcheck disable=SC2086
TWOSTEP_BIND="127.0.0.1:$port" $cmdline >"$scratch/server.log" 2>&1 &
pids+=($!)
ok=""
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/api/v1/health" 2>/dev/null | grep -q '"status":"ok"'; then ok=1; break; fi
  sleep 0.5
done
[ -n "$ok" ] || { cat "$scratch/server.log" >&2; fail "the installed server never answered its health check"; }
# The unit's ExecStartPost (the start waits for readiness), pointed into the scratch root.
postcmd="$(sed -n 's/^ExecStartPost=//p' "$unit")"
postcmd="${postcmd//\/usr\/bin/$scratch/server/usr/bin}"
postcmd="${postcmd//\/etc\/twostep/$scratch/server/etc/twostep}"
# shellcheck disable=SC2086
TWOSTEP_BIND="127.0.0.1:$port" $postcmd >/dev/null || fail "the unit's ExecStartPost (twostep-server ready) failed"
[ "$(stat -c %a "$scratch/state/server.key")" = 600 ] || fail "server.key must be readable by its owner only"
echo "installed server: health check answered on 127.0.0.1:$port"

# The installed app again, on a new data folder: a link from the center's email (a "This
# wasn't me" link of this server) pasted on "Which center?" and Enter: its sign-in screen,
# and only the link's origin kept as the server.
app app-link
win="$(window 'Which center\?')"
[ -n "$win" ] || { cat "$scratch/app-link.log" >&2; fail "the installed app never asked which center"; }
xdotool windowfocus --sync "$win"
sleep 0.5
xdotool type --delay 15 "http://127.0.0.1:$port/freeze/a-token?lang=es#x"
xdotool key Return
[ -n "$(window 'Sign in')" ] || { cat "$scratch/app-link.log" >&2; fail "a pasted link did not lead to the server's sign-in"; }
grep -q "\"server\": \"http://127.0.0.1:$port\"" "$scratch/app-link/settings.json" ||
  fail "the app kept more than the link's origin: $(cat "$scratch/app-link/settings.json")"
echo "installed app: a pasted link chose its server"
stop_app
echo "package test: passed"
