"""Where a webhook may point, how it is signed, and HTML e-mails escaping what they show."""

from __future__ import annotations

import pytest

from sprg_notifier.adapters.channels import REPLAY_WINDOW_SECONDS, signature, verify
from sprg_notifier.adapters.egress import UnsafeTarget, check_target
from sprg_notifier.domain.render import Templates

REFUSED = [
    "http://127.0.0.1:27017/",  # the store
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata, plain HTTP
    "https://169.254.169.254/latest/meta-data/",  # the same over HTTPS: link-local
    "http://0x7f000001:8003/",  # loopback spelt in hex
    "https://0x7f000001:8003/",
    "https://2130706433/",  # loopback as one number
    "https://127.1/",  # loopback, short form
    "https://0177.0.0.1/",  # loopback in octal
    "https://localhost/hook",  # a name resolving to loopback
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
    "https://10.1.2.3/",
    "https://172.16.0.9/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",  # carrier-grade NAT
    "https://[fd00::1]/",  # unique local
    "https://[fe80::1]/",  # link-local
    "https://0.0.0.0/",
    "https://224.0.0.1/",  # multicast
    "http://93.184.215.14/hook",  # public, but not HTTPS
    "https://user:pw@93.184.215.14/hook",  # credentials in the URL
    "https://no-such-host.invalid/hook",  # does not resolve
    "ftp://93.184.215.14/",
]


@pytest.mark.parametrize("url", REFUSED)
async def test_a_webhook_to_anything_but_a_public_https_address_is_refused(url: str) -> None:
    with pytest.raises(UnsafeTarget, match="webhook_url"):
        await check_target(url)


async def test_a_public_https_address_is_accepted() -> None:
    await check_target("https://93.184.215.14/hooks/sprg")
    await check_target("https://[2606:4700:4700::1111]/hook")


async def test_only_the_exact_origin_exempted_for_a_local_receiver_passes() -> None:
    allowed = ("http://127.0.0.1:18080",)
    await check_target("http://127.0.0.1:18080/hook", allowed)
    for other in ("http://127.0.0.1:18081/hook", "http://127.0.0.1:27017/", "https://127.0.0.1/"):
        with pytest.raises(UnsafeTarget):
            await check_target(other, allowed)


def test_the_signature_covers_the_time_and_a_late_replay_is_refused() -> None:
    body = b'{"case_id": "c1"}'
    signed = signature("s" * 32, body, 1_800_000_000)
    assert verify("s" * 32, body, "1800000000", signed, now=1_800_000_010)
    assert not verify("s" * 32, body, "1800000001", signed, now=1_800_000_010)  # other time
    assert not verify("s" * 32, body + b" ", "1800000000", signed, now=1_800_000_010)
    late = 1_800_000_000 + REPLAY_WINDOW_SECONDS + 1
    assert not verify("s" * 32, body, "1800000000", signed, now=late)


def test_html_e_mails_escape_what_they_show_and_text_e_mails_keep_it() -> None:
    hostile = '<script>alert("x")</script>'
    rendered = Templates().render(
        "clock_breached",
        {
            "kind": hostile,
            "due": "2026-05-01",
            "reference": "SIN-2026-AB12CD34",
            "case_id": "c1",
            "link": "https://x/cases/c1",
            "statutory": True,
            "owner_agency": None,
            "agency_names": {},
        },
    )
    assert hostile not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert hostile.replace("_", " ") in rendered.subject + rendered.text
