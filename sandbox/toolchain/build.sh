#!/usr/bin/env bash
# Builds the welkin-flux sandbox toolchain from Go modules (the Go module proxy, Debian apt and
# the npm registry are the only things reachable: no release tarballs) into a cache keyed by
# version: $WELKIN_TOOLCHAIN_CACHE (default ~/.cache/welkin-flux)/<name>-<version>/bin/.
#
#   build.sh [part...]   build the named parts (default: all, in the order below) if missing;
#                        `sandbox` = the parts the sandbox tier runs, `flux` = the Flux controllers
#   build.sh --check     list parts as present/missing; exit 0 only if all are present
#   build.sh --env       print `export PATH=...` lines for every cached bin dir
#   build.sh --list      list parts with their cache dir names
#   build.sh --manifest  write $CACHE/toolchain-manifest.json (every part: version, bin dir,
#                        binaries, present or not) and print it; builds rewrite it too
#
# Each part has a wrapper Go module in modules/<module>/ (go.mod + go.sum with Go >= 1.24 `tool`
# lines, or a main package) that pins the upstream module and replaces its local `replace` targets
# with published versions. A part builds into a temp dir under the cache and is renamed into
# place only after its binaries ran, so a killed build never leaves a half-filled cache dir.
# sandbox/lib/toolchain.ts finds the binaries through the manifest, never by folder names.
# See BUILD-LOG.md for times, what was verified and which upstream versions the proxy refuses.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
MODULES="$HERE/modules"
CACHE="${WELKIN_TOOLCHAIN_CACHE:-$HOME/.cache/welkin-flux}"

# Release-style builds: no local paths or VCS stamps in binaries, go.sum must already be complete
# (no silent re-resolution), never download another Go toolchain.
export GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
export GOTOOLCHAIN=local
# Only consulted when a go.sum is regenerated (go mod tidy): the proxy's checksum-database
# lookup answers 404 for github.com/pulumi/pulumi/pkg/v3 v3.248.0 (its go.sum hashes come
# from the proxy alone).
export GONOSUMDB="${GONOSUMDB:-github.com/pulumi/pulumi/pkg}"

# ---------------------------------------------------------------------------------------------
# Versions. Where the version asked for is refused by the proxy, the fallback is noted.
PULUMI_VERSION=v3.248.0
# pulumi-language-nodejs@dc7edd58bc13 (its own module) is refused (403): built from sdk/v3 v3.68.0,
# the only release in the proxy's sdk/v3 list (v3.68.0, then v3.153.1 and up) whose module still
# contains the host as a package (it moved to its own go.mod later).
PULUMI_NODEJS_HOST_VERSION=v3.68.0
# The kubernetes provider plugin: v4.32.0 (a03ff6ba58d2) is refused; the proxy serves the commit
# tagged v4.25.0 under a pseudo-version (modules/pulumi-kubernetes pins it; must match).
K8S_PROVIDER_VERSION=v4.25.0
K8S_PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
K8S_PROVIDER_MODVERSION=v4.0.0-20260115033456-f47bc2d6f199
# No tls or github part: the proxy refuses pulumi-tls/provider/v5 (c3b9a61e7075 = v5.5.1) and
# pulumi-github/provider/v6 (e46c2bbdc297 = v6.15.0) with 403, also their @v/list, and the
# refusal is final (re-checked 2026-11-24): nothing to build
# them from. BUILD-LOG.md has the exact errors.
# v1.33.13: Flux v2.9.4 needs Kubernetes >= 1.33 (`flux check --pre`), and v1.33.13 is the newest
# 1.33 patch the proxy serves with every staging module (v1.32.13 was refused for four of them).
KUBE_VERSION=v1.33.13
KUBE_BUILD_DATE=2026-06-11T16:59:07Z   # the tag's commit time, as the proxy reports it
ETCD_VERSION=v3.5.16
HNC_VERSION=v1.1.0
KWOK_VERSION=v0.6.1
# Flux v2.1.2's source-controller v1.1.2 / kustomize-controller v1.1.1 are refused (403); the
# controllers of Flux v2.9.4 (the other bundled release) are served: both build from one wrapper
# module, modules/flux-controllers (its go.mod says which replaces that needs and why).
FLUX_SOURCE_VERSION=v1.9.4
FLUX_KUSTOMIZE_VERSION=v1.9.4
# Pulumi YAML's language host, for programs that use WelkinFlux from YAML (examples/yaml).
PULUMI_YAML_VERSION=v1.25.0
# OPA Gatekeeper, the admission Welkin runs: the proxy serves v3.17.0 and v3.23.1, not the 3.20.1
# Welkin deploys, so the nearest newer one. gator (its offline tester) comes from the same module.
GATEKEEPER_VERSION=v3.23.1
# Our renderer of Welkin's Gatekeeper charts (modules/welkin-gatekeeper-render), built with Helm
# v4.3.2's engine; keyed by the hash of its module, so a change to main.go builds it again.
RENDER_SOURCES=("$MODULES/welkin-gatekeeper-render/"{go.mod,go.sum,main.go})
POLICY_RENDER_VERSION="helm-v4.3.2-$(cat "${RENDER_SOURCES[@]}" | sha256sum | cut -c1-12)"
APT_PACKAGES=(git openssh-server openssh-client)

ALL_PARTS=(pulumi kubernetes kube etcd hnc kwok gatekeeper policy-render source-controller kustomize-controller yaml apt)
# What the sandbox tier (sandbox/lib/cluster.ts, test/e2e) runs; marked "sandbox" in the manifest.
SANDBOX_PARTS=(pulumi kubernetes kube etcd hnc kwok gatekeeper policy-render)

# part -> cache dir name (<name>-<version>) and the binaries that must be in its bin/
part_dir() {
	local prefix
	case "$1" in
	pulumi | etcd | hnc | kwok | gatekeeper | source-controller | kustomize-controller) prefix=$1 ;;
	policy-render) prefix=welkin-gatekeeper-render ;;
	yaml) prefix=pulumi-language-yaml ;;
	kubernetes) prefix=pulumi-resource-kubernetes ;;
	kube) prefix=kubernetes ;;
	apt) echo "" && return 0 ;;
	*) return 1 ;;
	esac
	echo "$prefix-$(part_version "$1")"
}
part_bins() {
	case "$1" in
	pulumi) echo pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs pulumi-analyzer-policy ;;
	kubernetes) echo pulumi-resource-kubernetes ;;
	kube) echo kube-apiserver kube-controller-manager kube-scheduler ;;
	etcd) echo etcd ;;
	hnc) echo hnc-manager ;;
	kwok) echo kwok ;;
	gatekeeper) echo gatekeeper gator ;;
	policy-render) echo welkin-gatekeeper-render ;;
	source-controller) echo source-controller ;;
	kustomize-controller) echo kustomize-controller ;;
	yaml) echo pulumi-language-yaml ;;
	apt) echo "${APT_PACKAGES[@]}" ;;
	esac
}
part_version() {
	case "$1" in
	pulumi) echo "$PULUMI_VERSION" ;;
	kubernetes) echo "$K8S_PROVIDER_VERSION" ;;
	kube) echo "$KUBE_VERSION" ;;
	etcd) echo "$ETCD_VERSION" ;;
	hnc) echo "$HNC_VERSION" ;;
	kwok) echo "$KWOK_VERSION" ;;
	gatekeeper) echo "$GATEKEEPER_VERSION" ;;
	policy-render) echo "$POLICY_RENDER_VERSION" ;;
	source-controller) echo "$FLUX_SOURCE_VERSION" ;;
	kustomize-controller) echo "$FLUX_KUSTOMIZE_VERSION" ;;
	yaml) echo "$PULUMI_YAML_VERSION" ;;
	apt) echo "" ;;
	esac
}

# ---------------------------------------------------------------------------------------------
ts() { date -u +%H:%M:%S; }
log() { printf '[%s] %s\n' "$(ts)" "$*"; }
die() { log "error: $*" >&2; exit 2; }

part_present() {
	local part=$1 b
	if [ "$part" = apt ]; then
		for b in $(part_bins apt); do dpkg -s "$b" >/dev/null 2>&1 || return 1; done
		return 0
	fi
	local dir
	dir="$CACHE/$(part_dir "$part")"
	for b in $(part_bins "$part"); do [ -x "$dir/bin/$b" ] || return 1; done
}

# gobuild <wrapper-module> <go build args...>: build from the wrapper module's directory.
# Module downloads are not echoed (hundreds of "go: downloading" lines on a cold build).
gobuild() {
	local mod=$1
	shift
	(cd "$MODULES/$mod" && go build "$@" 2>&1 | { grep -v '^go: downloading ' || true; })
}

# Runs "$@" with a timeout, succeeds if its combined output matches the regex $1.
expect_output() {
	local re=$1 out
	shift
	out=$(timeout 60 "$@" 2>&1) || true
	if ! grep -Eq -- "$re" <<<"$out"; then
		log "verify failed: '$*' did not print /$re/; output:"
		head -20 <<<"$out"
		return 1
	fi
	log "  ok: $* -> $(grep -Em1 -- "$re" <<<"$out" | cut -c1-100)"
}

# A plugin/server that should start, print a port on stdout and keep running.
expect_port() {
	local out
	out=$(cd "$(mktemp -d)" && timeout 5 "$@" 2>/dev/null | head -1) || true
	if ! [[ "$out" =~ ^[0-9]+$ ]]; then
		log "verify failed: '$*' did not print a port (got '$out')"
		return 1
	fi
	log "  ok: $* started, listening on port $out"
}

# ---------------------------------------------------------------------------------------------
# Build steps. Each gets the bin dir to fill ($1) and must leave only finished binaries there.

build_pulumi() {
	local bin=$1
	log "  go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION"
	CGO_ENABLED=0 gobuild pulumi -tags osusergo,grpcnotrace \
		-ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
		-o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
	log "  go build github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs@$PULUMI_NODEJS_HOST_VERSION"
	CGO_ENABLED=0 gobuild pulumi-language-nodejs -tags osusergo,grpcnotrace \
		-ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_NODEJS_HOST_VERSION" \
		-o "$bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
	install -m 0755 "$HERE/shims/pulumi-resource-pulumi-nodejs" "$HERE/shims/pulumi-analyzer-policy" "$bin/"
}
verify_pulumi() {
	local bin=$1 tmp
	expect_output "^${PULUMI_VERSION}\$" "$bin/pulumi" version || return 1
	expect_port "$bin/pulumi-language-nodejs" || return 1
	# The local (file://) backend must work without any network.
	tmp=$(mktemp -d)
	mkdir "$tmp/state"
	(cd "$tmp" && PULUMI_HOME="$tmp/home" PULUMI_SKIP_UPDATE_CHECK=true \
		expect_output "Logged in to .* \(file://" "$bin/pulumi" login "file://$tmp/state")
	rm -rf "$tmp"
}

# The Pulumi kubernetes provider plugin. modules/pulumi-kubernetes/main.go is upstream's
# cmd/pulumi-resource-kubernetes main (a main package cannot be imported); the two files it
# embeds are generated here from that directory of the module (upstream data, git-ignored).
build_kubernetes() {
	local bin=$1 mod="$MODULES/pulumi-kubernetes" pinned src
	command -v node >/dev/null || { log "  node not found: modules/pulumi-kubernetes/generate-embed.js needs it"; return 1; }
	pinned=$(cd "$mod" && go list -m -f '{{.Version}}' "$K8S_PROVIDER_MODULE")
	if [ "$pinned" != "$K8S_PROVIDER_MODVERSION" ]; then
		log "  modules/pulumi-kubernetes pins $K8S_PROVIDER_MODULE $pinned, build.sh says $K8S_PROVIDER_MODVERSION"
		return 1
	fi
	(cd "$mod" && go mod download "$K8S_PROVIDER_MODULE")
	src=$(cd "$mod" && go list -m -f '{{.Dir}}' "$K8S_PROVIDER_MODULE")
	log "  generate-embed.js: schema-embed.json (version ${K8S_PROVIDER_VERSION#v}), terraform-mapping-embed.json"
	node "$mod/generate-embed.js" "$src" "${K8S_PROVIDER_VERSION#v}" "$mod"
	log "  go build $K8S_PROVIDER_MODULE/cmd/pulumi-resource-kubernetes@$K8S_PROVIDER_MODVERSION ($K8S_PROVIDER_VERSION)"
	CGO_ENABLED=0 gobuild pulumi-kubernetes \
		-ldflags "-s -w -X $K8S_PROVIDER_MODULE/pkg/version.Version=${K8S_PROVIDER_VERSION#v}" \
		-o "$bin/pulumi-resource-kubernetes" .
}
verify_kubernetes() {
	local v=${K8S_PROVIDER_VERSION#v}
	# The engine reads the package version from the embedded schema.
	if ! grep -qaF "{\"name\":\"kubernetes\",\"version\":\"$v\"" "$1/pulumi-resource-kubernetes"; then
		log "verify failed: pulumi-resource-kubernetes does not embed a schema with version $v"
		return 1
	fi
	log "  ok: embedded schema has version $v"
	expect_port "$1/pulumi-resource-kubernetes"
}

build_kube() {
	local bin=$1 ld="" kv kminor
	# What hack/lib/version.sh sets, so the server reports its version and not v0.0.0.
	kminor=${KUBE_VERSION#v1.}
	kminor=${kminor%%.*}
	for kv in "gitVersion=$KUBE_VERSION" "gitMajor=1" "gitMinor=$kminor" "gitTreeState=clean" \
		"buildDate=$KUBE_BUILD_DATE"; do
		ld+=" -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
	done
	# kube-scheduler: without it, no pod of a Deployment is ever bound to kwok's node.
	log "  go build k8s.io/kubernetes/cmd/{kube-apiserver,kube-controller-manager,kube-scheduler}@$KUBE_VERSION"
	CGO_ENABLED=0 gobuild kubernetes -ldflags "-s -w$ld" -o "$bin/" \
		k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
}
verify_kube() {
	expect_output "^Kubernetes ${KUBE_VERSION}\$" "$1/kube-apiserver" --version &&
		expect_output "^Kubernetes ${KUBE_VERSION}\$" "$1/kube-controller-manager" --version &&
		expect_output "^Kubernetes ${KUBE_VERSION}\$" "$1/kube-scheduler" --version
}

build_etcd() {
	log "  go build go.etcd.io/etcd/server/v3@$ETCD_VERSION"
	CGO_ENABLED=0 gobuild etcd -ldflags "-s -w" -o "$1/etcd" go.etcd.io/etcd/server/v3
}
verify_etcd() { expect_output "^etcd Version: ${ETCD_VERSION#v}\$" "$1/etcd" --version; }

build_hnc() {
	log "  go build sigs.k8s.io/hierarchical-namespaces/cmd/manager@$HNC_VERSION"
	CGO_ENABLED=0 gobuild hnc \
		-ldflags "-s -w -X sigs.k8s.io/hierarchical-namespaces/internal/version.Version=$HNC_VERSION" \
		-o "$1/hnc-manager" sigs.k8s.io/hierarchical-namespaces/cmd/manager
}
verify_hnc() { expect_output "no-webhooks" "$1/hnc-manager" --help; }

build_kwok() {
	log "  go build sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
	CGO_ENABLED=0 gobuild kwok -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
		-o "$1/kwok" sigs.k8s.io/kwok/cmd/kwok
}
verify_kwok() { expect_output "$KWOK_VERSION" "$1/kwok" --version; }

build_gatekeeper() {
	log "  go build github.com/open-policy-agent/gatekeeper/v3{,/cmd/gator}@$GATEKEEPER_VERSION"
	CGO_ENABLED=0 gobuild gatekeeper -ldflags "-s -w" -o "$1/gatekeeper" github.com/open-policy-agent/gatekeeper/v3
	CGO_ENABLED=0 gobuild gatekeeper -ldflags "-s -w" -o "$1/gator" github.com/open-policy-agent/gatekeeper/v3/cmd/gator
}
verify_gatekeeper() {
	expect_output "disable-cert-rotation" "$1/gatekeeper" --help &&
		expect_output "enforcementAction|Usage" "$1/gator" test --help
}

build_policy-render() {
	log "  go build modules/welkin-gatekeeper-render (Helm v4.3.2's engine)"
	CGO_ENABLED=0 gobuild welkin-gatekeeper-render -ldflags "-s -w" -o "$1/welkin-gatekeeper-render" .
}
verify_policy-render() { expect_output "usage: welkin-gatekeeper-render" "$1/welkin-gatekeeper-render"; }

# Both controllers come from modules/flux-controllers; the second links mostly from the first
# one's build cache. Their module roots are the commands.
build_source-controller() {
	log "  go build github.com/fluxcd/source-controller@$FLUX_SOURCE_VERSION"
	CGO_ENABLED=0 gobuild flux-controllers -ldflags "-s -w" -o "$1/source-controller" \
		github.com/fluxcd/source-controller
}
verify_source-controller() { expect_output "storage-adv-addr" "$1/source-controller" --help; }

build_kustomize-controller() {
	log "  go build github.com/fluxcd/kustomize-controller@$FLUX_KUSTOMIZE_VERSION"
	CGO_ENABLED=0 gobuild flux-controllers -ldflags "-s -w" -o "$1/kustomize-controller" \
		github.com/fluxcd/kustomize-controller
}
verify_kustomize-controller() { expect_output "no-cross-namespace-refs" "$1/kustomize-controller" --help; }

# Pulumi YAML's language host. Its go.mod has no replace lines, so `go install <cmd>@<version>`
# builds it as published, checked against the module's own go.sum (no wrapper module needed).
build_yaml() {
	log "  go install github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION"
	(cd "$1" && CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false" GOBIN="$1" \
		go install -ldflags "-s -w" \
		"github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION" 2>&1 | { grep -v '^go: downloading ' || true; })
}
verify_yaml() { expect_port "$1/pulumi-language-yaml"; }

# System packages the sandbox tests use next to the binaries (git server over ssh).
run_apt() {
	if part_present apt; then
		log "apt: cached (${APT_PACKAGES[*]} installed)"
		return 0
	fi
	log "apt: installing ${APT_PACKAGES[*]}"
	local sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${APT_PACKAGES[@]}"
}

# ---------------------------------------------------------------------------------------------
# The manifest: one JSON file naming every part, its version, bin dir and binaries, and whether
# it is present. sandbox/lib/toolchain.ts reads it (and runs `build.sh --manifest` when it is
# missing or was written by another version of this script, per scriptSha256: the hash of this
# script followed by the source of the one part built from this repository's own code, the
# renderer, whose cache dir changes with it).
MANIFEST="$CACHE/toolchain-manifest.json"

json_str() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}
json_list() {
	local first=1 x
	printf '['
	for x in "$@"; do
		[ $first = 1 ] || printf ', '
		first=0
		json_str "$x"
	done
	printf ']'
}
in_list() {
	local x=$1 y
	shift
	for y in "$@"; do [ "$x" = "$y" ] && return 0; done
	return 1
}

manifest_json() {
	local part sep="" dir info built secs
	printf '{\n  "format": 1,\n  "script": %s,\n  "scriptSha256": "%s",\n  "cache": %s,\n  "parts": [' \
		"$(json_str "$SELF")" "$(cat "$SELF" "${RENDER_SOURCES[@]}" | sha256sum | cut -d' ' -f1)" "$(json_str "$CACHE")"
	for part in "${ALL_PARTS[@]}"; do
		printf '%s\n    {"part": %s, "version": %s, ' "$sep" "$(json_str "$part")" "$(json_str "$(part_version "$part")")"
		sep=,
		# shellcheck disable=SC2046 # word lists
		if [ "$part" = apt ]; then
			printf '"dir": null, "binDir": null, "binaries": [], "packages": %s, ' "$(json_list $(part_bins apt))"
		else
			dir="$CACHE/$(part_dir "$part")"
			printf '"dir": %s, "binDir": %s, "binaries": %s, ' "$(json_str "$dir")" "$(json_str "$dir/bin")" \
				"$(json_list $(part_bins "$part"))"
		fi
		printf '"sandbox": %s, ' "$(in_list "$part" "${SANDBOX_PARTS[@]}" && echo true || echo false)"
		if part_present "$part"; then
			printf '"present": true'
			info="$dir/BUILD-INFO"
			if [ "$part" != apt ] && [ -f "$info" ]; then
				built=$(sed -n 's/^built=//p' "$info")
				secs=$(sed -n 's/^seconds=//p' "$info")
				[ -z "$built" ] || printf ', "built": %s' "$(json_str "$built")"
				[[ ! "$secs" =~ ^[0-9]+$ ]] || printf ', "buildSeconds": %s' "$secs"
			fi
			printf '}'
		else
			printf '"present": false}'
		fi
	done
	printf '\n  ]\n}\n'
}

# Written to a temp file and renamed: readers never see half a file, even while another
# build.sh runs (--manifest does not wait for the build lock).
write_manifest() {
	local tmp
	mkdir -p "$CACHE"
	tmp=$(mktemp "$CACHE/.toolchain-manifest.XXXXXX")
	manifest_json >"$tmp"
	chmod 0644 "$tmp"
	mv -f "$tmp" "$MANIFEST"
}

# ---------------------------------------------------------------------------------------------
# run_part and run_step report failure in PART_OK and always return 0, so that they are never
# called from an `if` or `||`: there bash ignores `set -e` in everything the call runs, even in a
# subshell that sets it again, and a step would go on past a failing command.
PART_OK=1

# Runs build_<part> or verify_<part> on "$tmp/bin" (run_part's locals) in a subshell with
# errexit on; on failure removes "$tmp", says so and clears PART_OK.
run_step() {
	local step=$1 what=$2 rc
	set +e
	(set -e; "${step}_$part" "$tmp/bin")
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		rm -rf "$tmp"
		log "$part: FAILED $what ($name)"
		PART_OK=0
	fi
}

run_part() {
	local part=$1 rc
	PART_OK=1
	if [ "$part" = apt ]; then
		set +e
		(set -e; run_apt)
		rc=$?
		set -e
		[ $rc -eq 0 ] || PART_OK=0
		return 0
	fi
	local name dir tmp start secs
	name=$(part_dir "$part")
	dir="$CACHE/$name"
	if part_present "$part"; then
		log "$part: cached ($dir)"
		return 0
	fi
	log "$part: building $name"
	start=$(date +%s)
	tmp=$(mktemp -d "$CACHE/.tmp-$name.XXXXXX")
	mkdir -p "$tmp/bin"
	run_step build "to build"
	[ "$PART_OK" = 1 ] || return 0
	run_step verify "verification"
	[ "$PART_OK" = 1 ] || return 0
	secs=$(($(date +%s) - start))
	{
		echo "part=$part"
		echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "seconds=$secs"
		echo "go=$(go env GOVERSION)"
	} >"$tmp/BUILD-INFO"
	chmod 0755 "$tmp"
	# A leftover dir with missing binaries (deleted by hand) is replaced whole.
	rm -rf "$dir"
	mv -T "$tmp" "$dir"
	write_manifest
	log "$part: built in ${secs}s -> $dir/bin"
}

cmd_check() {
	local part missing=0 name
	for part in "${ALL_PARTS[@]}"; do
		name=$(part_dir "$part")
		if part_present "$part"; then
			if [ "$part" = apt ]; then echo "apt: present (${APT_PACKAGES[*]})"; else echo "$part: present ($CACHE/$name/bin)"; fi
		else
			if [ "$part" = apt ]; then echo "apt: missing (${APT_PACKAGES[*]})"; else echo "$part: missing ($CACHE/$name/bin)"; fi
			missing=1
		fi
	done
	return $missing
}

cmd_env() {
	local part
	for part in "${ALL_PARTS[@]}"; do
		[ "$part" = apt ] && continue
		part_present "$part" || continue
		printf 'export PATH="%s/bin:$PATH"\n' "$CACHE/$(part_dir "$part")"
	done
	# The CLI's update check would wait on an unreachable api.pulumi.com.
	echo 'export PULUMI_SKIP_UPDATE_CHECK=true'
}

main() {
	case "${1:-}" in
	--check) cmd_check; return ;;
	--env) cmd_env; return ;;
	--manifest) write_manifest; cat "$MANIFEST"; return ;;
	--list)
		local p
		for p in "${ALL_PARTS[@]}"; do echo "$p: $(part_dir "$p") [$(part_bins "$p")]"; done
		return
		;;
	-h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; return ;;
	esac

	local parts=() p
	[ $# -gt 0 ] || set -- "${ALL_PARTS[@]}"
	for p in "$@"; do
		case "$p" in
		flux) parts+=(source-controller kustomize-controller) ;;
		sandbox) parts+=("${SANDBOX_PARTS[@]}") ;;
		all) parts+=("${ALL_PARTS[@]}") ;;
		*) part_dir "$p" >/dev/null || die "unknown part '$p' (parts: ${ALL_PARTS[*]} flux sandbox)"; parts+=("$p") ;;
		esac
	done

	command -v go >/dev/null || die "go not found (Go >= 1.24 is needed for the wrapper modules' tool lines)"
	mkdir -p "$CACHE"
	# One build at a time per cache; temp dirs left by a killed run are then safe to remove.
	exec 9>"$CACHE/.welkin-toolchain-build.lock"
	flock -n 9 || { log "waiting for another build.sh on $CACHE"; flock 9; }
	# Only this script's own leftovers: other tools may share the cache dir.
	for p in "${ALL_PARTS[@]}"; do
		[ "$p" = apt ] || rm -rf "$CACHE/.tmp-$(part_dir "$p")."*
	done

	local failed=() t0
	t0=$(date +%s)
	log "toolchain: $(go env GOVERSION), cache $CACHE, parts: ${parts[*]}"
	for p in "${parts[@]}"; do
		run_part "$p"
		[ "$PART_OK" = 1 ] || failed+=("$p")
	done
	write_manifest
	log "done in $(($(date +%s) - t0))s"
	if [ ${#failed[@]} -gt 0 ]; then
		log "failed parts: ${failed[*]} (see BUILD-LOG.md)"
		return 1
	fi
}

main "$@"
