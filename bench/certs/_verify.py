"""Certificate verification rate, in-process: the Verifier `chengxin cert
verify` builds (this installation's JWKS, status lists read locally, cached
per Verifier as for a batch) against the raw Ed25519 verification rate of
`cryptography` on the same signing input and signature.

Run by bench/certs/bench.py with the bench environment; prints JSON.

    python bench/certs/_verify.py TOKEN_FILE [--seconds 0.5] [--rounds 10] [--profile]

The two are measured in alternating rounds of about --seconds each (so that
other load on the machine hits both alike); each side's figure is its best
round, the one least disturbed by other processes (the median of the
per-pair ratios is reported too). Also timed, for diagnosis: each step of
Verifier.verify on its own, best of 7 repeats.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django

django.setup()

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402

from chengxin.certs import keys, verify  # noqa: E402


def cli_verifier() -> verify.Verifier:
    """What management/commands/cert.py does without --jwks/--status-list."""
    overrides: dict[str, bytes] = {}

    def fetch(url: str) -> bytes:
        return overrides[url] if url in overrides else verify.local_fetch(url)

    return verify.Verifier(keys.jwks(), fetch=fetch)


def b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def rate(fn: Callable[[], Any], seconds: float) -> tuple[float, int]:
    """Calls per second of fn over about `seconds` (batches of 200)."""
    n, t0 = 0, time.perf_counter()
    deadline = t0 + seconds
    while True:
        for _ in range(200):
            fn()
        n += 200
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - t0), n


def per_call_us(fn: Callable[[], Any], number: int = 1000, repeat: int = 7) -> float:
    """Best of `repeat` timings of `number` calls, µs per call (the minimum is
    the figure least disturbed by other processes)."""
    fn()
    return round(min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6, 2)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("token_file")
    ap.add_argument("--seconds", type=float, default=0.5)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--profile", action="store_true", help="add the top of a cProfile of Verifier.verify")
    args = ap.parse_args()
    token = Path(args.token_file).read_text(encoding="utf-8").strip()

    verifier = cli_verifier()
    report = verifier.verify(token)  # also fetches and verifies the two status lists once (cached)
    if not report.ok:
        print(json.dumps({"error": "the bench certificate does not verify", "report": report.as_dict()}, ensure_ascii=False))
        return 1

    # The raw operation: the same key, signing input and signature.
    h, p, s = token.split(".")
    header = json.loads(b64(h))
    key: Ed25519PublicKey = verifier.keys[header["kid"]]
    signing_input, signature = f"{h}.{p}".encode(), b64(s)
    key.verify(signature, signing_input)

    def full() -> None:
        verifier.verify(token)

    def raw() -> None:
        key.verify(signature, signing_input)

    # Alternating short rounds, so that other load on the machine hits both
    # alike; each side's figure is its best round (least disturbed).
    rate(full, 0.3)
    rate(raw, 0.3)
    full_rates, raw_rates = [], []
    for _ in range(args.rounds):
        full_rates.append(rate(full, args.seconds)[0])
        raw_rates.append(rate(raw, args.seconds)[0])
    full_rate, raw_rate = max(full_rates), max(raw_rates)
    paired = statistics.median(f / r for f, r in zip(full_rates, raw_rates, strict=True))

    # Where the time goes: each step of Verifier.verify on its own (µs per call).
    claims = report.claims or {}

    def messages() -> tuple[str, str, str]:
        return (verify._("Signed by this platform's key %(kid)s.") % {"kid": header["kid"]},
                verify._("Valid from %(a)s until %(b)s.") % {"a": "2026-01-01", "b": "2027-01-01"},
                verify._("Neither revoked nor suspended."))

    steps = {
        "verify() whole": per_call_us(full),
        "  _open: format checks, decoding, signature": per_call_us(lambda: verifier._open(token)),
        "    of which Ed25519PublicKey.verify (the reference)": per_call_us(raw),
        "    of which base64url x3 + json.loads x2": per_call_us(lambda: (json.loads(b64(h)), json.loads(b64(p)), b64(s))),
        "    of which json.loads(payload) alone": per_call_us(lambda: json.loads(b64(p))),
        "  _validity: 2 x fromisoformat, compare, message": per_call_us(lambda: verifier._validity(claims)),
        "  _status: 2 entries, cached lists, bit test, message": per_call_us(lambda: verifier._status(claims)),
        "  the 3 success messages alone (gettext + %)": per_call_us(messages),
        "  one gettext() call": per_call_us(lambda: verify._("Neither revoked nor suspended.")),
    }
    steps["  rest of verify(): Report, Check objects"] = round(
        steps["verify() whole"] - steps["  _open: format checks, decoding, signature"]
        - steps["  _validity: 2 x fromisoformat, compare, message"]
        - steps["  _status: 2 entries, cached lists, bit test, message"], 2)
    # A fresh Verifier per certificate (what one CLI process pays once): JWKS
    # from the database, both status lists fetched, decoded and verified.
    steps["first verify() of a new Verifier (JWKS query, 2 status lists signed and verified)"] = per_call_us(
        lambda: cli_verifier().verify(token), number=20, repeat=3)

    out: dict[str, Any] = {
        "token_bytes": len(token),
        "payload_bytes": len(b64(p)),
        "verifier_per_s": round(full_rate),
        "raw_ed25519_per_s": round(raw_rate),
        "ratio": round(full_rate / raw_rate, 4),
        "ratio_median_of_paired_rounds": round(paired, 4),
        "rounds": {"verifier": [round(x) for x in full_rates], "raw": [round(x) for x in raw_rates]},
        "steps_us": steps,
    }
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(5000):
            verifier.verify(token)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(15)
        out["profile"] = buf.getvalue()
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
