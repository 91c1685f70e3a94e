# Two commands for a newcomer: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install bench eval vectors clean

# Each slow step says what it is doing first: a quiet pip looks hung for minutes.
$(BIN)/python:
	@echo "Creating the virtual environment $(VENV) (first run only)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch is pinned to the CPU build first: left to the resolver, a plain `torch` pulls a
# multi-GB CUDA build.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing PaperScout's dependencies into $(VENV) (first run only, or after pyproject.toml changes; a few minutes)..."
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)
	@echo "Dependencies installed."

install: $(STAMP)

run: $(STAMP)
	$(BIN)/paperscout run

test: $(STAMP)
	$(BIN)/python -m pytest -q

eval: $(STAMP)
	$(BIN)/paperscout eval eval/dev.jsonl

# The shipped papers' vectors (retrieval/shipped_vectors.npz): rebuild after changing corpus/pages or the model.
vectors: $(STAMP)
	$(BIN)/python -m retrieval.ship_vectors

bench: $(STAMP)
	$(BIN)/paperscout bench

clean:
	rm -rf $(VENV) data .pytest_cache
