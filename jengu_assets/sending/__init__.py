"""Sending: the inbox pool, the once-only send ledger, pacing, bounces and the send run."""
