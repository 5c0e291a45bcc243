# Two commands for a newcomer: `make report` (main job) and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
ARTICLE ?= ../shared/article/article.txt

.PHONY: setup report test lab exercises bench validate chromium clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all,test,bench,dev]"
	touch $(STAMP)

setup: $(STAMP)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (needed by the browser tests and screenshots)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

EXERCISES := build/exercises/exercises.json
$(EXERCISES): $(STAMP) $(wildcard notebooks/exercises/*.ipynb) $(wildcard toolkit/data/*)
	$(BIN)/python -m toolkit exercises

report: $(STAMP) $(EXERCISES)
	$(BIN)/python -m toolkit report

test: $(STAMP) chromium
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

exercises: $(STAMP)
	$(BIN)/python -m toolkit exercises

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

validate: $(STAMP)
	$(BIN)/python -m toolkit validate --text $(ARTICLE)

clean:
	rm -rf reports build dist .report-cache
