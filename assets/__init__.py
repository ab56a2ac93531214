"""Dagster asset definitions per layer: thin wiring around the pure libraries."""

REFRESH_TAG = "aml_registry/refresh_id"
OWNERS = ["team:registry-data"]
