# Each target installs what it needs first, so `make demo` or `make test` alone works on a
# fresh machine with Python 3.10+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: setup demo test test-slow lint typecheck unit bench mutation clean

setup: $(INSTALLED)

$(INSTALLED): pyproject.toml examples/redis_transport/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]" -e "examples/redis_transport[test]"
	touch $@

demo: $(INSTALLED)
	$(BIN)/python -m sdk demo

test: lint typecheck unit

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy
	$(BIN)/pyright

# The slow tests (pytest's `slow` marker: a three-node Apache Kafka cluster) are left to
# `make test-slow`, which CI runs after `make test` (.ci/run).
unit: $(INSTALLED)
	$(BIN)/pytest -m "not slow"

test-slow: $(INSTALLED)
	$(BIN)/pytest -m slow

# Sustained figures (benchmarks/harness.py says how); `make bench QUICK=1` for a short run.
BENCH_FLAGS := $(if $(QUICK),--quick,)

bench: $(INSTALLED)
	$(BIN)/python benchmarks/channel.py $(BENCH_FLAGS)
	$(BIN)/python benchmarks/codecs.py $(BENCH_FLAGS)
	$(BIN)/python benchmarks/kafka.py $(BENCH_FLAGS)
	$(BIN)/python benchmarks/memory.py $(BENCH_FLAGS)

# The kit measured: mutate the reference transports, run the kit on each mutant (docs/kit.md).
# Derandomized, so the figures reproduce. A fixed sample: make mutation MUTATION="--sample 10".
MUTATION ?=
mutation: $(INSTALLED)
	CI=true $(BIN)/python -m mutation $(MUTATION)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis .mutation
