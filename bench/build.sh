# shellcheck shell=bash disable=SC2034  # Sourced; build_dir is for the sourcing script.
# Sourced by the benchmark scripts, so that each of them measures binaries of the current sources.
#
#   source bench/build.sh
#   build_current TARGET...   sets build_dir and brings the TARGETs up to date there
#
# build_dir is SAFEMIG_BENCH_BUILD_DIR, which must be a configured build, or build/release,
# configured with the release preset (and SAFEMIG_BENCH_CMAKE_ARGS) when it is not configured yet
# or when SAFEMIG_BENCH_CMAKE_ARGS is given.
build_current() {
  local root
  root=$(realpath "$(dirname "${BASH_SOURCE[0]}")/..")
  if [[ -n ${SAFEMIG_BENCH_BUILD_DIR:-} ]]; then
    build_dir=$SAFEMIG_BENCH_BUILD_DIR
    [[ -f $build_dir/CMakeCache.txt ]] || {
      echo "SAFEMIG_BENCH_BUILD_DIR=$build_dir is not a configured build directory;" \
        "configure it with cmake, or unset it to use build/release" >&2
      exit 1
    }
  else
    build_dir=$root/build/release
    if [[ ! -f $build_dir/CMakeCache.txt || -n ${SAFEMIG_BENCH_CMAKE_ARGS:-} ]]; then
      # shellcheck disable=SC2086 # SAFEMIG_BENCH_CMAKE_ARGS is a list of arguments.
      (cd "$root" && cmake --preset release ${SAFEMIG_BENCH_CMAKE_ARGS:-} >/dev/null)
    fi
  fi
  cmake --build "$build_dir" --target "$@" >&2 || {
    echo "building $* in $build_dir failed; the benchmark needs current binaries" >&2
    exit 1
  }
  build_dir=$(realpath "$build_dir")
}
