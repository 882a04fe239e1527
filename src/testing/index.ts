/**
 * berth/testing: disposable containers as test fixtures.
 * This entry point is reserved for the harness (GenericContainer, wait strategies, networks, reaper).
 */
export {};
