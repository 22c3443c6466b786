# egovnet: two commands on a fresh Debian machine.
#   make test   set everything up, then lint and run the whole test suite
#   make demo   set everything up, then run the main job
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# Debian packages the tests and the lab use (Net-SNMP tools and agent, InfluxDB 1.x,
# nftables for link faults, iproute2 for network namespaces, ping for reachability;
# Chromium for the console's browser tests, a font that renders Chinese).
APT_PACKAGES := snmp snmpd influxdb postgresql nftables iproute2 iputils-ping procps \
  chromium fonts-wqy-microhei rsyslog
# Packet inspection: tshark is the benchmark's peer (its editcap writes test pcapng files);
# tcpdump compiles scapy's BPF filters.
APT_PACKAGES += tshark tcpdump
# The console's chart library, from the npm registry at set-up (never a CDN at run time).
ECHARTS_VERSION := 5.6.0
ECHARTS_SHA256 := $(shell cat web/static/vendor/echarts.sha256 2>/dev/null)
ECHARTS := web/static/vendor/echarts.min.js
MO := web/translations/zh/LC_MESSAGES/messages.mo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP := $(VENV)/.installed

.PHONY: setup apt venv assets test lint pytest demo clean bench-peer

setup: apt venv assets

# static assets and compiled translations (both git-ignored, built from what is committed)
assets: $(ECHARTS) $(MO)

$(ECHARTS): web/static/vendor/echarts.sha256
	@command -v npm >/dev/null || (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends npm)
	@tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent echarts@$(ECHARTS_VERSION) >/dev/null && tar -xzf echarts-$(ECHARTS_VERSION).tgz package/dist/echarts.min.js) && \
	  echo "$(ECHARTS_SHA256)  $$tmp/package/dist/echarts.min.js" | sha256sum -c --quiet - && \
	  cp $$tmp/package/dist/echarts.min.js $@ && rm -rf $$tmp

web/translations/%/LC_MESSAGES/messages.mo: web/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile -d web/translations -l $*

apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if ! $(PYTHON) -m venv --help >/dev/null 2>&1; then missing="$$missing python3-venv"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get -o DPkg::Lock::Timeout=300 update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

pytest: setup
	$(PY) -m pytest

test: lint pytest

demo: setup
	$(VENV)/bin/egovnet demo

# ezsnmp 1.1, the Net-SNMP peer of bench/bench_poller.py, in its own venv (it cannot share
# .venv with ezsnmp 2.5); built against Debian's libsnmp so that SNMPv3 has AES.
bench-peer: setup
	@dpkg-query -W -f='$${Status}' libsnmp-dev 2>/dev/null | grep -q "install ok installed" || \
	  (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends libsnmp-dev)
	@test -x bench/out/ezsnmp-1.1/bin/python || $(PYTHON) -m venv bench/out/ezsnmp-1.1
	bench/out/ezsnmp-1.1/bin/python -m pip install -q --disable-pip-version-check --no-binary ezsnmp 'ezsnmp==1.1.0'

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
