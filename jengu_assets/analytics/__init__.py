"""The analyst outputs: a DuckDB file published from the CRM store, replaced atomically.

Analysts query ``$JENGU_HOME/analytics.duckdb`` read-only, as long as they like; the pipeline keeps
the CRM file to itself. ``publish.py`` builds and swaps the file, ``assets.py`` makes it the
``analytics_warehouse`` asset; what it holds is described in ``docs/analytics.md``.
"""
