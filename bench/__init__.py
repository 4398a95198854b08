"""Bedwatch performance benchmark: `python -m bench --help` and docs/performance.md."""
