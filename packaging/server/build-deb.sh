#!/usr/bin/env bash
# Builds the server's .deb from the release binary: twostep-server, its systemd unit, its
# configuration (a conffile) and a system user made at install. dpkg-deb only: no downloads.
#   packaging/server/build-deb.sh TARGET_DIR OUT_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${1:-$root/target}"
out="${2:-$target/release/bundle/server}"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)"
arch="$(dpkg --print-architecture)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

install -Dm0755 "$target/release/twostep-server" "$stage/usr/bin/twostep-server"
install -Dm0644 "$here/twostep-server.service" "$stage/lib/systemd/system/twostep-server.service"
install -Dm0640 "$here/twostep.toml" "$stage/etc/twostep/twostep.toml"
install -Dm0644 "$root/README.md" "$stage/usr/share/doc/twostep-server/README.md"
install -d "$stage/DEBIAN"
size="$(du -sk "$stage" | cut -f1)"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: twostep-server
Version: $version
Architecture: $arch
Maintainer: Twostep <maintainers@twostep.example>
Installed-Size: $size
Depends: libc6, adduser
Section: net
Priority: optional
Homepage: https://twostep.example
Description: Twostep 2-Step Verification server
 The HTTP server of Twostep: sign-in with a second step (authenticator app,
 email or text message codes), recovery codes, sessions and administration
 for a childcare center. Runs as the twostep system user under systemd.
CONTROL
echo "/etc/twostep/twostep.toml" > "$stage/DEBIAN/conffiles"
cat > "$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    if ! getent passwd twostep >/dev/null; then
        adduser --system --group --home /var/lib/twostep --no-create-home \
            --gecos "Twostep server" twostep
    fi
    chgrp twostep /etc/twostep/twostep.toml
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload >/dev/null || true
        if [ -z "$2" ]; then
            # First install: enabled and started. An upgrade restarts it only if it runs (an
            # administrator who disabled it keeps it disabled).
            systemctl enable --now twostep-server.service >/dev/null || true
        else
            systemctl try-restart twostep-server.service >/dev/null || true
        fi
    fi
fi
POSTINST
cat > "$stage/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
    systemctl stop twostep-server.service >/dev/null || true
    systemctl disable twostep-server.service >/dev/null || true
fi
PRERM
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm"
mkdir -p "$out"
dpkg-deb --root-owner-group --build "$stage" "$out/twostep-server_${version}_${arch}.deb" >/dev/null
echo "$out/twostep-server_${version}_${arch}.deb"
