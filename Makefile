# Two entry points for a fresh machine (see README): `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,train,openai,ray
# The CPU build of torch first, so no extra pulls in a multi-GB CUDA build.
TORCH ?= torch==2.13.0

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
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	touch $@

demo: setup
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
