#!/usr/bin/env bash
# Lints .github/workflows with actionlint, built from its Go module (no binary downloads here)
# and cached under ~/.cache/welkin-flux/actionlint-<version>.
set -euo pipefail
version=v1.7.12
bin="${WELKIN_FLUX_CACHE:-$HOME/.cache/welkin-flux}/actionlint-$version/bin"
if [ ! -x "$bin/actionlint" ]; then
    echo "building actionlint $version from its Go module..." >&2
    tmp=$(mktemp -d)
    GOBIN="$tmp" CGO_ENABLED=0 go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
    mkdir -p "$bin"
    mv "$tmp/actionlint" "$bin/actionlint"
    rmdir "$tmp"
fi
cd "$(dirname "$0")/.."
"$bin/actionlint" -no-color .github/workflows/*.yml
echo "actionlint $version: .github/workflows OK"
