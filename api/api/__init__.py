"""The API container: the only package that knows FastAPI."""
