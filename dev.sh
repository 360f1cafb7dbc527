#!/usr/bin/env bash
# chainrule's one entry point: set up, then run the main demo, the test suite or the docs.
#   bash dev.sh demo [args]   set up for the demos, then run the main demo
#   bash dev.sh test [args]   set up everything, then run ruff, mypy, the docs build and
#                             the whole pytest suite
#   bash dev.sh docs          set up everything, then build the guide into site/
# Setting up: the Graphviz 'dot' program (apt-get when root), for the tests also Chromium
# and its driver (the explorer's browser tests), a virtual environment in .venv and
# chainrule installed in it, editable: with the extras the demos need (viz, demos) for the
# demo, with all of them for the tests and the docs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

usage() { echo "usage: bash dev.sh demo|test|docs [arguments for the demo or for pytest]" >&2; exit 2; }
[ $# -ge 1 ] || usage
task=$1
shift
case "$task" in demo|test|docs) ;; *) usage ;; esac

PYTHON=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1

system_install() {  # Debian packages, as root; otherwise say what to install
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "dev.sh: installing $* with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "dev.sh: chainrule needs the system packages: $*" >&2
    echo "  Debian/Ubuntu: sudo apt-get install $*   (macOS: brew install graphviz)" >&2
    echo "  then run this command again." >&2
    exit 1
  fi
}

command -v "$PYTHON" >/dev/null || system_install python3 python3-venv
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
  echo "dev.sh: chainrule needs Python >= 3.10; $PYTHON is $("$PYTHON" -V 2>&1)" >&2
  echo "  set PYTHON=/path/to/python3.10+ and run again" >&2
  exit 1
}
command -v dot >/dev/null || system_install graphviz
if [ "$task" = test ] && ! { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    system_install chromium chromium-driver  # the explorer's tests drive a real browser
  else
    echo "dev.sh: Chromium and chromedriver are not installed, so the browser tests will be" >&2
    echo "  skipped; to run them: sudo apt-get install chromium chromium-driver" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv 2>/dev/null || { rm -rf .venv; system_install python3-venv; "$PYTHON" -m venv .venv; }
fi
# what each task installs: the demos' extras, or all of them
if [ "$task" = demo ]; then extras="viz,demos"; else extras="viz,demos,test,bench,fast,docs"; fi
stamp=".venv/.installed-${extras//,/-}"
everything=".venv/.installed-viz-demos-test-bench-fast-docs"
fresh() { [ -f "$1" ] && [ ! setup.cfg -nt "$1" ] && [ ! pyproject.toml -nt "$1" ]; }
if ! fresh "$stamp" && ! fresh "$everything"; then
  echo "dev.sh: installing chainrule and its extras ($extras) into .venv" >&2
  .venv/bin/python -m pip install -q -e ".[$extras]"
  touch "$stamp"
fi

if [ "$task" = demo ]; then
  exec .venv/bin/python -m demos.moons "$@"
fi
export NO_MKDOCS_2_WARNING=1  # the theme's notice of its successor, on every build
if [ "$task" = docs ]; then
  exec .venv/bin/mkdocs build --strict
fi
.venv/bin/ruff check --no-cache .
.venv/bin/mypy --strict autograd
.venv/bin/mypy nn benchmarks demos
.venv/bin/mkdocs build --strict --quiet  # the guide, warnings as errors (broken links too)
exec .venv/bin/python -m pytest "$@"
