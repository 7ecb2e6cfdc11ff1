# make demo: talk to carebot in a local Slack stand-in. make test: the whole suite.
# make fuzz: 10,000 generated inputs per command through carebot's HTTP endpoint.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Installed: carebot and what it needs to run (enough for make demo) ...
APP    := $(VENV)/.installed-app
# ... and also the test and lint tools and PostgreSQL's driver (make test, make lint).
DEV    := $(VENV)/.installed
PYTEST_WORKERS ?= 4

.PHONY: venv demo test lint format bench fuzz clean

$(APP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(APP)

$(DEV): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	@touch $(DEV) $(APP)

venv: $(DEV)

demo: $(APP)
	$(BIN)/carebot sandbox

test: $(DEV)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(DEV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(DEV)
	$(BIN)/python bench/goals.py
	$(BIN)/python bench/ack_latency.py
	$(BIN)/python bench/sweep.py
	$(BIN)/python bench/exactly_once.py
	$(BIN)/python bench/week_picture.py

fuzz: $(DEV)
	$(BIN)/python -m tests.fuzz.run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
