"""Masking secrets in text: every form a server may write one in, and secrets of any length."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from urllib.parse import quote, quote_plus

from robocloud_desktop.core.redact import MASK, redact, redact_json

SECRET = 'Ab/c+d "e" f\\g-' + "h" * 20


def test_a_secret_written_half_in_one_form_and_half_in_another_is_masked():
    half = len(SECRET) // 2
    lower_hex = re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(SECRET[:half], safe=""))
    mixed = lower_hex + json.dumps(SECRET[half:])[1:-1]
    assert redact(f"<{mixed}>", SECRET) == f"<{MASK}>"


def test_a_secret_as_html_character_references_is_masked():
    referenced = "".join(f"&#{ord(ch)};" for ch in SECRET[:5]) + SECRET[5:].replace('"', "&quot;")
    assert redact(f"[{referenced}]", SECRET) == f"[{MASK}]"


def test_parsed_json_is_returned_as_is_when_it_holds_no_secret_and_masked_when_it_does():
    clean = {"a": ["b", {"c": 1}]}
    assert redact_json(clean, SECRET) is clean
    assert redact_json({quote_plus(SECRET): [f"x{SECRET}"]}, SECRET) == {MASK: [f"x{MASK}"]}


def test_a_secret_of_megabytes_is_masked_without_running_out_of_memory():
    # A paste gone wrong can make a "secret" of megabytes; masking it must stay in proportion to the
    # text, here under a 1 GB address-space limit.
    script = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from urllib.parse import quote
        from robocloud_desktop.core.redact import redact
        secret = "x/" * 1_500_000
        print(redact("a " + secret + " b " + quote(secret, safe="").lower() + " c", secret))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == f"a {MASK} b {MASK} c"
