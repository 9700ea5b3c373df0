"""The sandbox: loopback servers that play the outside world, for the demo and end-to-end tests.

Production code talks to them through the same clients and the same env vars it uses for the real
services; only the base URLs, the (fake) keys and the fetcher's explicit loopback routes differ.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date

from jengu_resources.spamd import SpamdProcess, SpamdUnavailable, start_spamd
from sandbox.dovecot import Dovecot, DovecotUnavailable, start_dovecot
from sandbox.job_board import JobBoardServer
from sandbox.llm_api import SANDBOX_ANTHROPIC_KEY, SANDBOX_XAI_KEY, LLMServer, Responder
from sandbox.llm_writer import sandbox_writer
from sandbox.responders import Responder as Prospects
from sandbox.search_api import SearchServer
from sandbox.smtp_server import AcceptedMessage, SandboxSMTP
from sandbox.verifier_api import VerifierServer
from sandbox.websites import HotelWebsites

SANDBOX_KEY = "sandbox-key"


class Sandbox:
    """Every loopback server: job board, hotel websites, web search, the email verifier, the LLM
    endpoints (OpenAI-compatible for Grok, Anthropic), the recipients' mail server (SMTP) and, with
    ``spamd=True``, SpamAssassin; with ``mailboxes=True``, Dovecot holding the sending inboxes'
    mailboxes (the SMTP server files a copy of each accepted message in its sender's Sent folder,
    as hosted mail does) and prospects who answer some of what they receive into the sending
    inbox's INBOX (``sandbox.responders``: replies, out-of-office, bounces, complaints)."""

    def __init__(
        self,
        day: date | None = None,
        seed: int = 7,
        *,
        latency_seconds: float = 0.0,
        llm_responder: Responder | None = None,
        spamd: bool = False,
        mailboxes: bool = False,
    ):
        self.day, self.seed = day, seed
        self.job_board = JobBoardServer(
            day=day, seed=seed, app_id="sandbox", app_key=SANDBOX_KEY, serpapi_key=SANDBOX_KEY
        )
        self.websites = HotelWebsites(seed=seed, latency_seconds=latency_seconds)
        self.search = SearchServer(seed=seed, latency_seconds=latency_seconds)
        self.verifier = VerifierServer(seed=seed, api_key=SANDBOX_KEY, latency_seconds=latency_seconds)
        self.llm = LLMServer(
            latency_seconds=latency_seconds, seed=seed, responder=llm_responder or sandbox_writer
        )
        self.smtp = SandboxSMTP(on_accept=self._file_in_sent)
        self._servers = (self.job_board, self.websites, self.search, self.verifier, self.llm,
                         self.smtp)
        self._want_spamd = spamd
        self.spamd: SpamdProcess | None = None
        self.spamd_missing: str | None = None
        self._want_mailboxes = mailboxes
        self.dovecot: Dovecot | None = None
        self.dovecot_missing: str | None = None
        self._mailbox_logins: set[str] = set()
        self.responder: Prospects | None = None
        self._stack = ExitStack()

    def start(self) -> "Sandbox":
        for server in self._servers:
            server.start()
            self._stack.callback(server.stop)
        if self._want_spamd:
            try:
                self.spamd = start_spamd()
                self._stack.callback(self.spamd.stop)
            except SpamdUnavailable as exc:
                # The spam gate falls back to its heuristic; say so rather than fail the demo.
                self.spamd_missing = str(exc)
        if self._want_mailboxes:
            try:
                self.dovecot = start_dovecot({})
                self._stack.callback(self.dovecot.stop)
                self.responder = Prospects(self.dovecot, seed=self.seed)
            except DovecotUnavailable as exc:
                # Without mailboxes unknown sends wait for review instead of the Sent-folder check.
                self.dovecot_missing = str(exc)
        return self

    def add_mailbox(self, login: str, password: str) -> bool:
        """Give a sending inbox a mailbox (for its Sent folder); False when Dovecot is not running."""
        if self.dovecot is None:
            return False
        self.dovecot.add_user(login, password)
        self._mailbox_logins.add(login.lower())
        return True

    def _file_in_sent(self, message: AcceptedMessage) -> None:
        # Runs before the server's 250: a message it accepted is in Sent by the time the client knows.
        if self.dovecot is not None and message.mail_from.lower() in self._mailbox_logins:
            self.dovecot.deliver(message.mail_from.lower(), message.raw, "Sent",
                                 sender=message.mail_from)
            if self.responder is not None:
                self.responder(message)

    def stop(self) -> None:
        self._stack.close()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """The env vars that point Jengu's clients at these servers."""
        return {
            "ADZUNA_BASE_URL": self.job_board.url,
            "ADZUNA_APP_ID": "sandbox",
            "ADZUNA_APP_KEY": SANDBOX_KEY,
            "SERPAPI_BASE_URL": self.job_board.url,
            "SERPAPI_KEY": SANDBOX_KEY,
            "JENGU_SEARCH_BASE_URL": self.search.url,
            "MILLIONVERIFIER_BASE_URL": self.verifier.url,
            "MILLIONVERIFIER_API_KEY": SANDBOX_KEY,
            # The only loopback addresses the fetcher may reach: the sandbox's hotel websites.
            "JENGU_SANDBOX_ROUTES": self.websites.routes(),
            "XAI_BASE_URL": self.llm.openai_base_url,
            "XAI_API_KEY": SANDBOX_XAI_KEY,
            "ANTHROPIC_BASE_URL": self.llm.url,
            "ANTHROPIC_API_KEY": SANDBOX_ANTHROPIC_KEY,
            "JENGU_SPAMD_PORT": str(self.spamd.port) if self.spamd else "0",
            # Loopback servers have no quota: let the demo run at full speed. DNS is unreachable.
            "JENGU_JOB_BOARD_RPS": "200",
            "JENGU_SEARCH_RPS": "200",
            "JENGU_VERIFIER_RPS": "200",
            "JENGU_LLM_RPS": "200",
            "JENGU_WEB_RPS": "500",
            "JENGU_CHECK_MX": "false",
        }


@contextmanager
def sandbox_env(day: date | None = None, seed: int = 7, **options) -> Iterator[Sandbox]:
    """Run the sandbox with its env vars set, restoring the environment afterwards."""
    with Sandbox(day=day, seed=seed, **options) as box:
        saved = {k: os.environ.get(k) for k in box.env()}
        os.environ.update(box.env())
        try:
            yield box
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
