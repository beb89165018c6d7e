"""Benchmarks that print ratios against their targets (docs/PERFORMANCE.md); never run by the tests."""
