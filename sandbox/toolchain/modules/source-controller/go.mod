// Wrapper module: Flux source-controller (module root is the command).
// Flux v2.1.2 ships v1.1.2, but the Go module proxy here refuses
// github.com/fluxcd/source-controller@v1.1.2 (403 "This module version is not available");
// 1.9 is the oldest minor it lists for both Flux controllers; v1.9.6 is its newest patch.
module welkin-flux.local/toolchain/source-controller

go 1.26.0

require (
	github.com/fluxcd/source-controller v1.9.6
	// Upstream has `replace .../api => ./api`; the api/v1.9.6 tag is the same code.
	github.com/fluxcd/source-controller/api v1.9.6
)

// Copied from source-controller's go.mod (remote replace).
replace github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20220411205349-bde1400a84be

tool github.com/fluxcd/source-controller
