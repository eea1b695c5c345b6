"""Credit records (信用记录), grades (信用等级) and ranking editions (诚信企业榜).

A credit record is one credit-relevant fact about a subject. Records are
never edited in place: a correction is a new record that supersedes the old
one (or retracts it), and the old one stays in the history. The model refuses
updates and deletes.

Grades are derived data: `engine` computes them from the current records
under the active scoring policy; `Grade` holds the latest result per subject
and `GradeChange` its history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chengxin.core.labels import BilingualLabel

EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01: what the scoring query computes ages with."""
    return (day - EPOCH).days


class Polarity(models.IntegerChoices):
    POSITIVE = 1, _("positive")
    NEUTRAL = 0, _("neutral")
    NEGATIVE = -1, _("negative")


class Source(models.TextChoices):
    PLATFORM = "platform", _("This platform")
    MEMBER_PLATFORM = "member_platform", _("A member platform")
    AUTHORITY = "authority", _("A public authority")


class Access(models.TextChoices):
    """Who may see a record: the public, members (and partner platforms with
    member-level access), or only staff and the subject itself."""

    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members")
    RESTRICTED = "restricted", _("Restricted")


class RecordKind(BilingualLabel, models.Model):  # noqa: DJ008 - __str__ from BilingualLabel
    """What a record says (data, editable in the admin): its default polarity,
    disclosure period and access class. `conduct` is False for kinds that are
    not evidence about conduct (membership held, certificate issued): a scoring
    policy may show them but never give them points."""

    code = models.CharField(max_length=40, primary_key=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    polarity = models.SmallIntegerField(choices=Polarity.choices, default=Polarity.NEUTRAL)
    disclosure_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="days after the event the record counts and shows; empty = no limit"
    )
    access = models.CharField(max_length=10, choices=Access.choices, default=Access.PUBLIC)
    conduct = models.BooleanField(default=True)
    staff_entry = models.BooleanField(default=False, help_text="staff may enter records of this kind by hand")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]


class AppendOnlyError(Exception):
    pass


class RecordQuerySet(models.QuerySet["CreditRecord"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("credit records cannot be updated; supersede them")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("credit records cannot be deleted; retract them")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("credit records cannot be updated; supersede them")

    def current(self) -> RecordQuerySet:
        """Records not superseded by a later one, retractions left out."""
        return self.exclude(pk__in=CreditRecord.objects.filter(supersedes__isnull=False).values("supersedes_id")).exclude(
            retraction=True
        )


MEMBERSHIP_KIND = "membership.held"  # a membership record: its tag is the declared size


class CreditRecord(models.Model):
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="credit_records")
    kind = models.ForeignKey(RecordKind, on_delete=models.PROTECT, db_column="kind")
    # a sub-kind the scoring policy can select on (complaints: on_time/late/none;
    # membership: the declared size; certificates: the level)
    tag = models.CharField(max_length=20, blank=True, default="")
    polarity = models.SmallIntegerField(choices=Polarity.choices)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.PLATFORM)
    source_name = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=300)
    summary_en = models.CharField(max_length=300, blank=True)
    evidence = models.TextField(blank=True, help_text="reference, document number or description of the evidence")
    evidence_file = models.FileField(upload_to="credit/%Y/%m/", blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    occurred_on = models.DateField()
    day = models.IntegerField(editable=False)  # day_number(occurred_on)
    disclosed_until = models.DateField(null=True, blank=True)  # exclusive; empty = no limit
    until_day = models.IntegerField(null=True, blank=True, editable=False)  # day_number(disclosed_until)
    access = models.CharField(max_length=10, choices=Access.choices)
    # where the fact comes from on this platform ("complaint:TS…"), unique per
    # kind so that an event replayed does not record the same fact twice
    ref = models.CharField(max_length=100, blank=True, default="")
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    retraction = models.BooleanField(default=False)  # this record withdraws the one it supersedes
    reason = models.TextField(blank=True)  # why it was entered or corrected
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        indexes = [
            # the scoring query reads records by subject from this index alone
            # (id: the superseded-record check; on SQLite every index has it)
            models.Index(fields=["subject", "kind", "day", "tag", "until_day", "retraction"], name="credit_record_scoring",
                         include=["id"]),
            models.Index(fields=["kind", "day"]),
            # the declared sizes (engine.Scorer.sizes_sql): the membership
            # records alone, by subject, in the order the query takes the latest
            models.Index(fields=["subject", "day", "id", "tag", "retraction"], name="credit_record_sizes",
                         condition=models.Q(kind=MEMBERSHIP_KIND)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "ref"], condition=~models.Q(ref="") & models.Q(supersedes__isnull=True),
                name="credit_record_unique_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind_id} {self.subject_id} {self.occurred_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("credit records cannot be updated; supersede them")
        self.day = day_number(self.occurred_on)
        self.until_day = day_number(self.disclosed_until) if self.disclosed_until else None
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("credit records cannot be deleted; retract them")

    def is_disclosed(self, on: dt.date) -> bool:
        return self.disclosed_until is None or on < self.disclosed_until


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class Policy(models.Model):
    """A scoring policy as the configuration text that defines it (TOML)."""

    version = models.CharField(max_length=40, unique=True)
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    preview = models.JSONField(null=True, blank=True)  # the last preview against the active policy

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.version


class Grade(models.Model):
    """The latest grade of a subject. Empty `grade`: not rated (no evidence)."""

    # no foreign-key constraint in the database (nor on GradeChange.subject):
    # grades are derived data written a million at a time, and the check
    # cost more than any other part of writing them (docs/decisions/0004);
    # subjects are never deleted, and deleting one through Django still
    # deletes its grade and history (on_delete)
    subject = models.OneToOneField("registry.Subject", on_delete=models.CASCADE, primary_key=True, related_name="credit_grade",
                                   db_constraint=False)
    grade = models.CharField(max_length=8, blank=True)
    score = models.FloatField()
    evidence = models.PositiveIntegerField(default=0)  # conduct records that counted
    tenure_days = models.PositiveIntegerField(default=0)
    policy_version = models.CharField(max_length=40)
    as_of = models.DateField()
    factors = models.JSONField(default=dict)  # factor code -> [value, points]
    computed_at = models.DateTimeField()

    class Meta:
        # the grade distribution reads this index alone; the score is not in
        # it, so the daily rewrite, where the score moves but the grade
        # rarely does, updates most grades in place (HOT, with the room the
        # table's fillfactor leaves on PostgreSQL: migration 0005)
        indexes = [models.Index(fields=["grade"])]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.grade or '-'} {self.score}"


class GradeChange(models.Model):
    """History: a row each time a subject's grade or the policy behind it changed."""

    # no index of its own: (subject, at) below serves lookups by subject, and a
    # full recomputation writes one of these for every graded subject
    subject = models.ForeignKey("registry.Subject", on_delete=models.CASCADE, related_name="grade_history", db_index=False,
                                db_constraint=False)  # as Grade.subject
    at = models.DateTimeField()
    as_of = models.DateField()
    grade = models.CharField(max_length=8, blank=True)
    previous = models.CharField(max_length=8, blank=True)
    score = models.FloatField()
    policy_version = models.CharField(max_length=40)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["subject", "at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.previous or '-'}→{self.grade or '-'}"


class PendingRecompute(models.Model):
    """Subjects whose records changed since their grade was computed; the
    credit sweep recomputes them (idempotently) and removes the rows."""

    subject = models.OneToOneField("registry.Subject", on_delete=models.CASCADE, primary_key=True, related_name="+")
    since = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.subject_id)


class EditionQuerySet(models.QuerySet["RankingEdition"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("a published ranking does not change")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("a published ranking is not deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("a published ranking does not change")


class RankingEdition(models.Model):
    """A published, dated ranking. Its rows are copied at publication and
    never change afterwards."""

    title = models.CharField(max_length=200)
    province = models.ForeignKey("registry.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey("registry.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    industry = models.ForeignKey("registry.Industry", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField()
    policy_version = models.CharField(max_length=40)
    criteria = models.JSONField(default=dict)  # thresholds in force when published
    rows = models.JSONField(default=list)  # [{rank, subject_id, name, grade, score, evidence}]
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sha256 = models.CharField(max_length=64)  # over the canonical rows, shown on the page

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("a published ranking does not change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("a published ranking is not deleted")
