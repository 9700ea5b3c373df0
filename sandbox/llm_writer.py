"""The sandbox's "model": it writes the first email from the research block of the prompt.

A real model would write something new each time; this one answers deterministically with the
template email for the report it was given, so the demo goes through the real SDK path (Grok's
OpenAI-compatible API) and still produces emails that pass the gates. Requests without a research
block get the LLM server's default answer (a minimal document for the named schema).
"""

from __future__ import annotations

import json
from typing import Any

from jengu_assets.composition.prompts import report_from_prompt
from jengu_assets.composition.templates import first_email
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
    try:
        report = report_from_prompt(_prompt_text(request_json))
    except ValueError:
        return default_responder(api, request_json)
    return json.dumps(first_email(report).model_dump(), ensure_ascii=False)
