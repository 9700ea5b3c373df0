"""Hotel website analysis: contact details, technology and structured data from one HTML page.

Everything here is a pure function over an already fetched page (no network), so the same code
serves the crawler, saved pages and test fixtures. Hotel sites are hand-made, old and often
broken, so every extractor is defensive and bounded: ``analyze_html`` returns whatever it could
read instead of raising, and hostile input (megabytes of nesting, huge JSON-LD, binary garbage)
costs a bounded amount of work (``limits.py``).

Output is a :class:`SiteAnalysis`; ``to_json`` gives the record shape stored by the enrichment
step, and ``analyze_file`` produces the same record (or ``{"input", "error"}``) for a file.

One module per part of the page: ``inputs`` (saved pages, MHTML, gzip, JSON-LD files),
``markup`` (taming the tree, visible text), ``head`` (meta tags, title, language, URLs),
``structured_data`` (schema.org from JSON-LD, microdata, RDFa), ``scripts`` and ``state`` (code
and the data client-rendered pages carry), ``technology`` (CMS, analytics, chat, booking engine),
``links`` (social profiles, the site's own pages), ``emails``, ``regions`` (the country national
numbers are read in), ``phones`` and ``addresses``; ``analysis`` runs them in order.
"""

# decode_html is part of this package's API too: bytes given to analyze_html go through it.
from jengu_assets.enrichment.site_analysis.analysis import analyze_file, analyze_html
from jengu_assets.enrichment.site_analysis.models import SiteAnalysis
from jengu_resources.text_decoding import decode_html

__all__ = ["SiteAnalysis", "analyze_file", "analyze_html", "decode_html"]
