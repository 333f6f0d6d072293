"""The OpenAPI document is the truth: schemathesis, every check on, against the live gateway.

Schema-valid requests must be accepted, schema-violating ones refused, every answer must be a
documented status with a body of its documented schema, and no request may cause a 5xx. What
JSON Schema cannot express is listed, field by field, in schemathesis/schemathesis.toml. The
number of examples is bounded so the run fits the suite (about a minute on two cores); run
the same by hand with more (`--max-examples 500`) after changing a request model.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from gateway_utils.app import gateway_settings
from gateway_utils.served import served
from pydantic import SecretStr

from prolight_gateway.app import create_app

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
CONFIG = Path(__file__).with_name("schemathesis") / "schemathesis.toml"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 100
SEED = 15  # fixed, so a failure here reproduces; change it (or drop --seed) to explore
TIMEOUT_S = 240
WEBHOOKS = {  # the webhook URLs of schemathesis.toml's `webhooks` dictionary are accepted
    "webhook_allowed_hosts": "127.0.0.1",
    "webhook_allow_http": True,
    "webhook_secret": SecretStr("conformance-webhook-secret-of-32-bytes-or-more"),
}


async def test_the_gateway_does_what_its_openapi_document_says(
    nats_server: Any, tmp_path: Path
) -> None:
    app = create_app(gateway_settings(nats_server.url, tmp_path).model_copy(update=WEBHOOKS))
    async with served(app) as base_url:
        proc = await asyncio.create_subprocess_exec(
            str(SCHEMATHESIS),
            "--config-file",
            str(CONFIG),
            "run",
            f"{base_url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--generation-database",
            "none",
            "--no-color",
            cwd=ROOT,  # the config names its hooks module from the repository root
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            output, _ = await asyncio.wait_for(proc.communicate(), timeout=TIMEOUT_S)
        except TimeoutError:
            proc.kill()  # no schemathesis left running after the test
            await proc.wait()
            raise
    report = output.decode(errors="replace")
    assert proc.returncode == 0, f"schemathesis found problems:\n{report[-12000:]}"
    assert "No issues found" in report or " passed" in report, report[-2000:]
