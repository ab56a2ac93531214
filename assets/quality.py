"""Quality layer: great-expectations data docs over the current staged data."""
