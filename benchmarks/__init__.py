"""kg's benchmarks: `python -m benchmarks` runs them all; each prints a ratio
against a baseline measured in the same run (machines here are shared and noisy)."""
