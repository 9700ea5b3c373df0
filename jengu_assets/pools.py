"""Concurrency pools shared by every run: how many steps may use each outside service at once."""

POOL_LIMITS = {
    "llm": 4,  # LLM providers: cost and rate limits
    "smtp": 1,  # sending: inboxes pace themselves inside one step
    "web_api": 4,  # job boards, search, verifier, website fetches
}
