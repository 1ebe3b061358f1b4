"""Benchmarks of the order flow: `python -m bench.run` (see docs/PERFORMANCE.md)."""
