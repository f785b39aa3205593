#!/bin/sh
# Runs each reproducer against GoMLX v0.28.2 as released ("before") and against copies of the modules with the
# patches of this folder applied ("after"), through a go.mod replace in a scratch copy of the reproducer.
#
# Usage: docs/upstream/verify.sh [go|xla [name...]]   (default go: the pure-Go backend, built with -tags noxla; xla
# needs a PJRT CPU plugin in $PJRT_PLUGIN_LIBRARY_PATH, e.g. /work/main/.local/pjrt, and cgo; names, e.g.
# rngstate-store, run only those reproducers, default all of them)
# Exit status 0 when every "before" fails and every "after" passes. Needs the modules in the Go module cache (or
# a reachable proxy), patch(1), and about 3 minutes on 2 cores.
set -u
here=$(cd "$(dirname "$0")" && pwd)
backend=${1:-go}
[ $# -gt 0 ] && shift
cases=${*:-conv-even-kernel-grad conv-input-dilation-grad conv-second-order-grad pad-grad gobackend-pool-deadlock rngstate-store}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$backend" = go ]; then
	tags="-tags=noxla"
	export GOMLX_BACKEND=go
else
	tags=""
	export GOMLX_BACKEND=xla:cpu GOMLX_NO_AUTO_INSTALL=1
fi

moddir() { (cd "$here/conv-even-kernel-grad" && go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'); }
cp -r "$(moddir github.com/gomlx/gomlx@v0.28.2)" "$work/gomlx" && chmod -R u+w "$work/gomlx" || exit 2
cp -r "$(moddir github.com/gomlx/compute@v0.1.2)" "$work/compute" && chmod -R u+w "$work/compute" || exit 2
# Order matters only for line offsets: pad-grad's patch defines padVJP, which conv-input-dilation-grad's uses.
# rngstate-store's patch touches another file (ml/model/random.go).
for p in pad-grad conv-input-dilation-grad conv-even-kernel-grad rngstate-store; do
	(cd "$work/gomlx" && patch -s -p1 <"$here/$p/fix.patch") || exit 2
done
(cd "$work/compute" && patch -s -p1 <"$here/gobackend-pool-deadlock/fix.patch") || exit 2

status=0
for d in $cases; do
	if [ "$d" = gobackend-pool-deadlock ] && [ "$backend" != go ]; then
		continue # pure-Go backend only
	fi
	if [ "$d" = rngstate-store ] && [ "$backend" = go ]; then
		continue # needs 2 devices: XLA only (the pure-Go backend has one)
	fi
	echo "=== $d: v0.28.2 as released"
	(cd "$here/$d" && go run $tags .)
	before=$?
	cp -r "$here/$d" "$work/$d"
	(cd "$work/$d" && go mod edit -replace github.com/gomlx/gomlx="$work/gomlx" \
		-replace github.com/gomlx/compute="$work/compute")
	echo "=== $d: patched"
	(cd "$work/$d" && go run $tags .)
	after=$?
	echo "=== $d: exit status before $before, after $after"
	if [ "$before" = 0 ] || [ "$after" != 0 ]; then
		status=1
	fi
done
exit $status
