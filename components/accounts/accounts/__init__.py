"""The accounts component: who may call the API, and with which scopes."""
