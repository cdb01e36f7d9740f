"""Helpers the test suites share: fakes, factories, sandbox fixtures."""
