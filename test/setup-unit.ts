// Unit tests render Ink as on an operator's terminal. Ink reads CI once, at import: under CI=true it
// would draw only the last frame, so the variables go before any test file loads it. Tests of the CI
// behaviour itself pass an explicit environment (see test/unit/ui/output-mode.test.ts).
// Whether the suite itself runs in CI stays known: tests that must not be skipped there read it.
process.env.PORTCULLIS_TEST_IN_CI = process.env.CI ?? '';
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
