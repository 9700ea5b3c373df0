"""The rules that turn job postings and CSV rows into prospects: pure functions, no I/O, no Dagster.

Everything here answers a narrow question about text a human typed somewhere else — is this a
hotel, where is it, which company is it, have we seen it before — and answers it the same way every
time, so that a run can be replayed and a surprising decision explained. Functions that decide
something return a human reason alongside the verdict; that reason ends up in the run log and is
what an operator reads when a hotel is missing from (or wrongly in) the pipeline.

The vocabularies are deliberately explicit lists rather than clever heuristics: when a false
positive turns up, the fix is one word in one list, with a test case next to it.

One module per question, each importing only those above it:

- ``text``: folding, so that two spellings compare equal, and whole-phrase matching;
- ``names``: the keys of company and city names;
- ``addresses``: domains and email addresses;
- ``places``: countries, regions, time zones and free-text locations;
- ``roles``: hotel jobs, decision-makers and tiers;
- ``hotels``: is the employer or the listed company a hotel, and which company a posting is from;
- ``dedup``: generic domains and the index that finds duplicates.
"""

from __future__ import annotations

from jengu_assets.acquisition.rules.addresses import domain_of, is_valid_email, normalise_email
from jengu_assets.acquisition.rules.dedup import (
    DEDUP_SPELLING_SQL,
    FUZZY_THRESHOLD,
    DedupIndex,
    dedup_spelling,
    is_generic_domain,
)
from jengu_assets.acquisition.rules.hotels import (
    extract_company,
    is_hospitality_company,
    is_hospitality_industry,
    is_hospitality_posting,
    looks_like_lodging,
)
from jengu_assets.acquisition.rules.names import city_key, name_key
from jengu_assets.acquisition.rules.places import (
    country_code,
    domain_countries,
    ends_in_state_or_country,
    parse_location,
    phone_countries,
    postcode_countries,
    region_country,
    timezone_for,
)
from jengu_assets.acquisition.rules.roles import (
    HOSPITALITY_ROLES,
    SENIOR_ROLES,
    HotelRole,
    hiring_signal,
    is_decision_maker,
    tier_for,
)
from jengu_assets.acquisition.rules.text import fold

__all__ = [
    "DEDUP_SPELLING_SQL", "FUZZY_THRESHOLD", "HOSPITALITY_ROLES", "SENIOR_ROLES", "DedupIndex",
    "HotelRole", "city_key", "country_code", "dedup_spelling", "domain_countries", "domain_of",
    "ends_in_state_or_country", "extract_company", "fold", "hiring_signal", "is_decision_maker",
    "is_generic_domain", "is_hospitality_company", "is_hospitality_industry",
    "is_hospitality_posting", "is_valid_email", "looks_like_lodging", "name_key",
    "normalise_email", "parse_location", "phone_countries", "postcode_countries",
    "region_country", "timezone_for", "tier_for",
]
