"""The sandbox's "model": it writes the first email from the research block of the prompt, and
reads a reply's intent from the reply block.

A real model would write something new each time; this one answers deterministically with the
template email for the report it was given, so the demo goes through the real SDK path (Grok's
OpenAI-compatible API) and still produces emails that pass the gates. A reply-intent request is
answered by the offline rules, so the demo's replies also go through the SDK path and come out right.
Other requests get the LLM server's default answer (a minimal document for the named schema).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jengu_assets.composition.prompts import report_from_prompt
from jengu_assets.composition.templates import first_email
from jengu_assets.replies import prompts
from jengu_assets.replies.intent import offline_intent
from jengu_assets.research.models import ResearchReport
from sandbox.llm_api import default_responder


def _prompt_text(request_json: dict[str, Any]) -> str:
    texts = []
    for message in request_json.get("messages", []):
        content = message.get("content", "")
        if isinstance(content, list):
            content = " ".join(str(block.get("text", "")) for block in content)
        texts.append(str(content))
    return "\n".join(texts)


def sandbox_writer(api: str, request_json: dict[str, Any]) -> str:
    prompt = _prompt_text(request_json)
    if prompts.REPLY_BEGIN in prompt:
        try:
            text, subject = prompts.reply_from_prompt(prompt)
        except ValueError:
            return default_responder(api, request_json)
        return offline_intent(text, subject).model_dump_json()
    try:
        report = report_from_prompt(prompt)
    except ValueError:
        return default_responder(api, request_json)
    # The same hotel researched twice gets the same email: the server shares the benchmark's
    # process, and its "model" should not compete with the client it measures for the CPU.
    return _written(report.model_copy(update={"prospect_id": ""}).model_dump_json())


@lru_cache(maxsize=4096)
def _written(report_json: str) -> str:
    report = ResearchReport.model_validate_json(report_json)
    return json.dumps(first_email(report).model_dump(), ensure_ascii=False)
