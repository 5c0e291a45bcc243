# Two commands for a newcomer: `make report` (main job) and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
ARTICLE ?= ../shared/article/article.txt

.PHONY: setup report test check lab lab-student exercises bench bench-draft validate chromium bubblewrap clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all,test,bench,dev]"
	touch $(STAMP)

# setup also installs the nbstripout git filter (named in .gitattributes): notebooks are committed without outputs
setup: $(STAMP)
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  $(BIN)/nbstripout --install --attributes .gitattributes && echo "nbstripout: notebooks are committed without outputs"; \
	else echo "not a git checkout: nbstripout filter not installed"; fi

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (needed by the browser tests and screenshots)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing Debian's openjdk-17-jre-headless (needed by the Spark test of the corpus checks)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

# The grading sandbox (python -m toolkit grade) runs submissions under Debian's bubblewrap.
bubblewrap:
	@command -v bwrap >/dev/null 2>&1 || { \
	  echo "installing Debian's bubblewrap (the sandbox that grades students' notebooks)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq bubblewrap >/dev/null; }

# Exercises unchanged since the last build (same notebook, data, toolkit and otter) are reused;
# the others are built two at a time.
report: setup
	$(BIN)/python -m toolkit exercises
	$(BIN)/python -m toolkit report

# pytest-xdist runs the tests on every core (-n auto); --dist loadscope keeps the tests of a module on one worker, so
# a module fixture is made once. The report site and the built exercises are made once per run and shared by the
# workers (tests/conftest.py: built_once). (--dist loadgroup does not group under pytest 9 with pytest-xdist 3.8.)
PYTEST_PARALLEL := -n auto --dist loadscope

test: setup chromium bubblewrap
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

# The quick tier while working: the library's unit tests (no Chromium, no report or notebook runs), under 90 s.
check: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_PARALLEL) -m "not slow and not browser and not tools"

# CurveZMQ-encrypted kernel sockets (no "running over TCP without encryption" warning); --allow-root in containers
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ --KernelManager.transport_encryption=auto $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# Students: the built student notebooks and their data only (never the instructor notebooks).
STUDENT_LAB ?= exercises-lab
lab-student: $(STAMP)
	$(BIN)/python -m toolkit exercises --student-lab $(STUDENT_LAB)
	$(BIN)/jupyter lab $(STUDENT_LAB)/

exercises: $(STAMP)
	$(BIN)/python -m toolkit exercises

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

bench-draft: $(STAMP)
	$(BIN)/python benchmarks/draft.py

validate: $(STAMP)
	$(BIN)/python -m toolkit validate --text $(ARTICLE)

clean:
	rm -rf reports build dist .report-cache
