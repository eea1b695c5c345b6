"""A state machine as one explicit table: (from status, action) -> to status."""

from __future__ import annotations


class TransitionTable(dict[tuple[str, str], str]):
    def target(self, status: str, action: str) -> str | None:
        """Where `action` leads from `status`, or None if it is not allowed."""
        return self.get((status, action))

    def allowed_actions(self, status: str) -> list[str]:
        return sorted(a for (s, a) in self if s == status)

    @property
    def actions(self) -> list[str]:
        return sorted({action for _, action in self})
