"""The bench runner: `python -m bench` from _BENCHMARK (see _BENCHMARK/README.md)."""
