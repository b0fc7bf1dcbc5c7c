"""The items component: create, read, list, update and delete priced items."""
