"""Bench-only Django site: chengxin's settings and URLs plus one constant view
(bench/certs/bench.py measures the verification page beside it)."""
