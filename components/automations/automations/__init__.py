"""Automations: Python snippets attached to an item, run in a sandbox whenever it changes."""
