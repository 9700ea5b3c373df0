"""The CPU side of processing inbound mail: understanding raw messages and, without a provider
key, their offline intent. Pure, and importable without Dagster, so that the worker processes a
backlog is read in start in a fraction of a second: they import this module, not the asset's."""

from __future__ import annotations

from jengu_assets.replies import prompts
from jengu_assets.replies.intent import offline_intent
from jengu_assets.replies.understanding import Understanding, understand


def read_batch(raws: list[bytes], own: frozenset[str], offline: bool
               ) -> list[tuple[Understanding, prompts.ReplyAnalysis | None]]:
    """Understanding, and the offline intent of human replies when no provider is configured: pure
    CPU work, so a backlog has it done in a worker process while this one writes."""
    out = []
    for raw in raws:
        u = understand(raw, own_addresses=own)
        value = (offline_intent(u.reply_text or "", u.parsed.subject)
                 if offline and u.kind == "human_reply" else None)
        out.append((u, value))
    return out
