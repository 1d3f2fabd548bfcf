# Shared by the acceptance scripts: the binary under test, a work directory removed at exit,
# fail/pass and run_safemig. Source it, then call e2e_setup.
#
# e2e_setup NAME PATH_TO_SAFEMIG: sets SAFEMIG (absolute), SQLITE3 (the sqlite3 shell, from the
# environment or PATH) and WORK (a fresh directory, removed at exit after the script's own
# e2e_cleanup_hook, if it defines one), checks the tools, and changes into WORK.
# Every failed check prints "FAIL: <what>" and the script exits non-zero at the first one.

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

e2e_setup() {
  local name=$1
  SAFEMIG=${2:?usage: $name.sh PATH_TO_SAFEMIG}
  SAFEMIG=$(cd "$(dirname "$SAFEMIG")" && pwd)/$(basename "$SAFEMIG")
  SQLITE3=${SQLITE3:-sqlite3}
  [[ -x $SAFEMIG ]] || fail "$SAFEMIG is not an executable"
  command -v "$SQLITE3" >/dev/null || fail "the sqlite3 shell is not installed (scripts/setup installs it)"
  command -v sha256sum >/dev/null || fail "sha256sum is not installed"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/safemig-$name.XXXXXX")
  trap e2e_cleanup EXIT
  cd "$WORK"
}

e2e_cleanup() {
  if declare -F e2e_cleanup_hook >/dev/null; then e2e_cleanup_hook; fi
  cd /
  rm -rf "$WORK"
}

# SAFEMIG_ARGS: arguments every run_safemig passes first (e.g. --db and --dir).
SAFEMIG_ARGS=()

# run_safemig EXPECTED_EXIT OUTFILE ARGS...: runs safemig with SAFEMIG_ARGS and ARGS, stdout and
# stderr into OUTFILE, and fails unless it exits EXPECTED_EXIT.
run_safemig() {
  local expected=$1 outfile=$2 rc=0
  shift 2
  "$SAFEMIG" "${SAFEMIG_ARGS[@]}" "$@" >"$outfile" 2>&1 || rc=$?
  if [[ $rc -ne $expected ]]; then
    cat "$outfile" >&2
    fail "safemig ${SAFEMIG_ARGS[*]} $* (in $PWD) exited $rc, expected $expected"
  fi
}
