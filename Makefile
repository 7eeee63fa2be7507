# Two entry points for a fresh machine (see README): `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,train,openai,serve,trl,ray
# `make demo` benchmarks the scripted oracle: no torch, transformers or openai needed.
DEMO_EXTRAS ?=
# torch is installed on its own first, from TORCH_INDEX when set. Plain PyPI serves the CUDA
# build on Linux x86_64 (several GB with its nvidia-* wheels); for the CPU-only build use
#   make test TORCH_INDEX=https://download.pytorch.org/whl/cpu
# Empty (the default): whatever index pip is configured with (pip.conf, PIP_INDEX_URL).
TORCH ?= torch==2.13.0
TORCH_INDEX ?=

.PHONY: setup sysdeps demo test lint bench clean

setup: sysdeps $(VENV)/.installed

# Icarus Verilog simulates rlvr/Verilog-v0's designs (Debian package `iverilog`).
sysdeps:
	@command -v iverilog >/dev/null && command -v vvp >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq iverilog; \
	  else echo "rlvr/Verilog-v0 needs Icarus Verilog: sudo apt-get install iverilog" >&2; exit 1; fi; }

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) $(TORCH)
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	touch $@ $(VENV)/.installed-demo

# the package and its core dependencies only (a full install above covers it too)
$(VENV)/.installed-demo: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".$(if $(DEMO_EXTRAS),[$(DEMO_EXTRAS)])"
	touch $@

demo: sysdeps $(VENV)/.installed-demo
	$(BIN)/rlvr demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/pip install -q -e ".[$(EXTRAS),bench]"
	$(BIN)/python benchmarks/math_verify.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
