"""Jengu's operator entry points: the ``jengu`` command line, the demo and the Dagster home."""
