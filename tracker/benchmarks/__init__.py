"""Benchmarks run by scripts/bench_*: they build large data sets and print timings."""
