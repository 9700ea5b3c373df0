"""`jengu inspect-email PATH [PATH ...] [--json]`: what saved messages are, one line per file.

Each file is read as one raw message (an .eml file, a Maildir entry) and sorted by
``jengu_assets.replies.understanding``: bounce, auto_reply, complaint, human_reply or malformed.
A human reply's intent comes from the offline rule classifier: this command sends nothing over
the network and needs no keys.

With ``--json``, one object per file, in input order:

    {"path": ..., "kind": "bounce|auto_reply|complaint|human_reply|malformed",
     "bounce": {"recipient": ..., "status": "5.1.1", "category": "hard|soft|policy"} | null,
     "auto_reply": {"return_date": "YYYY-MM-DD" | null, "challenge": false, "departed": false,
                    "successor": {"name": ..., "title": ..., "email": ...} | null} | null,
     "reply_text": ... | null, "intent": ... | null, "confidence": 0.8 | null}

plus ``"reason"`` for a malformed message. ``"challenge"`` is true for a challenge-response
filter's notice: it holds our message until someone confirms the sender. ``"departed"`` is true
for a notice that the person has left or the address is no longer read, with the ``"successor"``
it names, if any. A file that cannot be
read gets ``{"path": ..., "error": ...}``. Lines are written and flushed one file at a time, so
thousands of files stream steadily and a reader sees each result as soon as it exists.

Exit status: 2 when any file could not be read (after all of them), else 0.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import stat
import sys
from collections.abc import Iterable
from typing import Any, TextIO

BAD_INPUT = 2
_PREVIEW_CHARS = 70


def run(paths: Iterable[str], json_output: bool, out: TextIO | None = None) -> int:
    """Inspect each path in order and write one line per file; the exit status."""
    out = out if out is not None else sys.stdout
    status = 0
    for path in paths:
        record = inspect_file(path)
        if "error" in record:
            status = BAD_INPUT
        line = json.dumps(record, ensure_ascii=False) if json_output else human_line(record)
        out.write(line + "\n")
        out.flush()
    return status


def inspect_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON record of one file, or ``{"path", "error"}`` when it cannot be read."""
    shown = _printable(os.fspath(path))
    try:
        raw = _read(path)
    except OSError as exc:
        return {"path": shown, "error": _why(exc)}
    return inspect_bytes(raw, shown)


def inspect_bytes(raw: bytes, path: str) -> dict[str, Any]:
    # Imported here, as the other commands do: building the ``jengu`` parser stays cheap.
    from jengu_assets.replies.intent import offline_intent
    from jengu_assets.replies.understanding import understand

    understood = understand(raw)
    kind = understood.kind
    bounce = understood.bounce
    auto = understood.auto_reply
    analysis = None
    if kind == "human_reply":
        analysis = offline_intent(understood.reply_text or "", understood.parsed.subject)
    record: dict[str, Any] = {
        "path": path,
        "kind": kind,
        "bounce": None if bounce is None else {
            "recipient": bounce.recipient, "status": bounce.status, "category": bounce.category,
        },
        "auto_reply": None if auto is None else {
            "return_date": auto.return_date.isoformat() if auto.return_date else None,
            "challenge": auto.challenge,
            "departed": auto.departed,
            "successor": auto.successor.model_dump() if auto.successor else None,
        },
        "reply_text": understood.reply_text if kind == "human_reply" else None,
        "intent": analysis.intent if analysis else None,
        "confidence": analysis.confidence if analysis else None,
    }
    if kind == "malformed":
        record["reason"] = understood.reason
    return record


def human_line(record: dict[str, Any]) -> str:
    path = record["path"]
    if "error" in record:
        return f"{path}: error: {record['error']}"
    kind = record["kind"]
    if kind == "bounce":
        bounce = record["bounce"]
        detail = " ".join(str(v) for v in (bounce["category"], bounce["status"],
                                           bounce["recipient"]) if v)
    elif kind == "auto_reply":
        back = record["auto_reply"]["return_date"]
        detail = f"back {back}" if back else "no return date"
        if record["auto_reply"]["challenge"]:
            detail = "held until the sender is confirmed (challenge-response)"
        elif record["auto_reply"]["departed"]:
            successor = record["auto_reply"]["successor"] or {}
            named = successor.get("email") or successor.get("name")
            detail = "the contact has left" + (f"; write to {named}" if named else "")
    elif kind == "human_reply":
        text = " ".join((record["reply_text"] or "").split())
        preview = text if len(text) <= _PREVIEW_CHARS else text[:_PREVIEW_CHARS - 1] + "…"
        detail = f"{record['intent']} ({record['confidence']:.2f}) {json.dumps(preview, ensure_ascii=False)}"
    elif kind == "malformed":
        detail = record.get("reason") or ""
    else:
        detail = ""
    return f"{path}: {kind}" + (f" {detail}" if detail else "")


def _read(path: str | os.PathLike[str]) -> bytes:
    from jengu_assets.replies.understanding import MAX_MESSAGE_BYTES

    # Opened first and checked after, so a FIFO or a device is refused before it is read from
    # (a FIFO would block) and a file replaced in between is still the one that was checked.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            # One byte past the limit is enough for the parser to say the message is too big.
            return handle.read(MAX_MESSAGE_BYTES + 1)
    finally:
        os.close(fd)


def _why(exc: OSError) -> str:
    return (exc.strerror or str(exc) or type(exc).__name__).lower()


def _printable(path: str) -> str:
    # A file name that is not UTF-8 arrives with surrogate escapes; JSON output must stay text.
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def cmd_inspect_email(args: argparse.Namespace) -> int:
    return run(args.paths, args.json)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``inspect-email`` to the ``jengu`` parser."""
    parser = subparsers.add_parser(
        "inspect-email",
        help="what saved messages are: bounce, auto-reply, complaint, reply (with its intent)",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="raw message files (.eml)")
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    parser.set_defaults(func=cmd_inspect_email)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jengu")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["inspect-email", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
