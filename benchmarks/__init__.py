"""`make bench`: measured figures for BENCHMARKS.md (never asserted in tests)."""
