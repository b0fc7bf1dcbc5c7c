"""The container's own routes: probes and documentation."""
