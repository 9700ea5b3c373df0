"""The configuration table (jengu_resources/settings.py) against the code that reads it: the real
code location loaded in a subprocess with bad values, the resource wiring in-process, the source
tree scanned for every JENGU_* name, and docs/configuration.md."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jengu_resources import definitions, settings
from jengu_resources.settings import SettingError

REPO = Path(__file__).resolve().parent.parent
# Where Jengu's own code and deployment read variables. tests/ and benchmarks/ are left out: they
# invent inbox password variables of their own (``--password-env``), which are no settings.
CODE = ("jengu", "jengu_assets", "jengu_resources", "sensors", "sandbox", "deploy", "Makefile",
        "workspace.yaml", "dagster.yaml", "dagster.postgres.yaml")
# Names that appear as examples, not as variables Jengu reads.
EXAMPLES = {
    "JENGU_INBOX_SALES_PASSWORD": "an inbox's --password-env variable, named by the operator",
    "JENGU_WEB_RPSS": "the typo docs/configuration.md shows the doctor catching",
}
NAME = re.compile(r"(?<![A-Za-z0-9_])JENGU_[A-Z0-9_]+")
SECRET_VALUE = "hooks.example.test/T0001/B0002/Zq81-not-for-logs"


def _names_in(paths) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in paths:
        for name in NAME.findall(path.read_text(encoding="utf-8", errors="replace")):
            found.setdefault(name.rstrip("_"), set()).add(str(path.relative_to(REPO)))
    return found


def _code_files() -> list[Path]:
    files = []
    for entry in (REPO / part for part in CODE):
        found = [entry] if entry.is_file() else sorted(p for p in entry.rglob("*") if p.is_file())
        files += [p for p in found if "__pycache__" not in p.parts and p.suffix != ".pyc"]
    return [p for p in files if p != REPO / "jengu_resources" / "settings.py"]


def _known(name: str) -> bool:
    """In the table, or the prefix of names built from it (``f"{prefix}_SMTP_PASSWORD"``)."""
    return name in settings.BY_NAME or any(k.startswith(name + "_") for k in settings.BY_NAME)


# -- every variable documented --------------------------------------------------------------------

def test_every_jengu_name_in_the_code_is_in_the_table_and_on_the_docs_page():
    found = _names_in(_code_files())
    assert len(found) > 50                       # the scan sees the code at all
    unknown = {n: sorted(f) for n, f in found.items() if not _known(n) and n not in EXAMPLES}
    assert unknown == {}, "add these to jengu_resources/settings.py"
    page = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    undocumented = [n for n in found if n in settings.BY_NAME and f"`{n}`" not in page]
    assert undocumented == []


def test_the_docs_page_is_generated_from_the_table():
    page = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert settings.docs_with_tables(page) == page, \
        "run: python -m jengu_resources.settings --docs docs/configuration.md"
    for setting in settings.SETTINGS:
        row = next(line for line in page.splitlines() if line.startswith(f"| `{setting.name}` |"))
        assert ("| secret |" in row) == setting.secret


def test_the_docs_name_no_variable_that_does_not_exist():
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    stale = {n: sorted(f) for n, f in _names_in(pages).items()
             if not _known(n) and n not in EXAMPLES}
    assert stale == {}


def test_the_production_template_lists_every_variable_but_the_tests_own():
    template = (REPO / "deploy" / "jengu.env.template").read_text(encoding="utf-8")
    missing = [s.name for s in settings.SETTINGS
               if not s.name.startswith("JENGU_TEST_") and s.name not in template]
    assert missing == []


def test_the_wiring_reads_only_table_variables_and_marks_its_secrets():
    for name, mapping in vars(definitions).items():
        if isinstance(mapping, dict) and name.endswith(("_SECRETS", "_SETTINGS")):
            for var in mapping.values():
                assert settings.BY_NAME[var].secret == name.endswith("_SECRETS"), var


@pytest.mark.parametrize(
    ("resource", "mapping"),
    [
        ("jengu_resources.job_boards.JobBoards", definitions.JOB_BOARD_SETTINGS),
        ("jengu_resources.fetcher.SafeFetcher", definitions.FETCHER_SETTINGS),
        ("jengu_resources.search.WebSearch", definitions.SEARCH_SETTINGS),
        ("jengu_resources.verifier.EmailVerifier", definitions.VERIFIER_SETTINGS),
        ("jengu_resources.llm.LLM", definitions.LLM_SETTINGS),
        ("jengu_resources.spamd.SpamChecker", definitions.SPAM_SETTINGS),
        ("jengu_resources.notify.Notifier", definitions.NOTIFY_SETTINGS),
    ],
)
def test_documented_defaults_are_the_resources_defaults(resource, mapping):
    module, _, cls = resource.rpartition(".")
    fields = getattr(importlib.import_module(module), cls).model_fields
    for field, var in mapping.items():
        default, documented = fields[field].default, settings.BY_NAME[var].default
        assert default == documented or (documented is None and default in (None, "")), var


def test_choice_sets_match_their_owners():
    from jengu.instance import INSTANCE_CONFIGS

    assert settings.BY_NAME["JENGU_DAGSTER_INSTANCE"].kind.names() == list(INSTANCE_CONFIGS)
    assert len(settings.iso_countries()) == 249 + 1       # ISO 3166-1 alpha-2, and XK (Kosovo)


# -- values ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("var", "value", "says"),
    [
        ("JENGU_SEND_SKIP_PROBABILITY", "2", "a number from 0 to 1"),        # a probability
        ("JENGU_SEND_SKIP_PROBABILITY", "30%", "a number from 0 to 1"),
        ("JENGU_WEB_RPS", "abc", "a number > 0"),                             # not a number
        ("JENGU_LLM_RPS", "0", "a number > 0"),                               # a rate of 0 stalls
        ("JENGU_SEARCH_RPS", "nan", "a number > 0"),                          # float() takes it
        ("JENGU_SPAMD_CONCURRENCY", "x", "a whole number >= 1"),
        ("JENGU_NOTIFY_SMTP_PORT", "70000", "a whole number from 1 to 65535"),
        ("JENGU_ALERT_SMTP_PORT", "0", "a whole number from 1 to 65535"),
        ("JENGU_SPAMD_PORT", "-1", "a whole number from 0 to 65535"),        # 0 is allowed: off
        ("JENGU_RETENTION_DAYS", "0", "a whole number >= 1"),
        ("JENGU_ARCHIVE_AFTER_DAYS", "1.5", "a whole number >= 1"),
        ("JENGU_BACKUP_KEEP_DAYS", "two weeks", "a whole number >= 1"),
        ("JENGU_CHECK_MX", "flase", "true or false"),                         # no silent false
        ("JENGU_IMAP_MARK_SEEN", "seen", "true or false"),
        ("JENGU_NOTIFY_SMTP_TLS_MODE", "ssl", "one of starttls, implicit, none"),
        ("JENGU_ALERT_WEBHOOK_FORMAT", "teams", "one of slack, discord, generic"),
        ("JENGU_SEARCH_PROVIDER", "bing", "one of duckduckgo"),
        ("JENGU_DAGSTER_INSTANCE", "mysql", "one of sqlite, postgres"),
        ("JENGU_JOB_SOURCES", "adzuna,linkedin", "'linkedin' is not known"),
        ("ADZUNA_COUNTRIES", "gb,uk", "'uk' is not an ISO code (use GB)"),
        ("ADZUNA_COUNTRIES", "de,xx", "'xx' is not an ISO 3166-1 alpha-2"),
        ("JENGU_HELD_COUNTRIES", "AT=hold,ZZ=allow", "'ZZ' is not an ISO 3166-1 alpha-2"),
        ("JENGU_HELD_COUNTRIES", "DE=maybe", "'DE=maybe' is not a rule"),
        ("JENGU_NOTIFY_EMAIL_TO", "ops at example.com", "one email address"),
        ("JENGU_SPAMD_HOST", "http://spamd.internal", "a host name or IP address"),
        ("XAI_BASE_URL", "api.x.ai/v1", "an http(s) URL"),                    # no scheme
        ("JENGU_GIT_URL", "https://bitbucket.org/acme/jengu", "on github or gitlab"),
        ("JENGU_SANDBOX_ROUTES", "hotel.test=localhost", "target must be IP:PORT"),
    ],
)
def test_a_bad_value_names_the_variable_the_value_and_what_is_allowed(var, value, says):
    with pytest.raises(SettingError) as caught:
        settings.read(var, {var: value})
    message = str(caught.value)
    assert message.startswith(f"{var}={value!r} is invalid: ")
    assert says in message


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("JENGU_NOTIFY_WEBHOOK_URL", SECRET_VALUE),                           # no scheme
        ("JENGU_DAGSTER_PG_URL", "mysql://jengu:" + SECRET_VALUE + "@db.internal/jengu"),
    ],
)
def test_a_bad_secret_is_named_but_never_shown(var, value):
    with pytest.raises(SettingError) as caught:
        settings.read(var, {var: value})
    assert str(caught.value).startswith(f"{var} (a secret, value not shown) is invalid")
    assert SECRET_VALUE not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("var", "value", "parsed"),
    [
        ("JENGU_SEND_SKIP_PROBABILITY", "0", 0.0),        # set, though falsy: never the default
        ("JENGU_SEND_SEED", " 0 ", 0),
        ("JENGU_SPAMD_PORT", "0", 0),                     # spamd off
        ("JENGU_CHECK_MX", "Off", False),
        ("JENGU_IMAP_MARK_SEEN", "1", True),
        ("JENGU_NOTIFY_SMTP_TLS_MODE", "STARTTLS", "starttls"),
        ("JENGU_JOB_SOURCES", "serpapi, Adzuna", "serpapi, Adzuna"),   # aliases; the board parses
        ("JENGU_HELD_COUNTRIES", "AT=hold: no consent, DE=allow, CH", "AT=hold: no consent, "
                                 "DE=allow, CH"),
        ("JENGU_SPAMD_HOST", "::1", "::1"),
        ("JENGU_DAGSTER_PG_URL", "postgresql+psycopg2://u:p@127.0.0.1:5432/test",
         "postgresql+psycopg2://u:p@127.0.0.1:5432/test"),
        ("JENGU_WEB_RPS", "", None),                      # empty: not set
    ],
)
def test_good_values_parse_to_what_the_readers_use(var, value, parsed):
    assert settings.read(var, {var: value}) == parsed


def test_validate_names_every_bad_variable_at_once():
    env = {"JENGU_WEB_RPS": "abc", "JENGU_SPAMD_CONCURRENCY": "x", "JENGU_HOME": "/tmp/ok"}
    with pytest.raises(SettingError) as caught:
        settings.validate(env)
    assert "JENGU_WEB_RPS='abc'" in str(caught.value)
    assert "JENGU_SPAMD_CONCURRENCY='x'" in str(caught.value)
    settings.validate({"JENGU_HOME": "/tmp/ok", "JENGU_WEB_RPS": "3"})


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("JENGU_WEB_RPSS", "JENGU_WEB_RPS"),
        ("JENGU_SPAMD_CONCURENCY", "JENGU_SPAMD_CONCURRENCY"),
        ("JENGU_ALERTS_EMAIL_TO", "JENGU_ALERT_EMAIL_TO"),
        ("JENGU_XAI_API_KEY", "XAI_API_KEY"),             # a prefix added to a provider's key
        ("JENGU_FOO", None),                              # nothing close: no guess
    ],
)
def test_unknown_names_get_the_closest_known_one(name, meant):
    assert settings.unknown({name: "1", "JENGU_HOME": "/tmp"}) == [(name, meant)]
    assert settings.unknown({name: "1"}, ignore=[name]) == []


# -- the readers ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("var", "value"),
    [("JENGU_WEB_RPS", "abc"), ("JENGU_SPAMD_CONCURRENCY", "x"),
     ("JENGU_SEND_SKIP_PROBABILITY", "2"), ("JENGU_HELD_COUNTRIES", "UK=hold"),
     ("JENGU_ARCHIVE_AFTER_DAYS", "0")],
)
def test_the_code_location_wiring_refuses_a_bad_value(monkeypatch, var, value):
    """Variables read at run time (sending, maintenance, compliance) are refused at load too."""
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingError, match=re.escape(f"{var}={value!r} is invalid")):
        definitions.build_resources()


def test_readers_at_run_time_use_the_table(monkeypatch):
    from jengu_assets.composition.compliance import parse_jurisdiction_rules
    from jengu_assets.maintenance_job import run_config_from_env
    from jengu_assets.sending.sender import SendSettings
    from jengu_assets.sending.unsubscribe import secret_from_env

    sent = SendSettings.from_env({"JENGU_SEND_SKIP_PROBABILITY": "0", "JENGU_SEND_SEED": "0"})
    assert sent.pacing.skip_probability == 0.0 and sent.seed == 0
    with pytest.raises(SettingError, match="JENGU_SEND_SKIP_PROBABILITY='1.5'"):
        SendSettings.from_env({"JENGU_SEND_SKIP_PROBABILITY": "1.5"})
    with pytest.raises(SettingError, match="JENGU_RETENTION_DAYS='-3'"):
        run_config_from_env({"JENGU_RETENTION_DAYS": "-3"})
    monkeypatch.setenv("JENGU_HELD_COUNTRIES", "XX=hold")
    with pytest.raises(SettingError, match="'XX' is not an ISO 3166-1"):
        parse_jurisdiction_rules()
    monkeypatch.setenv("JENGU_UNSUBSCRIBE_SECRET", "  s3cret-key\n")
    assert secret_from_env() == "s3cret-key"


def test_the_real_code_location_fails_to_load_naming_each_bad_variable(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("JENGU_") and k not in settings.BY_NAME}
    env |= {"JENGU_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path),
            "JENGU_WEB_RPS": "abc", "JENGU_SEND_SKIP_PROBABILITY": "2",
            "JENGU_NOTIFY_WEBHOOK_URL": SECRET_VALUE}
    proc = subprocess.run([sys.executable, "-c", "import jengu_assets.definitions"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("jengu_resources.settings.SettingError: invalid configuration")
    assert "JENGU_WEB_RPS='abc' is invalid: expected a number > 0" in last
    assert "JENGU_SEND_SKIP_PROBABILITY='2' is invalid: expected a number from 0 to 1" in last
    assert "JENGU_NOTIFY_WEBHOOK_URL (a secret, value not shown)" in last
    assert SECRET_VALUE not in proc.stdout + proc.stderr


def test_an_empty_instance_profile_means_the_default(monkeypatch):
    from jengu.instance import instance_profile

    monkeypatch.setenv("JENGU_DAGSTER_INSTANCE", "")
    assert instance_profile() == "sqlite"


def test_an_unknown_instance_profile_is_named(monkeypatch):
    from jengu.instance import instance_profile

    with pytest.raises(settings.SettingError, match="JENGU_DAGSTER_INSTANCE='mysql' is invalid"):
        instance_profile({"JENGU_DAGSTER_INSTANCE": "mysql"})
    assert instance_profile({"JENGU_DAGSTER_INSTANCE": "postgres"}) == "postgres"
