# Twostep: `make run` opens the app on the embedded demo; `make test` runs every test.
# Both install the Debian packages they need when run as root (or say what to install).

CARGO ?= cargo
# What building and testing need from Debian (SQLite is bundled; TLS is rustls;
# the delivery tests run a real SMTP server, aiosmtpd).
SYSTEM_PACKAGES := pkg-config gcc make python3-aiosmtpd
DATA ?= ./twostep-data

.PHONY: run serve test lint deps

deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Twostep needs these Debian packages; install them with:"; echo "  sudo apt-get install -y$$missing"; exit 1; fi; \
	fi

run: deps
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "There is no display here, so the app window cannot open."; \
	  echo "Run 'make serve' for the server alone, with the demo center and its dev outbox."; \
	  exit 1; \
	fi
	$(CARGO) run -p twostep

serve: deps
	$(CARGO) run -p twostep-server -- serve --demo --dev-outbox --data $(DATA)

test: deps
	$(CARGO) test --workspace --all-targets

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
