"""Synthetic demo data: `generator` makes subjects (pure, deterministic from a
seed), `loader` writes them and the demo accounts through the services."""
