"""The research report's facts said in German, French, Spanish and Italian, for the templates.

A report's texts are English sentences; pasted into an email in another language they make a
mixed-language email. The values behind them (``Provenance`` and the typed fields of
``ResearchItem``) are written out here in the email's language instead. Role titles, board and
site names, hotel names and quotations stay verbatim, in the language's quotation marks: they
are names, or someone else's words. An item without values (a report stored before they
existed) or of a kind with no phrasing here has no rendering, and the template leaves it out.

Pure: no I/O, no checks. Whether a rendering is fit to send is for the template to judge.
"""

from __future__ import annotations

from dataclasses import dataclass

from jengu_assets.research.models import Provenance, ResearchItem, Signal


@dataclass(frozen=True)
class FactPhrases:
    quote: str  # quotation marks around "{}"
    on: str  # "on {board}", with its leading space
    decimal_comma: bool
    # Provenance, one whole sentence each. {role} and {on} are empty when unknown.
    job_posting: str
    listing: str
    website: str
    public_listings: str
    # Items, as a clause that follows a colon in the template's sentence.
    signals: dict[Signal, str]
    rating: str
    complaint: str
    rating_and_complaint: str
    hiring: str
    news: str


FACT_PHRASES: dict[str, FactPhrases] = {
    "de": FactPhrases(
        quote="„{}“",
        on=" auf {}",
        decimal_comma=True,
        job_posting="Ich schreibe Ihnen, weil wir Ihre Stellenanzeige{role}{on} gesehen haben.",
        listing="Ich schreibe Ihnen, weil wir Ihr Profil{on} gesehen haben.",
        website="Ich schreibe Ihnen, weil wir auf die Website Ihres Hotels gestoßen sind.",
        public_listings="Ich schreibe Ihnen, weil wir Ihr Hotel in öffentlichen Verzeichnissen "
                        "gefunden haben.",
        signals={
            "no_booking_engine": "Auf {host} gibt es keine direkte Online-Buchung",
            "no_chat_widget": "Auf {host} gibt es keinen Live-Chat",
            "no_schema_org": "Auf {host} fehlen die schema.org-Daten für Hotels",
            "no_analytics": "Auf {host} haben wir keine Webanalyse gefunden",
            "no_social_profiles": "{host} verlinkt keine Profile in sozialen Medien",
            "booking_engine": "Direktbuchungen auf {host} laufen über {name}",
            "stars": "Ihr Haus ist ein {number}-Sterne-Hotel",
            "rooms": "Ihr Haus hat {number} Zimmer",
        },
        rating="Auf {site} hat Ihr Haus die Bewertung {rating}",
        complaint="Gäste auf {site} erwähnen {quote}",
        rating_and_complaint="Auf {site} hat Ihr Haus die Bewertung {rating}; Gäste erwähnen "
                             "{quote}",
        hiring="Sie haben die Stelle {role}{on} ausgeschrieben",
        news="{site} titelt {quote}",
    ),
    "fr": FactPhrases(
        quote="« {} »",
        on=" sur {}",
        decimal_comma=True,
        job_posting="Je vous écris car nous avons vu votre offre d'emploi{role}{on}.",
        listing="Je vous écris car nous avons vu votre profil{on}.",
        website="Je vous écris car nous avons découvert le site de votre hôtel.",
        public_listings="Je vous écris car nous avons trouvé votre hôtel dans des annuaires "
                        "publics.",
        signals={
            "no_booking_engine": "il n'y a pas de réservation directe en ligne sur {host}",
            "no_chat_widget": "il n'y a pas de chat en direct sur {host}",
            "no_schema_org": "les données schema.org pour hôtels manquent sur {host}",
            "no_analytics": "nous n'avons pas trouvé d'outil de mesure d'audience sur {host}",
            "no_social_profiles": "{host} ne renvoie vers aucun réseau social",
            "booking_engine": "les réservations directes sur {host} passent par {name}",
            "stars": "votre hôtel a {number} étoiles",
            "rooms": "votre hôtel a {number} chambres",
        },
        rating="sur {site}, votre hôtel a la note de {rating}",
        complaint="sur {site}, les clients évoquent {quote}",
        rating_and_complaint="sur {site}, votre hôtel a la note de {rating} ; les clients "
                             "évoquent {quote}",
        hiring="vous avez publié l'offre{role}{on}",
        news="{site} a titré {quote}",
    ),
    "es": FactPhrases(
        quote="«{}»",
        on=" en {}",
        decimal_comma=True,
        job_posting="Le escribo porque vimos su oferta de empleo{role}{on}.",
        listing="Le escribo porque vimos su perfil{on}.",
        website="Le escribo porque encontramos la web de su hotel.",
        public_listings="Le escribo porque encontramos su hotel en directorios públicos.",
        signals={
            "no_booking_engine": "en {host} no hay reserva directa en línea",
            "no_chat_widget": "en {host} no hay chat en directo",
            "no_schema_org": "en {host} faltan los datos schema.org de hotel",
            "no_analytics": "no encontramos analítica web en {host}",
            "no_social_profiles": "{host} no enlaza ningún perfil en redes sociales",
            "booking_engine": "las reservas directas en {host} se hacen con {name}",
            "stars": "su hotel tiene {number} estrellas",
            "rooms": "su hotel tiene {number} habitaciones",
        },
        rating="en {site}, su hotel tiene una valoración de {rating}",
        complaint="en {site}, los huéspedes mencionan {quote}",
        rating_and_complaint="en {site}, su hotel tiene una valoración de {rating}; los "
                             "huéspedes mencionan {quote}",
        hiring="ha publicado la oferta{role}{on}",
        news="{site} publicó {quote}",
    ),
    "it": FactPhrases(
        quote="«{}»",
        on=" su {}",
        decimal_comma=True,
        job_posting="Le scrivo perché abbiamo visto il vostro annuncio di lavoro{role}{on}.",
        listing="Le scrivo perché abbiamo visto il vostro profilo{on}.",
        website="Le scrivo perché abbiamo trovato il sito del vostro hotel.",
        public_listings="Le scrivo perché abbiamo trovato il vostro hotel in elenchi pubblici.",
        signals={
            "no_booking_engine": "su {host} non c'è una prenotazione diretta online",
            "no_chat_widget": "su {host} non c'è una chat dal vivo",
            "no_schema_org": "su {host} mancano i dati schema.org per hotel",
            "no_analytics": "su {host} non abbiamo trovato strumenti di analisi web",
            "no_social_profiles": "{host} non rimanda a nessun profilo social",
            "booking_engine": "le prenotazioni dirette su {host} passano da {name}",
            "stars": "il vostro hotel ha {number} stelle",
            "rooms": "il vostro hotel ha {number} camere",
        },
        rating="su {site}, il vostro hotel ha una valutazione di {rating}",
        complaint="su {site}, gli ospiti segnalano {quote}",
        rating_and_complaint="su {site}, il vostro hotel ha una valutazione di {rating}; gli "
                             "ospiti segnalano {quote}",
        hiring="avete pubblicato l'annuncio{role}{on}",
        news="{site} ha titolato {quote}",
    ),
}


def provenance_sentence(said: Provenance, language: str) -> str | None:
    """Where the contact was found, as one sentence in ``language``; None for a language
    without phrases here."""
    phrases = FACT_PHRASES.get(language)
    if phrases is None:
        return None
    role = f" {phrases.quote.format(said.role)}" if said.role else ""
    on = phrases.on.format(said.board) if said.board else ""
    sentence = {
        "job_posting": phrases.job_posting,
        "listing": phrases.listing,
        "website": phrases.website,
        "public_listings": phrases.public_listings,
    }[said.kind]
    return sentence.format(role=role, on=on)


def item_clause(item: ResearchItem, language: str) -> str | None:
    """The item as a clause in ``language``, from its values; None when it has none to say."""
    phrases = FACT_PHRASES.get(language)
    if phrases is None:
        return None

    def number(value: float) -> str:
        text = str(int(value)) if float(value).is_integer() else f"{value:g}"
        return text.replace(".", ",") if phrases.decimal_comma else text

    if item.kind in ("pain_signal", "property") and item.signal and item.host:
        # A one-star hotel would need the singular ("1 étoile"); such a fact is left out.
        if item.signal in ("stars", "rooms") and (item.number is None or item.number < 2):
            return None
        if item.signal == "booking_engine" and not item.name:
            return None
        return phrases.signals[item.signal].format(
            host=item.host, name=item.name, number=number(item.number or 0))
    if item.kind == "review" and item.site and (item.rating or item.quote):
        rating = None
        if item.rating:
            rating = number(item.rating)
            rating += "" if item.scale in (None, 5) else f"/{item.scale}"
        quote = phrases.quote.format(item.quote) if item.quote else None
        template = (phrases.rating_and_complaint if rating and quote
                    else phrases.rating if rating else phrases.complaint)
        return template.format(site=item.site, rating=rating, quote=quote)
    if item.kind == "hiring_signal" and item.role:
        on = phrases.on.format(item.board) if item.board else ""
        return phrases.hiring.format(role=f" {phrases.quote.format(item.role)}", on=on)
    if item.kind == "news" and item.site and item.quote:
        return phrases.news.format(site=item.site, quote=phrases.quote.format(item.quote))
    return None


__all__ = ["FACT_PHRASES", "FactPhrases", "item_clause", "provenance_sentence"]
