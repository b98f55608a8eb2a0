# Twostep: `make run` opens the app on the embedded demo; `make test` runs every test.
# Both install the Debian packages they need when run as root (or say what to install).

CARGO ?= cargo
# What building needs from Debian: a C toolchain and the libraries of Tauri's Linux window
# (WebKitGTK, GTK, librsvg, appindicator), OpenSSL and D-Bus (the Secret Service keyring).
# SQLite is bundled; the server's TLS is rustls.
BUILD_PACKAGES := pkg-config gcc make libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev \
	libayatana-appindicator3-dev libssl-dev libdbus-1-dev
# What the tests add: a real SMTP server (aiosmtpd), and for the app's window a virtual
# display, WebKitWebDriver, a D-Bus session with gnome-keyring, imagemagick's `import`, and
# xclip to read the clipboard, x11-utils' xwininfo to read a window's title, xdotool to type a
# file name into the system's Save dialog; for the browser tests (tests/browser) Chromium and
# its chromedriver (Debian 12's security repository) beside WebKitGTK's MiniBrowser; systemd
# for systemd-analyze, which judges the server's unit in the package test.
TEST_PACKAGES := python3-aiosmtpd curl xvfb xauth webkit2gtk-driver dbus dbus-x11 at-spi2-core \
	gnome-keyring imagemagick xclip x11-utils xdotool postgresql rpm2cpio cpio \
	chromium chromium-driver systemd
DATA ?= ./twostep-data
# The installed app's build: without the embedded demo server (the `embedded` feature, on by
# default for `make run`, debug builds and the tests).
LEAN := --no-default-features
# The OpenAPI validator the server's tests run over the served document (from PyPI).
PYTOOLS := target/pytools
OPENAPI_VALIDATOR := openapi-spec-validator==0.9.0

.PHONY: run serve test lint deps test-deps package package-test footprint lighthouse cross cross-deps

# Lighthouse as bench/lighthouse's lock pins it (again when the lock changes).
LIGHTHOUSE_INSTALL = @[ bench/lighthouse/node_modules/.package-lock.json -nt bench/lighthouse/package-lock.json ] || \
	  npm --prefix bench/lighthouse ci --silent --no-audit --no-fund

# Installs missing Debian packages as root, or says exactly what to install.
define install_missing
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "Twostep needs these Debian packages; install them with:"; echo "  sudo apt-get install -y$$missing"; exit 1; fi; \
	fi
endef

deps:
	$(call install_missing,$(BUILD_PACKAGES))

test-deps:
	$(call install_missing,$(BUILD_PACKAGES) $(TEST_PACKAGES))
	@[ -f tests/e2e/node_modules/axe-core/axe.min.js ] || npm --prefix tests/e2e ci --silent --no-audit --no-fund
	$(LIGHTHOUSE_INSTALL)
	@PYTHONPATH=$(PYTOOLS) python3 -c 'import openapi_spec_validator' 2>/dev/null || \
	  python3 -m pip install --quiet --disable-pip-version-check --target $(PYTOOLS) '$(OPENAPI_VALIDATOR)'

# Opens the app on the embedded demo center (or the server chosen before in the app).
run: deps
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "There is no display here, so the app window cannot open."; \
	  echo "Run 'make serve' for the server alone, with the demo center and its dev outbox."; \
	  exit 1; \
	fi
	$(CARGO) run -p twostep

# The server alone: demo center, dev outbox at /api/v1/dev/outbox.
serve:
	$(call install_missing,pkg-config gcc make)
	$(CARGO) run -p twostep-server -- serve --demo --dev-outbox --data $(DATA)

# Every test: unit, server integration (real SMTP and SMS gateway), Tauri mock-runtime
# commands, the app's real window under Xvfb with the real keyring, the server's UI in
# Chromium and WebKit (tests/browser), and its screens' Lighthouse accessibility and best
# practices (crates/server/tests/lighthouse.rs, `make lighthouse` with --check). The server's
# integration suite runs each test on SQLite and on a real PostgreSQL cluster the test process
# starts itself (#[db_test], crates/testkit), in the same run.
test: test-deps cross
	tests/e2e/session.sh $(CARGO) test --workspace --all-targets

# The other platforms' Rust, compiled here so that their cfg(...) code cannot rot unseen:
# Windows (x86_64-pc-windows-gnu: the opener and deep-link paths, the Windows keyring; Debian's
# mingw-w64 for the C inside dependencies) and Android (aarch64-linux-android: Tauri's
# cfg(mobile) code, the barcode scanner). Both as the installed app is built (no embedded
# demo), through clippy with warnings as errors; Windows is then built and linked too (a
# debug twostep.exe, with mingw's ld: see .cargo/config.toml), Android is type-checked only
# (linking it needs the NDK) (docs/testing.md).
# Android's only C is ring's, built by Debian's clang for that target without libc headers
# (ring's own RING_CORE_NOSTDLIBINC mode: Debian has no Android sysroot; the NDK would have).
CROSS_PACKAGES := gcc-mingw-w64-x86-64 clang llvm
CROSS_TARGETS := x86_64-pc-windows-gnu aarch64-linux-android
ANDROID_C := CC_aarch64_linux_android=clang AR_aarch64_linux_android=llvm-ar \
	CFLAGS_aarch64_linux_android="--target=aarch64-linux-android24 -nostdlibinc -DRING_CORE_NOSTDLIBINC=1"
cross-deps:
	$(call install_missing,$(CROSS_PACKAGES))
	@have="$$(rustup target list --installed)"; for t in $(CROSS_TARGETS); do \
	  echo "$$have" | grep -qx "$$t" || rustup target add "$$t" || \
	  echo "make cross: 'rustup target add $$t' failed (its standard library comes from static.rust-lang.org); $$t is not checked on this machine" >&2; done

# A target whose standard library could not be fetched is said so, loudly, and left out: a
# machine without rustup's network must still run every other test.
cross: cross-deps
	@if rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then \
	  $(CARGO) clippy -p twostep $(LEAN) --target x86_64-pc-windows-gnu -- -D warnings && \
	  $(CARGO) build -p twostep $(LEAN) --target x86_64-pc-windows-gnu; \
	else echo "make cross: NOT CHECKED: x86_64-pc-windows-gnu (no standard library)" >&2; fi
	@if rustup target list --installed | grep -qx aarch64-linux-android; then \
	  $(ANDROID_C) $(CARGO) clippy -p twostep $(LEAN) --target aarch64-linux-android -- -D warnings; \
	else echo "make cross: NOT CHECKED: aarch64-linux-android (no standard library)" >&2; fi

# Installable packages, built offline into target/release/bundle/: the app's .deb and .rpm
# (Tauri's bundler, from the Tauri CLI's prebuilt npm package), the server's .deb (dpkg-deb).
# (npm fetches the CLI once from its registry; the builds themselves download nothing.)
# The installed app is the lean one: without the embedded demo server (`--no-default-features`
# turns `embedded` off); it asks which center to use. `make run` and debug builds keep the demo.
PKG_TARGET := $(or $(CARGO_TARGET_DIR),target)
package: deps
	$(if $(shell command -v npm),,$(call install_missing,npm))
	@[ -x packaging/node_modules/.bin/tauri ] || npm --prefix packaging ci --silent --no-audit --no-fund
	packaging/node_modules/.bin/tauri build --ci --bundles deb,rpm -- $(LEAN)
	$(CARGO) build --release -p twostep-server
	packaging/server/build-deb.sh "$(PKG_TARGET)" "$(PKG_TARGET)/release/bundle/server"

# The packages, installed into a scratch root and started.
package-test: package test-deps
	tests/e2e/session.sh packaging/test.sh "$(PKG_TARGET)"

lint: deps
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p twostep --all-targets $(LEAN) -- -D warnings

# The app's size, launch time and memory next to an empty Tauri app's (bench/empty-tauri: the
# same Tauri and release profile, one page), measured by bench/footprint (twostep-footprint)
# the same way under a virtual display.
# The empty app takes this workspace's versions (its own lock, copied from ours, not kept).
# Twostep is the lean build `make package` makes (no embedded demo). Nine launches each.
FOOTPRINT_RUNS ?= 9
footprint: package test-deps
	cp Cargo.lock bench/empty-tauri/Cargo.lock
	CARGO_TARGET_DIR="$(abspath $(PKG_TARGET))" $(CARGO) build --release \
	  --manifest-path bench/empty-tauri/Cargo.toml --features tauri/custom-protocol
	$(CARGO) build --release -p twostep-footprint
	tests/e2e/session.sh "$(PKG_TARGET)/release/twostep-footprint" \
	  "$(PKG_TARGET)/release/twostep" "$(PKG_TARGET)/release/empty-tauri" $(FOOTPRINT_RUNS)

# The browser's screens as a phone loads them: Lighthouse (bench/lighthouse, pinned by its
# lock) in Debian's Chromium with its mobile profile, against the server (the demo center, a
# fresh data folder, a free port) on the sign-in and methods screens. One line a screen:
# performance, accessibility, best practices, bytes transferred; full reports in
# $(PKG_TARGET)/lighthouse. (A debug build serves the same files, read from ui/.)
lighthouse:
	$(call install_missing,pkg-config gcc make chromium)
	$(if $(shell command -v npm),,$(call install_missing,npm))
	$(LIGHTHOUSE_INSTALL)
	$(CARGO) build -p twostep-server
	CHROME_PATH=/usr/bin/chromium node bench/lighthouse/run.mjs \
	  "$(PKG_TARGET)/debug/twostep-server" "$(PKG_TARGET)/lighthouse"
