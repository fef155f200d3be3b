#!/usr/bin/env bash
# Builds otelcol-liveprobe, the OpenTelemetry Collector our configs are written for, with the
# OpenTelemetry Collector Builder (ocb) from collector-config/builder-config.yaml.
#
#   scripts/build-collector.sh          build, unless a binary for this manifest already exists;
#                                       prints the binary's path as the last line
#   scripts/build-collector.sh --path   print where the binary for this manifest is (or would be)
#
# The binary lands in .cache/otelcol-liveprobe/<key>/otelcol-liveprobe, where <key> hashes the
# manifest, the builder version and the Go toolchain: change any of them and the next run builds
# again; otherwise it is a no-op. Only the Go module proxy is needed (no other download).
set -euo pipefail
cd "$(dirname "$0")/.."

builder_version=v0.155.0 # keep in step with the core component versions in the manifest
manifest=collector-config/builder-config.yaml
cache=.cache/otelcol-liveprobe
# Never fetch another Go toolchain: the one installed builds it, or the build says why not.
export GOTOOLCHAIN=local

key=$({ cat "$manifest"; echo "builder $builder_version"; go env GOVERSION GOOS GOARCH; } | sha256sum | cut -c1-16)
binary="$cache/$key/otelcol-liveprobe"

if [ "${1:-}" = "--path" ]; then
  echo "$PWD/$binary"
  exit 0
fi
if [ -x "$binary" ]; then
  echo "otelcol-liveprobe is up to date: $PWD/$binary"
  exit 0
fi

started=$(date +%s)
builder="$cache/tools/builder-$builder_version"
if [ ! -x "$builder" ]; then
  echo "installing the collector builder $builder_version"
  GOBIN="$PWD/$cache/tools/bin" go install "go.opentelemetry.io/collector/cmd/builder@$builder_version"
  mv "$cache/tools/bin/builder" "$builder"
fi

# output_path in the manifest points here (relative to the repository root).
work="$cache/build"
rm -rf "$work"
mkdir -p "$work"
# The builder's `go mod tidy` also resolves the test-only imports of every component's
# dependencies, some of which the module proxy here does not serve. `-e` (in GOFLAGS, applied only
# to the go commands that know it: tidy) records everything the binary needs and leaves those out;
# a module the binary does need still fails the compile.
GOFLAGS="-e $(go env GOFLAGS)" "$builder" --config "$manifest"

mkdir -p "$cache/$key"
cp "$work/otelcol-liveprobe" "$binary.tmp"
mv "$binary.tmp" "$binary"
rm -rf "$work"
# Binaries of earlier manifests are ~90 MB each and never used again.
for old in "$cache"/*/otelcol-liveprobe; do
  [ "$old" = "$binary" ] || rm -rf "$(dirname "$old")"
done
echo "built otelcol-liveprobe in $(($(date +%s) - started)) s, $(du -m "$binary" | cut -f1) MB"
"$binary" components >/dev/null
echo "$PWD/$binary"
