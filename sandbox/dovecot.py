"""A private Dovecot on loopback: the IMAP mailboxes of the sandbox, the demo and the tests.

``Dovecot(users).start()`` writes a self-contained configuration into a fresh directory under /tmp
and runs ``dovecot -F -c CONFIG`` in its own process group: IMAP and LMTP on 127.0.0.1 and free
ports, plain-text logins checked against a ``{PLAIN}`` passwd-file, Maildir storage. Nothing of the
system's /etc/dovecot is read, and ``stop()`` leaves neither a process nor a file behind.

``deliver()`` hands a message to Dovecot's LMTP, which files it into any folder of the user's
(creating it): the way a real server lands a reply in INBOX or a copy in Sent, so what IMAP clients
see is what Dovecot itself stored.

Debian packages: ``dovecot-imapd`` (with ``dovecot-core``) and ``dovecot-lmtpd``.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

INSTALL_HINT = "apt-get install -y dovecot-imapd dovecot-lmtpd"
_DOVECOT_PATHS = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
_LMTP_MODULE = ("/usr/lib/dovecot/lmtp", "/usr/libexec/dovecot/lmtp")
# A passwd-file line has no escaping, and a login also names its own file.
_UNSAFE_IN_PASSWORD = re.compile(r"[:\r\n\x00]")
_UNSAFE_IN_LOGIN = re.compile(r"[:/\s\x00]|^\.")
# A folder name becomes the detail of an LMTP address, so it must survive as a quoted local part.
_UNSAFE_IN_FOLDER = re.compile(r'["\\\r\n\x00]')


class DovecotUnavailable(RuntimeError):
    """Dovecot is not installed, or it would not start; the message says how to fix it."""


class DovecotNotInstalled(DovecotUnavailable):
    """The binaries are missing: a reason to skip on a developer's machine, not a broken setup."""


def find_dovecot() -> str | None:
    """The dovecot executable; Debian puts it in /usr/sbin, which is not on every user's PATH."""
    found = shutil.which("dovecot")
    if found:
        return found
    return next((p for p in _DOVECOT_PATHS if os.access(p, os.X_OK)), None)


def _free_ports(count: int) -> list[int]:
    # Held open together so that the ports are distinct.
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _imap_greets(host: str, port: int, timeout_seconds: float) -> bool:
    # A bound port is not enough: the greeting comes from a spawned imap-login, which needs the
    # auth service up.
    try:
        with socket.create_connection((host, port), timeout=timeout_seconds) as sock:
            sock.settimeout(timeout_seconds)
            return sock.recv(256).startswith(b"* OK")
    except OSError:
        return False


class Dovecot:
    """One Dovecot for the ``users`` given (login -> password); see the module docstring."""

    def __init__(self, users: Mapping[str, str], *, host: str = "127.0.0.1") -> None:
        self.host = host
        self.imap_port = 0
        self.lmtp_port = 0
        self._users: dict[str, str] = {}
        for login, password in users.items():
            self._check_user(login, password)
            self._users[login.lower()] = password
        self._root: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # -- files ------------------------------------------------------------------------------------

    @property
    def root(self) -> Path:
        if self._root is None:
            raise RuntimeError("Dovecot is not started")
        return self._root

    @property
    def pid(self) -> int | None:
        """The master's process id, which is also its process group's; None when not running."""
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except (OSError, RuntimeError):
            return ""
        return "\n".join(text.splitlines()[-lines:])

    @staticmethod
    def _check_user(login: str, password: str) -> None:
        if not login or _UNSAFE_IN_LOGIN.search(login):
            raise ValueError(f"login {login!r} is empty, starts with '.' or holds ':', '/', "
                             "white space or NUL")
        if _UNSAFE_IN_PASSWORD.search(password):
            raise ValueError(f"the password of {login!r} holds ':', a line break or NUL, which a "
                             "passwd-file cannot store")

    def _write_passwd(self, login: str) -> None:
        # One passwd-file per login: Dovecot stats a passwd-file at most once a second, so a login
        # added to a shared file could be refused for up to a second; a file it has never opened
        # is read at the first lookup.
        path = self.root / "users" / login
        staging = path.with_name(f".{login}.new")
        staging.write_text(f"{login}:{{PLAIN}}{self._users[login]}::::::\n", "utf-8")
        if os.geteuid() == 0:
            # The auth process reads it as the dovecot user; nobody else needs the passwords.
            os.chown(staging, 0, pwd.getpwnam("dovecot").pw_gid)
        staging.chmod(0o640 if os.geteuid() == 0 else 0o600)
        replacing = path.exists()
        if replacing:
            # Dovecot notices a changed file by its mtime and size, which a new password of the
            # same length written within the same second would not change.
            stamp = max(time.time(), path.stat().st_mtime + 1.0)
            os.utime(staging, (stamp, stamp))
        # Renamed into place so that a login never reads a half-written file.
        staging.replace(path)
        if replacing:
            # The new password counts once Dovecot stats the file again, in the next second.
            time.sleep(1.0 - time.time() % 1.0 + 0.01)

    def _config(self, imap_port: int, lmtp_port: int) -> str:
        root = self.root
        if os.geteuid() == 0:
            # Dovecot refuses to store mail as root.
            mail_user, mail_group = "nobody", "nogroup"
            service_users = chroot = ""
        else:
            # Unprivileged, Dovecot cannot switch users: every process runs as the caller.
            mail_user = pwd.getpwuid(os.geteuid()).pw_name
            mail_group = grp.getgrgid(os.getegid()).gr_name
            service_users = (f"default_internal_user = {mail_user}\n"
                             f"default_internal_group = {mail_group}\n"
                             f"default_login_user = {mail_user}\n")
            # chroot needs root.
            chroot = "  chroot =\n"
        return f"""\
protocols = imap lmtp
listen = {self.host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{service_users}ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests try wrong passwords on purpose: refused within half a second instead of two.
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_fsync = never
# Whichever unprivileged account runs it may own the mail, system accounts included.
first_valid_uid = 1
first_valid_gid = 1
recipient_delimiter = +
lmtp_save_to_detail_mailbox = yes
lda_mailbox_autocreate = yes

passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users/%Lu
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}

service imap-login {{
{chroot}  inet_listener imap {{
    address = {self.host}
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
# The brute-force penalty would delay every login from 127.0.0.1 by seconds after one failure.
service anvil {{
{chroot}  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {self.host}
    port = {lmtp_port}
  }}
}}
"""

    def _make_root(self) -> Path:
        # The helpers run as dovecot and dovenull and must traverse every directory on the way;
        # a 0700 parent (pytest's tmp_path) locks them out.
        root = Path(tempfile.mkdtemp(prefix="jengu-dovecot-", dir="/tmp"))
        root.chmod(0o755)
        self._root = root
        (root / "run").mkdir(mode=0o755)
        (root / "state").mkdir(mode=0o755)
        (root / "mail").mkdir(mode=0o755)
        (root / "users").mkdir(mode=0o755)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(root / "mail", nobody.pw_uid, nobody.pw_gid)
        return root

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self, *, startup_timeout: float = 10.0) -> Dovecot:
        """Start Dovecot and return once IMAP greets. Raises ``DovecotUnavailable``."""
        if self._process is not None:
            raise RuntimeError("Dovecot is already started")
        executable = find_dovecot()
        if executable is None:
            raise DovecotNotInstalled(f"dovecot is not installed: {INSTALL_HINT}")
        if not any(os.access(p, os.X_OK) for p in _LMTP_MODULE):
            raise DovecotNotInstalled(f"Dovecot's LMTP server is not installed: {INSTALL_HINT}")
        # A free port can be taken between the probe and Dovecot's bind; a fresh one usually is not.
        attempts = 3
        while True:
            attempts -= 1
            try:
                self._launch(executable, startup_timeout)
                return self
            except DovecotUnavailable as exc:
                if not attempts or "Address already in use" not in str(exc):
                    raise

    def _launch(self, executable: str, startup_timeout: float) -> None:
        root = self._make_root()
        imap_port, lmtp_port = _free_ports(2)
        config = root / "dovecot.conf"
        config.write_text(self._config(imap_port, lmtp_port), "utf-8")
        for login in self._users:
            self._write_passwd(login)
        with open(root / "dovecot.log", "ab") as logfile:
            self._process = subprocess.Popen(
                [executable, "-F", "-c", str(config)], stdin=subprocess.DEVNULL, stdout=logfile,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.imap_port, self.lmtp_port = imap_port, lmtp_port
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._fail(f"dovecot exited with code {self._process.returncode}")
            if _imap_greets(self.host, imap_port, 1.0):
                return
            time.sleep(0.02)
        self._fail(f"dovecot did not greet on {self.host}:{imap_port} within {startup_timeout:g} s")

    def _fail(self, reason: str) -> None:
        tail = self.log_tail()
        self.stop()
        raise DovecotUnavailable(f"{reason} (installed with: {INSTALL_HINT}):\n{tail}")

    def stop(self, grace_seconds: float = 5.0) -> None:
        """SIGTERM, then SIGKILL for whatever of its process group is left; remove the files."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=grace_seconds)
                except subprocess.TimeoutExpired:
                    pass
            # The master stops its services, but an IMAP session in the middle of a command is
            # served for up to 30 s more; nothing here needs it.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
        root, self._root = self._root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        return self if self._process is not None else self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- users and mail ---------------------------------------------------------------------------

    def add_user(self, login: str, password: str) -> None:
        """A new login (or a new password), usable at once: Dovecot re-reads the passwd-file."""
        self._check_user(login, password)
        self._users[login.lower()] = password
        if self._root is not None:
            self._write_passwd(login.lower())

    def deliver(self, login: str, raw: bytes, mailbox: str = "INBOX", sender: str = "") -> None:
        """Store ``raw`` in ``mailbox`` of ``login``, creating the folder when needed. ``sender`` is
        the envelope sender Dovecot writes into Return-Path (empty, as for bounces, by default).

        Raises ``smtplib.SMTPException`` when Dovecot refuses or defers the message (unknown user,
        a temporary failure): a message is stored or the caller knows it was not."""
        if self._process is None:
            raise RuntimeError("Dovecot is not started")
        if _UNSAFE_IN_FOLDER.search(mailbox):
            raise ValueError(f"cannot deliver into folder {mailbox!r}")
        local, at, domain = login.lower().rpartition("@")
        if not at:
            # Dovecot's LMTP takes a bare local part as the whole login.
            local, at, domain = domain, "", ""
        # Dovecot strips the detail after "+" from the user and files the message in the folder
        # it names (lmtp_save_to_detail_mailbox), creating it (lda_mailbox_autocreate).
        if mailbox.upper() != "INBOX":
            local = f"{local}+{mailbox}"
        # Quoted, so that a folder name with spaces or dots is still one local part.
        recipient = f'<"{local}"{at}{domain}>'
        # LMTP wants CRLF lines; a bare LF would be stored as-is and confuse IMAP clients.
        data = re.sub(rb"\r?\n", b"\r\n", raw)
        with smtplib.LMTP(self.host, self.lmtp_port, timeout=10) as lmtp:
            # One recipient, so the one reply after DATA is its verdict.
            lmtp.sendmail(sender or "<>", [recipient], data)

    def bulk_append(self, login: str, password: str, messages: list[bytes],
                    folder: str = "INBOX") -> None:
        """Store many messages fast, a thousand per IMAP APPEND (RFC 3502 MULTIAPPEND with RFC 7888
        non-synchronizing literals): LMTP delivers about 500 a second, this some thousands."""

        with socket.create_connection((self.host, self.imap_port), timeout=60) as sock:
            reader = sock.makefile("rb")
            reader.readline()
            sock.sendall(f'L LOGIN "{login}" "{password}"\r\n'.encode())
            if not _tagged(reader, b"L").startswith(b"L OK"):
                raise RuntimeError(f"IMAP login as {login} refused")
            sock.sendall(f'C CREATE "{folder}"\r\n'.encode())
            _tagged(reader, b"C")   # NO when it exists already: fine
            for start in range(0, len(messages), 1000):
                command = bytearray(f'A APPEND "{folder}"'.encode())
                for raw in messages[start:start + 1000]:
                    data = re.sub(rb"\r?\n", b"\r\n", raw)
                    command += b" {%d+}\r\n" % len(data) + data
                sock.sendall(bytes(command) + b"\r\n")
                answer = _tagged(reader, b"A")
                if not answer.startswith(b"A OK"):
                    raise RuntimeError(f"APPEND refused: {answer[:200]!r}")
            sock.sendall(b"Z LOGOUT\r\n")


def _tagged(reader, tag: bytes) -> bytes:
    while not (line := reader.readline()).startswith(tag + b" "):
        if not line:
            raise ConnectionError("the IMAP server closed the connection")
    return line


def start_dovecot(users: Mapping[str, str]) -> Dovecot:
    """A started ``Dovecot`` for ``users``. Raises ``DovecotUnavailable`` (with the install
    command) when Dovecot is not installed or does not come up."""
    return Dovecot(users).start()
