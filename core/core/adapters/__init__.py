"""Adapters: the technology behind each port, named <Tech><Role>."""
