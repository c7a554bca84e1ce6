#!/usr/bin/env bash
# Lints GitHub Actions workflows with actionlint, building it on first use.
#
#   scripts/actionlint.sh                      # every workflow in .github/workflows
#   scripts/actionlint.sh path/to/flow.yml     # only the files named
#
# actionlint is a Go program: the first run builds the pinned version with
# `go install` into .kit/bin (git-ignored), later runs reuse that binary.
# ACTIONLINT overrides the binary; ACTIONLINT_VERSION the version built.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${ACTIONLINT_VERSION:-v1.7.7}"
bin_dir="$root/.kit/bin"
binary="${ACTIONLINT:-$bin_dir/actionlint-$version}"

if [[ ! -x "$binary" ]]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "actionlint $version is not built and go is not on PATH" >&2
    echo "install Go 1.22 or later (https://go.dev/dl/), then run this script again" >&2
    exit 2
  fi
  echo "building actionlint $version into $bin_dir (once)" >&2
  mkdir -p "$bin_dir"
  build="$(mktemp -d)"
  trap 'rm -rf "$build"' EXIT
  GOBIN="$build" go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
  mv "$build/actionlint" "$binary"
fi

cd "$root"
exec "$binary" -no-color "$@"
