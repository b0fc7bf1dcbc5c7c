"""Armature's core library: small ports, their adapters, errors and settings."""
