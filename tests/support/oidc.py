"""A real OpenID Connect provider for the single sign-on tests: tests/oidc/provider.mjs
(the npm package oidc-provider) run by node, and a walk through its sign-in page without a
browser.

``scripts/test`` installs its packages (``npm ci``); without node the tests that need it
are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

HERE = Path(__file__).resolve().parents[1] / "oidc"
NODE = shutil.which("node")
SECRET = "tracker-test-secret"


# oidc-provider 9 calls URL.parse, which node has since 20.18.
NODE_AT_LEAST = (20, 18)


@cache
def _node_version() -> tuple[int, ...]:
    out = subprocess.run([NODE, "--version"], capture_output=True, text=True, check=True).stdout
    return tuple(int(part) for part in out.strip().lstrip("v").split(".")[:2])


def skip_without_node():
    """Skip the calling test (with the reason shown) when the provider cannot run."""
    if NODE is None:
        pytest.skip("no node: the OpenID provider tests need it (apt-get install nodejs npm)")
    if _node_version() < NODE_AT_LEAST:
        wanted = ".".join(map(str, NODE_AT_LEAST))
        pytest.skip(f"node {_node_version()} is older than the OpenID provider needs ({wanted})")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        pytest.skip(f"oidc-provider is not installed: run `npm ci` in {HERE}")


@dataclass
class Provider:
    issuer: str

    def config(self, client_id: str = "tracker", **extra) -> dict:
        """Return the app settings that sign in through this provider as ``client_id``."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": client_id,
            "OIDC_CLIENT_SECRET": SECRET,
            "OIDC_SCOPES": "openid email profile groups",
            "OIDC_PROVIDER_NAME": "Test ID",
            **extra,
        }


@contextmanager
def provider(
    redirect_uris: list[str],
    accounts: dict[str, dict],
    *,
    clock_offset_seconds: int = 0,
    id_token_ttl: int = 600,
):
    """Run the provider until the block ends. Registered clients (all with ``SECRET``):
    "tracker"; "another-app"; "tracker-mixed-up", which receives ID tokens the provider
    issued for "another-app"."""
    skip_without_node()
    clients = [
        {"client_id": cid, "client_secret": SECRET, "redirect_uris": redirect_uris}
        for cid in ("tracker", "another-app", "tracker-mixed-up")
    ]
    config = {
        "clients": clients,
        "accounts": accounts,
        "foreign_audience": {"tracker-mixed-up": "another-app"},
        "clock_offset_seconds": clock_offset_seconds,
        "id_token_ttl": id_token_ttl,
    }
    process = subprocess.Popen(
        [NODE, str(HERE / "provider.mjs")],
        cwd=HERE,
        env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the OpenID provider did not start (exit {process.wait(5)})")
        yield Provider(json.loads(line)["issuer"])
    finally:
        process.terminate()
        process.wait(timeout=10)


def walk(authorize_url: str, login: str) -> str:
    """Sign in at the provider as ``login`` starting from our redirect to it, the way a
    browser would; return the address it sends the browser back to (our callback)."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        response = browser.get(authorize_url)
        while response.is_redirect:
            location = urljoin(str(response.url), response.headers["location"])
            if not location.startswith(authorize_url.split("/auth")[0]):
                return location
            if "/interaction/" in location and response.request.method == "GET":
                page = browser.get(location)
                page.raise_for_status()
                response = browser.post(location, data={"login": login})
            else:
                response = browser.get(location)
        raise AssertionError(f"the provider answered {response.status_code}: {response.text[:300]}")
