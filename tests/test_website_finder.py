"""The website finder's rules on hand-made search results: no network, no sandbox."""

from __future__ import annotations

import asyncio

import pytest

from jengu_assets.enrichment.website_finder import (
    ALLOWED_KINDS,
    CANDIDATE,
    CHAIN_PROPERTY,
    MIN_SCORE,
    ScoredCandidate,
    choose_by_score,
    choose_website,
    classify_url,
    registered_domain,
    score_candidate,
    search_query,
)
from jengu_resources.search import SearchResult


def hit(rank: int, url: str, title: str, snippet: str = "") -> SearchResult:
    return SearchResult(rank=rank, title=title, url=url, snippet=snippet)


def choose(results, name="Hotel Adler", city="München", country="DE", **kw):
    return asyncio.run(choose_website(results, company_name=name, city=city, country=country, **kw))


BOOKING = hit(1, "https://www.booking.com/hotel/de/adler-munchen.de.html",
              "Hotel Adler, Munich – Updated 2026 Prices", "Located in Munich, Hotel Adler ...")
TRIPADVISOR = hit(2, "https://www.tripadvisor.de/Hotel_Review-g1-d2-Reviews-Hotel_Adler-Munich.html",
                  "HOTEL ADLER - Updated 2026 Prices & Hotel Reviews (Munich, Germany)")
FACEBOOK = hit(3, "https://www.facebook.com/hoteladlermuenchen/",
               "Hotel Adler | München | Facebook")
OFFICIAL = hit(4, "https://www.hotel-adler-muenchen.de/", "Hotel Adler – Hotel in München",
               "Willkommen im Hotel Adler in München. 30 Zimmer, 3 Sterne.")


# -- search_query -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, city, country, expected",
    [
        # the plain case from the brief
        ("Hotel Adler", "München", "DE", "Hotel Adler München official website"),
        # a legal form pushes the hotel's own site down the results
        ("Hotel Adler GmbH & Co. KG", "München", "DE", "Hotel Adler München official website"),
        ("Casa López, S.L.", "Sevilla", "ES", "Casa López Sevilla official website"),
        # chain names already carry the city; saying it twice adds nothing
        ("Courtyard by Marriott Denver Downtown", "Denver", "US",
         "Courtyard by Marriott Denver Downtown official website"),
        # ... in whatever language the name spells it
        ("Park Inn by Radisson Vienna City", "Wien", "AT",
         "Park Inn by Radisson Vienna City official website"),
        # quotes would turn the query into an exact-phrase search
        ('"Das Nordlicht"', "Rothenburg ob der Tauber", "DE",
         "Das Nordlicht Rothenburg ob der Tauber official website"),
        # without a city the country is the only place we have
        ("Hotel Adler", None, "Germany", "Hotel Adler Germany official website"),
    ],
)
def test_search_query(name, city, country, expected):
    assert search_query(name, city, country) == expected


# -- classify_url -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, kind",
    [
        # OTAs under any country TLD or subdomain
        ("https://www.booking.com/hotel/de/adler.html", "ota"),
        ("https://de.hotels.com/ho123456/", "ota"),
        ("https://www.expedia.co.uk/London-Hotels-The-George.h1.Hotel-Information", "ota"),
        ("https://www.trip.com/hotels/detail/?hotelId=1", "ota"),
        ("https://www.airbnb.com/rooms/1", "ota"),
        # reviews, including Google's map and travel pages
        ("https://www.tripadvisor.co.uk/Hotel_Review-g1-d2.html", "review"),
        ("https://www.holidaycheck.de/hi/hotel-adler/abc", "review"),
        ("https://www.google.com/maps/place/Hotel+Adler", "review"),
        ("https://maps.app.goo.gl/abc", "review"),
        # social pages; LinkedIn's jobs section is a job board instead
        ("https://www.facebook.com/hoteladler/", "social"),
        ("https://x.com/hoteladler", "social"),
        ("https://www.linkedin.com/company/hotel-adler", "social"),
        ("https://www.linkedin.com/jobs/view/3123456789", "job_board"),
        ("https://uk.indeed.com/cmp/the-george/jobs", "job_board"),
        ("https://www.stepstone.de/stellenangebote--Rezeption", "job_board"),
        # a chain's careers subdomain is about jobs, not the property
        ("https://careers.marriott.com/job/123", "job_board"),
        # directories: encyclopedias, yellow pages, booking portals, tourism boards
        ("https://de.wikipedia.org/wiki/Hotel_Adlon", "directory"),
        ("https://www.gelbeseiten.de/gsbiz/123", "directory"),
        ("https://www.hotel.de/de/hotel-adler-muenchen", "directory"),
        ("https://www.visitberlin.de/de/unterkuenfte", "directory"),
        ("https://www.muenchen-tourismus.de/hotels/hotel-adler", "directory"),
        ("https://turismo.madrid.es/es/alojamiento", "directory"),
        ("https://www.turismosevilla.es/hotels/casa-el-mirador", "directory"),  # not a "villa"
        # "Hotel Turismo" is a hotel, not a tourism board
        ("https://www.hotelturismo.it/", "candidate"),
        ("https://www.agriturismolevigne.it/", "candidate"),  # a farm stay, same trap
        ("https://www.hotel-du-tourisme.fr/", "candidate"),
        # chain home, search and brand pages are the whole chain
        ("https://www.marriott.com/", "chain_wide"),
        ("https://www.hilton.com/en/", "chain_wide"),
        ("https://www.hilton.com/en/hampton/", "chain_wide"),
        ("https://all.accor.com/a/en.html", "chain_wide"),
        ("https://www.marriott.com/search/findHotels.mi?city=Denver", "chain_wide"),
        ("https://www.ihg.com/holidayinnexpress/hotels/us/en/reservation", "chain_wide"),
        # one property on a chain's site: its slug, its city or its code is in the path
        ("https://www.marriott.com/en-us/hotels/dency-courtyard-denver-downtown/overview/",
         "chain_property"),
        ("https://www.hilton.com/en/hotels/denhxhx-hampton-denver/", "chain_property"),
        ("https://all.accor.com/hotel/1234/index.en.shtml", "chain_property"),
        ("https://www.ihg.com/holidayinnexpress/hotels/us/en/denver/denex/hoteldetail",
         "chain_property"),
        ("https://www.kempinski.com/en/hotel-adlon", "chain_property"),
        ("https://www.premierinn.com/gb/en/hotels/england/greater-london/london/county-hall.html",
         "chain_property"),
        # a franchise's own domain is a candidate like any independent site
        ("https://www.courtyardgrazcity.at/", "candidate"),
        ("https://www.hotel-adler-muenchen.de/en/rooms", "candidate"),
        # a site builder subdomain is the hotel's own site
        ("https://hoteladler.wixsite.com/home", "candidate"),
    ],
)
def test_classify_url(url, kind):
    assert classify_url(url) == kind


@pytest.mark.parametrize(
    "host, expected",
    [
        ("de.hotels.com", "hotels.com"),  # subdomains count as their parent
        ("www.tripadvisor.co.uk", "tripadvisor.co.uk"),  # two-level public suffix kept whole
        ("hotel-adler.de", "hotel-adler.de"),
    ],
)
def test_registered_domain(host, expected):
    assert registered_domain(host) == expected


# -- scoring ------------------------------------------------------------------------------------


def score(result: SearchResult, name="Hotel Adler", city="München", country="DE") -> float:
    return score_candidate(result, company_name=name, city=city, country=country).score


@pytest.mark.parametrize(
    "better, worse",
    [
        # the home page is the website; a deep page is at best a part of it
        (hit(3, "https://www.hotel-adler.de/", "Hotel Adler München"),
         hit(3, "https://www.hotel-adler.de/de/zimmer/doppelzimmer/komfort",
             "Hotel Adler München")),
        # https is what a maintained site serves
        (hit(3, "https://www.hotel-adler.de/", "Hotel Adler München"),
         hit(3, "http://www.hotel-adler.de/", "Hotel Adler München")),
        # the search engine's own ranking is weak evidence, but evidence
        (hit(1, "https://www.hotel-adler.de/", "Hotel Adler München"),
         hit(6, "https://www.hotel-adler.de/", "Hotel Adler München")),
        # a German hotel's site is .de far more often than another country's TLD
        (hit(2, "https://www.hotel-adler.de/", "Hotel Adler München"),
         hit(2, "https://www.hotel-adler.fr/", "Hotel Adler München")),
        # a domain that spells the name beats one that spells something else
        (hit(2, "https://www.hotel-adler.de/", "Hotel Adler München"),
         hit(2, "https://www.gasthof-sonne.de/", "Hotel Adler München")),
        # the city in the title is location evidence; no mention at all is what a namesake has
        (hit(2, "https://www.hotel-adler.de/", "Hotel Adler München"),
         hit(2, "https://www.hotel-adler.de/", "Hotel Adler")),
        # the exonym counts as the city: Munich is München
        (hit(2, "https://www.hotel-adler.de/", "Hotel Adler Munich"),
         hit(2, "https://www.hotel-adler.de/", "Hotel Adler Official Site")),
        # German domains spell ü as ue and ä as ae
        (hit(2, "https://www.hotelschwarzerbaer.de/", "Hotel Schwarzer Bär – Hotel in München"),
         hit(2, "https://www.hotelschwarzerbock.de/", "Hotel Schwarzer Bär – Hotel in München")),
    ],
)
def test_score_prefers(better, worse):
    name = "Hotel Schwarzer Bär" if "schwarzer" in better.url else "Hotel Adler"
    assert score(better, name=name) > score(worse, name=name)


@pytest.mark.parametrize("result", [BOOKING, TRIPADVISOR, FACEBOOK])
def test_excluded_kinds_score_zero_and_say_why(result):
    scored = score_candidate(result, company_name="Hotel Adler", city="München", country="DE")
    # listed for the record with the reason, never a contender
    assert scored.score == 0.0 and "never the hotel's own site" in scored.reasons[0]


def test_official_site_scores_high_with_reasons():
    scored = score_candidate(OFFICIAL, company_name="Hotel Adler", city="München", country="DE")
    assert scored.kind == CANDIDATE and scored.score > 0.85
    assert "city in domain" in scored.reasons and "home page" in scored.reasons


# -- choosing -----------------------------------------------------------------------------------


def test_no_results():
    choice = choose([])
    assert (choice.url, choice.reason) == (None, "no search results")


def test_otas_are_never_chosen_and_the_reason_names_them():
    choice = choose([BOOKING, TRIPADVISOR])
    assert choice.url is None
    assert choice.reason == "only OTAs/review sites (booking.com, tripadvisor.de)"


def test_official_site_wins_even_when_otas_outrank_it():
    # booking.com and Tripadvisor sit on top and spell the name perfectly; they still lose
    choice = choose([BOOKING, TRIPADVISOR, FACEBOOK, OFFICIAL])
    assert choice.url == OFFICIAL.url and choice.kind == CANDIDATE
    assert choice.home_url == "https://www.hotel-adler-muenchen.de/"


def test_home_url_is_the_origin_of_an_independent_site():
    page = hit(2, "https://www.hotel-adler.de/de/zimmer", "Zimmer – Hotel Adler München")
    choice = choose([BOOKING, page])
    assert choice.url == page.url and choice.home_url == "https://www.hotel-adler.de/"


MARRIOTT_HOME = hit(1, "https://www.marriott.com/", "Marriott Bonvoy | Hotels & Resorts",
                    "Book hotels worldwide")
COURTYARD = hit(3, "https://www.marriott.com/en-us/hotels/dency-courtyard-denver-downtown/overview/",
                "Courtyard by Marriott Denver Downtown | Marriott",
                "Book Courtyard Denver Downtown, near Union Station in Denver.")
COURTYARD_BOOKING = hit(2, "https://www.booking.com/hotel/us/courtyard-denver-downtown.html",
                        "Courtyard by Marriott Denver Downtown, Denver – Updated 2026 Prices")


def test_chain_property_beats_chain_wide():
    choice = choose([MARRIOTT_HOME, COURTYARD_BOOKING, COURTYARD],
                    name="Courtyard by Marriott Denver Downtown", city="Denver", country="US")
    assert choice.url == COURTYARD.url and choice.kind == CHAIN_PROPERTY
    # a property page is the hotel's home on the chain's site: keep the whole URL
    assert choice.home_url == COURTYARD.url


def test_franchise_domain_beats_its_page_on_the_chain_site():
    # both are the hotel's, but its own domain is where its people's addresses live
    own = hit(4, "https://www.courtyarddenverdowntown.com/",
              "Courtyard by Marriott Denver Downtown | Official Site", "Hotel in Denver, CO.")
    choice = choose([MARRIOTT_HOME, COURTYARD_BOOKING, COURTYARD, own],
                    name="Courtyard by Marriott Denver Downtown", city="Denver", country="US")
    assert choice.url == own.url
    assert choice.home_url == "https://www.courtyarddenverdowntown.com/"


def test_chain_wide_alone_is_not_chosen():
    choice = choose([MARRIOTT_HOME, COURTYARD_BOOKING],
                    name="Courtyard by Marriott Denver Downtown", city="Denver", country="US")
    assert choice.url is None
    assert choice.reason.startswith("only the chain's brand site/OTAs (marriott.com, booking.com")


def test_sibling_property_in_another_city_loses():
    sibling = hit(2, "https://www.marriott.com/en-us/hotels/ausdt-courtyard-austin-downtown/",
                  "Courtyard by Marriott Austin Downtown | Marriott", "In downtown Austin, Texas.")
    choice = choose([MARRIOTT_HOME, sibling, COURTYARD],
                    name="Courtyard by Marriott Denver Downtown", city="Denver", country="US")
    assert choice.url == COURTYARD.url


BATH = hit(3, "https://www.aldridge-house.co.uk/", "The Aldridge House | Official Site | Bath",
           "Welcome to The Aldridge House in Bath: 24 rooms.")
MANCHESTER = hit(1, "https://www.aldridgehouse.co.uk/", "The Aldridge House – Hotel in Manchester",
                 "Welcome to The Aldridge House in Manchester: 40 rooms.")


def test_same_name_in_another_city_loses():
    # the namesake ranks first and its domain spells the name as well; only the city differs
    choice = choose([MANCHESTER, BATH], name="The Aldridge House", city="Bath", country="GB")
    assert choice.url == BATH.url


def test_same_name_in_another_city_alone_is_not_chosen():
    choice = choose([MANCHESTER, BOOKING], name="The Aldridge House", city="Bath", country="GB")
    assert choice.url is None
    assert choice.reason.startswith("best candidate scored 0.")
    assert choice.reason.endswith("< 0.5 (aldridgehouse.co.uk)")
    assert choice.score < MIN_SCORE


def test_travel_blog_mentioning_the_hotel_is_not_its_website():
    blog = hit(2, "https://www.wanderlust-diaries.com/munich/best-boutique-hotels",
               "The 12 Best Boutique Hotels in Munich (2026)",
               "Where to stay in Munich, including Hotel Adler.")
    choice = choose([BOOKING, blog])
    assert choice.url is None and "best candidate scored" in choice.reason


def test_min_score_is_respected():
    choice = choose([BOOKING, OFFICIAL], min_score=0.99)
    assert choice.url is None and choice.reason.endswith("< 0.99 (hotel-adler-muenchen.de)")


def test_choose_by_score_is_the_same_without_a_picker():
    results = [BOOKING, TRIPADVISOR, OFFICIAL]
    sync = choose_by_score(results, company_name="Hotel Adler", city="München", country="DE")
    assert sync.url == choose(results).url == OFFICIAL.url


# -- the picker -----------------------------------------------------------------------------------


class FixedPicker:
    def __init__(self, answer: str | None = None, error: Exception | None = None):
        self.answer, self.error = answer, error
        self.offered: list[ScoredCandidate] = []

    async def pick(self, company_name, city, country, candidates):
        self.offered = list(candidates)
        if self.error:
            raise self.error
        return self.answer


SECOND_SITE = hit(5, "https://www.adler-hotel.de/", "Adler Hotel München", "Hotel in München")


def test_picker_sees_only_allowed_candidates():
    picker = FixedPicker(OFFICIAL.url)
    choose([BOOKING, TRIPADVISOR, FACEBOOK, OFFICIAL, SECOND_SITE], picker=picker)
    # an LLM cannot pick what it is never shown
    assert {c.url for c in picker.offered} == {OFFICIAL.url, SECOND_SITE.url}
    assert all(c.kind in ALLOWED_KINDS for c in picker.offered)


@pytest.mark.parametrize(
    "picker, expected_url, reason_part",
    [
        # the picker may overrule the scores among allowed candidates
        (FixedPicker(SECOND_SITE.url), SECOND_SITE.url, "picked by FixedPicker among 2"),
        # answering with a candidate's home page is answering with that candidate
        (FixedPicker("https://adler-hotel.de"), SECOND_SITE.url, "picked by FixedPicker"),
        # an answer outside the allowed list (an OTA it made up or saw elsewhere) is ignored
        (FixedPicker(BOOKING.url), OFFICIAL.url, "is not an allowed candidate; by score"),
        (FixedPicker("https://www.example.org/"), OFFICIAL.url, "is not an allowed candidate"),
        # no opinion: the scores decide
        (FixedPicker(None), OFFICIAL.url, "FixedPicker chose none; by score: scored"),
        # a failing picker costs nothing but the picker's opinion
        (FixedPicker(error=TimeoutError("llm timed out")), OFFICIAL.url,
         "FixedPicker failed (TimeoutError: llm timed out); by score"),
    ],
)
def test_picker_answers(picker, expected_url, reason_part):
    choice = choose([BOOKING, TRIPADVISOR, OFFICIAL, SECOND_SITE], picker=picker)
    assert choice.url == expected_url
    assert reason_part in choice.reason


def test_picker_is_not_asked_when_nothing_is_allowed():
    picker = FixedPicker(BOOKING.url)
    choice = choose([BOOKING, TRIPADVISOR], picker=picker)
    assert choice.url is None and picker.offered == []
