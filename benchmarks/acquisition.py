"""Lead acquisition throughput and memory, printed as one JSON object.

    .venv/bin/python benchmarks/acquisition.py [--rows 50000] [--existing 100000]
    .venv/bin/python benchmarks/acquisition.py --one-city 40000

Measures, in a throw-away JENGU_HOME:
- reading a messy CSV (cp1252, semicolons, quoted newlines) into leads;
- `jengu import-leads` end to end (read, record every row, admit with deduplication);
- admitting a batch of leads against a store that already holds many prospects;
- the peak resident memory of the whole process.

`--one-city N` measures instead the worst case of fuzzy name matching: `import-leads` of N
different hotel names in one city (no numbers in them, so every name is a fuzzy candidate of
every other), one row in twenty a misspelling or reordering of an earlier one, and the same
names through the deduplication index alone.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jengu_assets.acquisition import admission, rules  # noqa: E402
from jengu_assets.acquisition.csv_leads import read_lead_file  # noqa: E402
from jengu_assets.acquisition.imports import import_lead_file  # noqa: E402
from jengu_assets.acquisition.models import Lead  # noqa: E402
from jengu_resources.crm_store import CRMStore  # noqa: E402

CITIES = [("München", "DE"), ("Wien", "AT"), ("Zürich", "CH"), ("Paris", "FR"), ("Lisboa", "PT"),
          ("Madrid", "ES"), ("Roma", "IT"), ("Amsterdam", "NL"), ("Dublin", "IE"), ("London", "GB")]
WORDS = ["Grand", "Alpen", "Sonne", "Parc", "Royal", "Garden", "Lago", "Bellevue", "Adler", "Post",
         "Europa", "Central", "Krone", "Rose", "Mar", "Sol", "Palace", "Vista", "Stern", "Linden"]


def _hotel(rng: random.Random, i: int) -> tuple[str, str, str]:
    city, country = rng.choice(CITIES)
    name = f"Hotel {rng.choice(WORDS)} {rng.choice(WORDS)} {i}"
    return name, city, country


def write_messy_csv(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    lines = ["Hotel;Stadt;Land;E-Mail;Vorname;Nachname;Notiz"]
    previous = _hotel(rng, 0)
    for i in range(rows):
        # Every 20th row names the previous row's hotel again, with word order changed: 5% duplicates.
        if i % 20 == 0 and i:
            name, city, country = previous
            name = " ".join(reversed(name.split()))
        else:
            name, city, country = previous = _hotel(rng, i)
        email = f"gm{i}@hotel{i}.example" if i % 7 else "n/a"
        note = '"Zimmer renoviert;\nneue Lobby"' if i % 13 == 0 else "—"
        company = "" if i % 97 == 0 else name  # ~1% rejected
        lines.append(f"{company};{city};{country};{email};Max;Müller;{note}")
    path.write_bytes("\r\n".join(lines).encode("cp1252", errors="replace"))


SYLLABLES = ["ka", "lo", "mi", "ra", "te", "su", "no", "vi", "da", "le", "po", "ri", "sa", "to",
             "ne", "ma", "gu", "be", "fi", "ho", "zu", "ce", "ya", "wi", "bor", "len", "tak",
             "mur", "sel", "vin", "dor", "kas", "pel", "run", "gal", "fen", "tor", "lis", "bar",
             "cor"]


def one_city_names(count: int, seed: int = 3) -> list[str]:
    """``count`` hotel names of one city, no digits; every 20th repeats an earlier one with a
    letter dropped or its words swapped, the way two exports write the same hotel."""
    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        if len(names) % 20 == 19:
            first, second = rng.choice(names).split()[1:]
            if rng.random() < 0.5:
                names.append(f"Hotel {second} {first}")
            else:
                cut = rng.randrange(1, len(first))
                names.append(f"Hotel {first[:cut]}{first[cut + 1 :]} {second}")
            continue
        name = f"Hotel {word()} {word()}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def one_city(count: int) -> dict:
    names = one_city_names(count)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        csv_path = tmp_path / "wien.csv"
        csv_path.write_text("Hotel,Stadt,Land\n" + "".join(f"{n},Wien,AT\n" for n in names),
                            encoding="utf-8")
        store = CRMStore(path=str(tmp_path / "crm.duckdb"))
        store.migrate()
        started = time.perf_counter()
        report = import_lead_file(store, csv_path, imported_on=date(2026, 11, 20), actor="bench")
        import_s = time.perf_counter() - started

    index = rules.DedupIndex()
    # CPU time too: on a shared machine the wall clock also measures the neighbours.
    started, cpu_started = time.perf_counter(), time.process_time()
    matched = 0
    for i, name in enumerate(names):
        keys = {"name_key": rules.name_key(name), "city_key": "wien", "domain": None,
                "email": None}
        if index.match(**keys):
            matched += 1
        else:
            index.add(f"p{i}", **keys)
    index_s, index_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "one_city_rows": count,
        "import_leads_seconds": round(import_s, 3),
        "import_leads_rows_per_s": round(count / import_s),
        "import_counts": {k: report[k] for k in ("rows", "accepted", "duplicates", "rejected")},
        "dedup_index_seconds": round(index_s, 3),
        "dedup_index_cpu_seconds": round(index_cpu_s, 3),
        "dedup_index_matches": matched,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--existing", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--one-city", type=int, default=0, metavar="N",
                        help="measure N different names in one city instead")
    args = parser.parse_args()
    if args.one_city:
        print(json.dumps(one_city(args.one_city), indent=2))
        return

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        csv_path = tmp_path / "leads.csv"
        write_messy_csv(csv_path, args.rows)

        started = time.perf_counter()
        lead_file = read_lead_file(csv_path)
        read_s = time.perf_counter() - started

        store = CRMStore(path=str(tmp_path / "crm.duckdb"))
        store.migrate()
        started = time.perf_counter()
        report = import_lead_file(store, csv_path, imported_on=date(2026, 11, 20), actor="bench")
        import_s = time.perf_counter() - started

        # A store with many prospects, then one day's batch against it.
        big = CRMStore(path=str(tmp_path / "big.duckdb"))
        rng = random.Random(2)

        def leads(n: int, offset: int, prefix: str) -> list[Lead]:
            out = []
            for i in range(offset, offset + n):
                name, city, country = _hotel(rng, i)
                out.append(Lead(company_name=name, source="csv", source_key=f"{prefix}:{i}",
                                source_ref=f"bench {i}", city=city, country=country,
                                website=f"https://www.h{i}.example"))
            return out

        started = time.perf_counter()
        with big.transaction() as con:
            admission.admit(con, leads(args.existing, 0, "seed"), discovered_on=date(2026, 11, 19),
                            actor="bench")
        seed_s = time.perf_counter() - started
        batch = leads(args.batch // 2, args.existing - args.batch // 2, "again") + leads(
            args.batch // 2, args.existing, "new")
        started = time.perf_counter()
        with big.transaction() as con:
            outcomes = admission.admit(con, batch, discovered_on=date(2026, 11, 20), actor="bench")
        batch_s = time.perf_counter() - started

    print(json.dumps({
        "csv_rows": args.rows,
        "csv_read_seconds": round(read_s, 3),
        "csv_read_rows_per_s": round(args.rows / read_s),
        "csv_encoding_detected": lead_file.encoding,
        "import_leads_seconds": round(import_s, 3),
        "import_leads_rows_per_s": round(args.rows / import_s),
        "import_counts": {k: report[k] for k in ("rows", "accepted", "duplicates", "rejected")},
        "seed_prospects": args.existing,
        "seed_admit_seconds": round(seed_s, 3),
        "seed_admit_leads_per_s": round(args.existing / seed_s),
        "batch_leads": len(batch),
        "batch_admit_seconds": round(batch_s, 3),
        "batch_admit_leads_per_s": round(len(batch) / batch_s),
        "batch_outcomes": admission.summarise(outcomes),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
