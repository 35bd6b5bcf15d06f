"""Tiny random checkpoints and writers for tests and benchmarks; the product never imports this."""
