// welkin-flux/testing: what a user's unit test needs to build a program that uses WelkinFlux
// under Pulumi's mocks (pulumi.runtime.setMocks), with outputs shaped like the real providers'.
// Documented in the README, "Testing your program". Importing it installs nothing.
export { MOCKED_TYPES } from "./types";
export { WelkinFluxMocks, welkinFluxMocks } from "./mocks";
export type { MockedCall, MockedResource, WelkinFluxMocksOptions } from "./mocks";
export { mockKeyMaterial } from "./keys";
export type { MockKeyMaterial, MockKeyRequest } from "./keys";
export { outputValue } from "./values";
