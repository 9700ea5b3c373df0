"""Replies: every inbound message understood, and what a hotel's answer means.

``understanding`` reads raw RFC 5322 bytes (never raising, with bounded work on hostile input)
and sorts a message into a bounce, an auto-reply, a complaint, a human reply or malformed input,
with what each kind needs: the bounced recipient, its RFC 3463 status and the Message-ID of the
email that bounced, the date an out-of-office sender is back, the new text of a reply without its
quoted history and signature. It reads through ``parsing`` (bytes to a parsed message, with
the hostile-input limits), ``reports`` (delivery reports and complaints), ``auto_replies``,
``dates`` (return dates) and ``quoting`` (the new text of a reply).

``prompts`` holds the ``reply_intent`` LLM task (answer schema and prompts), ``intent`` its
offline provider: a rule classifier in the languages the outreach is written in.
"""
