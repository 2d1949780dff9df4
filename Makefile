# Crumbs: `make run` serves on 127.0.0.1:5555, `make test` runs every test.
# Both install what is missing first (Debian packages, then Python packages in .venv).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libevent-dev libssl-dev zlib1g-dev libhiredis-dev pkg-config
TEST_APT_PACKAGES := nginx-light chromium chromium-driver redis-server systemd faketime strace
BENCH_APT_PACKAGES := wrk apache2-utils gcc redis-server valgrind
ARGS ?=

FUZZ_TARGETS := cookie_header session_cookie json percent_decoding
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -sanitize=fuzzer,address -parse-as-library -package-name Crumbs -O -g -I Modules/COpenSSL -I Modules/CZlib -I Modules/CByteScan

PREFIX ?= /usr/local

.PHONY: help deps python-deps build run install test screenshot check fuzz bench profile pgo soak clean

help:
	@echo "make run    build (release) and serve on http://127.0.0.1:5555  (ARGS='--port 8080' to change)"
	@echo "make install  put that binary on the PATH as crumbs (PREFIX=/usr/local; PREFIX=~/.local without root)"
	@echo "make test   unit and live-socket tests, then Flask interop, CLI, nginx and Chromium tests against the release binary"
	@echo "make screenshot  refresh docs/page.png and docs/page-phone.png from the browser test"
	@echo "make check  the Swift tests under AddressSanitizer and ThreadSanitizer"
	@echo "make fuzz   each libFuzzer target for FUZZ_SECONDS (default 60) from fuzz/corpus"
	@echo "make soak   5 minutes of wrk at 256 connections: errors and memory over time"
	@echo "make bench  wrk/ab benchmark against a C baseline and Flask; writes BENCHMARKS.md"
	@echo "make profile  CPU and instructions per request, C baseline and Crumbs (PROFILE_ARGS=--output F)"
	@echo "make pgo    remake pgo/crumbs.profdata, the release build's link-time profile, from the bench's scenarios"
	@echo "make deps   install missing Debian packages: $(APT_PACKAGES)"

deps:
	@missing=$$(for package in $(APT_PACKAGES) $(EXTRA_APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$package 2>/dev/null | grep -q '^install ok installed$$' || echo $$package; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Flask, itsdangerous and Werkzeug from PyPI: the reference the interop tests compare with.
python-deps:
	@if [ ! -x $(VENV_PYTHON) ]; then \
		$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
			DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }; \
	fi
	@$(VENV_PYTHON) -m pip install -q --disable-pip-version-check -r Tests/interop/requirements.txt

# The binary users run: `make run` serves it and `make test` tests it. Linked with full
# link-time optimisation: LLVM then inlines and lays out the request path across EventHTTP,
# CrumbsApp and CrumbsSession as one program, which cross-module optimisation alone does not
# (callgrind: 9-13% fewer instructions and 64-byte lines of Crumbs' own code a request on
# every bench scenario, e.g. 5,500 to 4,932 and 297 to 261 lines on count_with_cookie).
# SwiftPM's flag, not `-lto` in Package.swift: it then links bitcode, not objects.
# Laid out by pgo/crumbs.profdata at link time (`make pgo` makes it; pgo/train.py says how
# and why): own lines 261 to 187 a count_with_cookie request, 2.0-2.4% more requests per CPU
# second in duets. SwiftPM does not see the profile as an input, so a newer profile removes
# the binary first, to be linked again.
PGO_PROFILE := pgo/crumbs.profdata
RELEASE_BUILD := if [ $(PGO_PROFILE) -nt .build/release/crumbs ]; then rm -f .build/release/crumbs; fi; \
	swift build -c release --product crumbs --static-swift-stdlib --experimental-lto-mode=full \
	-Xlinker --lto-cs-profile-file=$(CURDIR)/$(PGO_PROFILE)
RELEASE_BIN := $(CURDIR)/.build/release/crumbs

# The C server `make bench` and `make profile` measure Crumbs against. One file, so LTO adds
# nothing to it (both servers use the same shared libevent, libc and libcrypto). -O2, not
# -O3: -O3 runs 9-10% fewer of its own instructions (3,122 to 2,835 on count_with_cookie)
# in 15 more lines of code (89 to 104), a wash by the line calibration in BENCHMARKS.md.
# No PGO either: gcc's (-fprofile-generate, the same scenarios, -fprofile-use) ran 2,924
# instructions in 104 lines against 3,119 in 89, and 0.995-1.005x this build in duets.
BASELINE_BUILD := cc -O2 -Wall -o .build/bench-baseline bench/baseline.c $$(pkg-config --cflags --libs libevent libcrypto zlib) -lpthread

build: deps
	$(RELEASE_BUILD)

run: build
	.build/release/crumbs serve $(ARGS)

# The binary make run serves, as `crumbs` in $(PREFIX)/bin (PREFIX=~/.local needs no root).
install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/crumbs
	@echo "installed $(DESTDIR)$(PREFIX)/bin/crumbs"

test: EXTRA_APT_PACKAGES = $(TEST_APT_PACKAGES)
test: deps python-deps
	swift build
	swift test
	$(RELEASE_BUILD)
	CRUMBS_BIN=$(RELEASE_BIN) $(VENV_PYTHON) -m pytest -q Tests/interop
	CRUMBS_BIN=$(RELEASE_BIN) $(VENV_PYTHON) -m pytest -q Tests/browser

screenshot: EXTRA_APT_PACKAGES = $(TEST_APT_PACKAGES)
screenshot: deps python-deps
	$(RELEASE_BUILD)
	CRUMBS_BIN=$(RELEASE_BIN) CRUMBS_SCREENSHOT_DIR=$(CURDIR)/docs $(VENV_PYTHON) -m pytest -q Tests/browser

check: deps
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan.supp swift test --sanitize=address --scratch-path .build-asan
	swift test --sanitize=thread --scratch-path .build-tsan

# Each target is compiled together with the sources it fuzzes into one module, so the
# parsers are instrumented without building the package twice.
fuzz: deps
	@mkdir -p .build/fuzz
	@for target in $(FUZZ_TARGETS); do \
		case $$target in percent_decoding) sources=Sources/EventHTTP/PercentDecoding.swift ;; *) sources="Sources/CrumbsSession/*.swift" ;; esac; \
		echo "building fuzz target $$target"; \
		rm -f .build/fuzz/$$target; \
		swiftc $(FUZZ_FLAGS) -module-name Fuzz $$sources fuzz/$$target.swift -o .build/fuzz/$$target -lcrypto -lz 2>&1 \
			| grep -v 'Cannot export local symbol' || true; \
		test -x .build/fuzz/$$target || exit 1; \
	done
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p .build/fuzz/corpus-$$target; \
		echo "fuzzing $$target for $(FUZZ_SECONDS) s"; \
		.build/fuzz/$$target .build/fuzz/corpus-$$target fuzz/corpus/$$target -max_total_time=$(FUZZ_SECONDS) \
			-max_len=8192 -rss_limit_mb=2048 -artifact_prefix=.build/fuzz/$$target- -print_final_stats=1 2>&1 \
			| grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY|Fatal error|.*Crash|.*deadly)' ; \
		test $${PIPESTATUS[0]} -eq 0 || { echo "fuzz target $$target failed"; exit 1; }; \
	done

bench: EXTRA_APT_PACKAGES = $(BENCH_APT_PACKAGES)
bench: deps python-deps
	$(VENV_PYTHON) -m pip install -q --disable-pip-version-check -r bench/requirements.txt
	$(RELEASE_BUILD)
	$(BASELINE_BUILD)
	$(VENV_PYTHON) bench/run.py --python $(CURDIR)/$(VENV_PYTHON) $(BENCH_ARGS)

# The release build's link-time profile, from the bench's scenarios (pgo/train.py).
pgo: EXTRA_APT_PACKAGES = $(BENCH_APT_PACKAGES)
pgo: deps python-deps
	$(VENV_PYTHON) -m pip install -q --disable-pip-version-check -r bench/requirements.txt
	$(VENV_PYTHON) pgo/train.py
	$(RELEASE_BUILD)

# Where the time goes: CPU and instructions per request, C baseline and Crumbs side by side.
profile: EXTRA_APT_PACKAGES = $(BENCH_APT_PACKAGES)
profile: deps python-deps
	$(VENV_PYTHON) -m pip install -q --disable-pip-version-check -r bench/requirements.txt
	$(RELEASE_BUILD)
	$(BASELINE_BUILD)
	$(VENV_PYTHON) bench/profile.py $(PROFILE_ARGS)

soak: EXTRA_APT_PACKAGES = $(BENCH_APT_PACKAGES)
soak: deps
	$(RELEASE_BUILD)
	python3 bench/soak.py $(SOAK_ARGS)

clean:
	rm -rf .build .build-asan .build-tsan $(VENV)
