from __future__ import annotations

from tests.membership.conftest import applicant, submitted, verified_site  # noqa: F401 - fixtures reused here
