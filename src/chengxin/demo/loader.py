"""Placeholder replaced by the demo data generator."""


def demo_needed() -> bool:
    return False


def load_demo(stdout=None) -> None:  # type: ignore[no-untyped-def]
    return None
