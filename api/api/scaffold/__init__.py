"""The component generator: `armature new-component` and `make component name=...`."""
