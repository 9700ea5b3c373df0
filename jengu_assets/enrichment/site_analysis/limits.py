"""Bounds on the work one page may cost: hostile input (megabytes of nesting, huge JSON-LD,
binary garbage) is cut at these sizes and counts, never parsed whole.
"""

from __future__ import annotations

# Real hotel pages stay far below all of these; they exist so that one hostile or broken page
# cannot stall a batch.

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_HTML_CHARS = 8_000_000
MAX_TEXT_CHARS = 3_000_000
MAX_JSONLD_CHARS = 1_000_000
MAX_JSONLD_SCRIPTS = 50
MAX_JSON_NODES = 20_000
MAX_JSON_DEPTH = 40
MAX_JSON_LIST = 2_000
MAX_INLINE_SCRIPT_CHARS = 200_000
MAX_CONCATENATION_SCRIPT_CHARS = 20_000
MAX_JOINED_SCRIPT_CHARS = 200_000
MAX_SCRIPT_HAYSTACK_CHARS = 3_000_000
MAX_ANCHORS = 6_000
MAX_ITEMSCOPES = 100
MAX_ITEMPROPS = 300
MAX_PHONE_PARSES = 500
MAX_ADDRESS_LINES = 2_000
MAX_EMAIL_CANDIDATES = 5_000
MAX_BOOKING_HOSTS = 5_000
# lexbor checks element scopes by walking the open-element stack, so parse time grows with
# nesting depth times element count; no real page nests anywhere near this deep.
MAX_TREE_DEPTH = 512
# lexbor also slows down quadratically with the number of options in one <select>.
MAX_OPTIONS_PER_SELECT = 1_500
