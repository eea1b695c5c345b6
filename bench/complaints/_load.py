"""Load generator for the complaints benchmark: a separate process with
`--concurrency` threads, each with its own keep-alive http.client connection
to 127.0.0.1, filing complaints with `POST /api/v1/complaints` as fast as the
server answers. Request k uses consumer k // 5 (a consumer may file 5 a
day) and a subject that differs for each of a consumer's 5 filings, and a
unique `Idempotency-Key`.

With `--floor`, the same requests with an empty JSON body: token
authentication and request validation, nothing filed (422) - what a
request to this endpoint costs before any of the filing's work.

First `--warmup` seconds (not counted), then `--duration` seconds measured;
it prints `MEASURE START` / `MEASURE END` lines (the bench reads the servers'
CPU time there) and writes a JSON file with the counts, latencies and every
acknowledged complaint number (warm-up included).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import sys
import threading
import time
from pathlib import Path

CATEGORIES = ["quality", "quality", "quality", "delivery", "refund"]


def body_for(k: int, subjects: list[int]) -> dict:  # type: ignore[type-arg]
    subject = subjects[(k * 37 + (k // 5) * 11) % len(subjects)]
    return {
        "subject": subject, "category": "quality",
        "title": f"收到的商品有质量问题（订单{k}）",
        "description": f"我在该店购买的电热水壶使用三天后底座漏电，联系客服多次未获处理，要求退款。订单号 CX{k:010d}。",
        "remedies": ["refund"], "order_ref": f"CX{k:010d}", "amount": "299.00",
        "consent": True, "public_consent": True,
    }


def pct(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return float("nan")
    i = max(0, min(len(sorted_ms) - 1, math.ceil(p / 100 * len(sorted_ms)) - 1))
    return sorted_ms[i]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--warmup", type=float, default=10)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--run-id", default=str(int(time.time())))
    ap.add_argument("--out", required=True)
    ap.add_argument("--floor", action="store_true", help="empty body: authenticated, validated, nothing filed (422)")
    args = ap.parse_args()
    expected = 422 if args.floor else 201
    data = json.loads(Path(args.tokens).read_text())
    tokens, subjects = data["tokens"], data["subjects"]
    capacity = len(tokens) * 5
    bodies_lock = threading.Lock()
    counter = itertools.count() if args.floor else iter(range(capacity))
    phase = {"measure": False, "stop": False}
    lat: list[float] = []          # measured 201s, ms
    numbers: list[str] = []        # every acknowledged number (warm-up too)
    errors: list[str] = []         # measured non-201 / socket errors
    warm_errors: list[str] = []
    counts = {"measured": 0, "warmup": 0, "exhausted": False}

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
        my_lat: list[float] = []
        my_nums: list[str] = []
        while not phase["stop"]:
            with bodies_lock:
                k = next(counter, None)
            if k is None:
                counts["exhausted"] = True
                break
            body = b"{}" if args.floor else json.dumps(body_for(k, subjects), ensure_ascii=False).encode()
            headers = {"Authorization": f"Bearer {tokens[k // 5 % len(tokens)]}", "Content-Type": "application/json",
                       "Idempotency-Key": f"bench-{args.run_id}-{k}", "User-Agent": "chengxin-bench/1"}
            measuring = phase["measure"]
            t0 = time.perf_counter()
            status, err, number = 0, "", None
            try:
                conn.request("POST", "/api/v1/complaints", body=body, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                status = resp.status
                if status == expected:
                    number = None if args.floor else json.loads(raw)["number"]
                else:
                    err = f"HTTP {status}: {raw[:200]!r}"
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
            except (http.client.HTTPException, OSError, ValueError, KeyError) as exc:
                err = f"{type(exc).__name__}: {exc}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
            ms = (time.perf_counter() - t0) * 1000
            if number:
                my_nums.append(number)
            # a request counts in the phase it started in and finished in
            in_window = measuring and phase["measure"]
            with bodies_lock:
                if in_window:
                    counts["measured"] += 1
                    if err:
                        errors.append(err)
                    else:
                        my_lat.append(ms)
                elif err:
                    warm_errors.append(err)
                else:
                    counts["warmup"] += 1
        conn.close()
        with bodies_lock:
            lat.extend(my_lat)
            numbers.extend(my_nums)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    time.sleep(args.warmup)
    print("MEASURE START", flush=True)
    phase["measure"] = True
    t0 = time.perf_counter()
    time.sleep(args.duration)
    phase["measure"] = False
    elapsed = time.perf_counter() - t0
    print("MEASURE END", flush=True)
    phase["stop"] = True
    for t in threads:
        t.join()
    lat.sort()
    ok = len(lat)
    res = {
        "concurrency": args.concurrency, "seconds": round(elapsed, 2),
        "requests": counts["measured"], "created": ok, "errors": len(errors), "error_samples": errors[:5],
        "warmup_requests": counts["warmup"], "warmup_errors": len(warm_errors), "warmup_error_samples": warm_errors[:5],
        "tokens_exhausted": counts["exhausted"],
        "rps": round(ok / elapsed, 1) if elapsed else 0.0,
        "p50": round(pct(lat, 50), 1), "p95": round(pct(lat, 95), 1), "p99": round(pct(lat, 99), 1),
        "max": round(lat[-1], 1) if lat else float("nan"),
        "acknowledged": len(numbers), "numbers": numbers,
    }
    Path(args.out).write_text(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
