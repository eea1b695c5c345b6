"""PROTOTYPE of an indexed search (see bench/README.md, "Prototype"): copies
src/ to DEST/src (default bench/.data/proto) and patches the copy. Nothing in the
repository is changed.

    python bench/prototype/apply_proto.py [DEST]

* normalize.py: bigram tokens of search_text (`search_grams`)
* models.py: Subject.search_grams
* services.py: search_subjects counts candidates in the index (at most 5001),
  sorts up to 5000 candidates by name (ids first, then the page's rows),
  walks name_key for broader terms, and returns a queryset whose count (capped
  at 1001 = "more than 1000") is already known
* core/api.py: no item query when the page is past the end (if not there yet)
* search.html: the province/industry <select>s cached (fragment cache)
"""

import shutil
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
DST = (Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / ".data" / "proto") / "src"
shutil.rmtree(DST, ignore_errors=True)
shutil.copytree(SRC, DST, ignore=shutil.ignore_patterns("__pycache__"))


def patch(rel: str, old: str, new: str) -> None:
    p = DST / rel
    s = p.read_text()
    assert old in s, (rel, old[:80])
    p.write_text(s.replace(old, new, 1))


(DST / "chengxin/registry/normalize.py").write_text((DST / "chengxin/registry/normalize.py").read_text() + '''

# --- bigram tokens for an indexed substring search ---------------------------
# Every pair of adjacent characters of each part of search_text becomes one
# token of ASCII letters (the two code points in base 26, 5 letters each), so
# SQLite FTS5 (unicode61) and PostgreSQL ('simple') see the same plain words
# whatever the script. A substring of >= 2 characters of a part is then exactly
# a phrase of consecutive bigram tokens; "sep" keeps phrases inside a part.

def _cp(ch: str) -> str:
    n = ord(ch)
    out = []
    for _ in range(5):
        n, r = divmod(n, 26)
        out.append(chr(97 + r))
    return "".join(out)


def bigram_tokens(text: str) -> list[str]:
    return [_cp(a) + _cp(b) for a, b in zip(text, text[1:])]


def search_grams(search_text: str) -> str:
    parts = [" ".join(bigram_tokens(p)) for p in search_text.split() if len(p) >= 2]
    return " sep ".join(p for p in parts if p)
''')

patch("chengxin/registry/models.py",
      "    search_text = models.TextField(blank=True, editable=False)\n",
      "    search_text = models.TextField(blank=True, editable=False)\n"
      "    search_grams = models.TextField(blank=True, editable=False)  # bigram tokens of search_text\n")

patch("chengxin/registry/services.py",
      "def search_subjects(",
      '''SEARCH_CAP = 1000  # counts above this are shown as "1000+"
SEARCH_SORT_MAX = int(__import__("os").environ.get("SEARCH_SORT_MAX", "5000"))  # up to this many candidates are sorted; beyond, name_key is walked


class _CountedQuerySet(QuerySet):
    """A search result whose (capped) count is already known."""

    known_count: int | None = None
    two_step = False  # slice by sorting ids only, then fetch the page's rows

    def _clone(self):  # type: ignore[no-untyped-def]
        c = super()._clone()
        c.known_count = self.known_count
        c.two_step = self.two_step
        return c

    def __getitem__(self, k):  # type: ignore[no-untyped-def]
        if not (self.two_step and isinstance(k, slice)):
            return super().__getitem__(k)
        ids = list(QuerySet(model=self.model, query=self.query.chain(), using=self._db)
                   .select_related(None).values_list("id", flat=True)[k])
        page = (self.model._default_manager.select_related("province", "city", "industry")
                .filter(id__in=ids).order_by("name_key", "id"))
        page._prefetch_related_lookups = self._prefetch_related_lookups
        return page

    def count(self) -> int:
        if self.known_count is None:
            return super().count()
        low, high = self.query.low_mark, self.query.high_mark
        n = max(0, self.known_count - low)
        return n if high is None else min(n, high - low)


def _index_filter(key: str):  # type: ignore[no-untyped-def]
    import os

    from django.db import connection
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    from .normalize import bigram_tokens

    toks = bigram_tokens(key)
    if os.environ.get("CHENGXIN_SEARCH_INDEX", "bigram") == "none" or not toks:
        return None
    if connection.vendor == "sqlite":
        return Q(id__in=RawSQL(
            "SELECT rowid FROM registry_subject_fts WHERE registry_subject_fts MATCH %s",
            ('"' + " ".join(toks) + '"',)))
    if connection.vendor == "postgresql":
        return Q(RawSQL("search_vector @@ to_tsquery('simple', %s)", (" <-> ".join(toks),),
                        output_field=BooleanField()))
    return None


def _index_ids(key: str):  # type: ignore[no-untyped-def]
    """The index match as a set of ids the planner fetches first (not a
    filter it might check while walking name_key)."""
    from django.db import connection
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    from .normalize import bigram_tokens

    toks = bigram_tokens(key)
    if connection.vendor == "sqlite":
        return Q(id__in=RawSQL(
            "SELECT rowid FROM registry_subject_fts WHERE registry_subject_fts MATCH %s",
            ('"' + " ".join(toks) + '"',)))
    return Q(RawSQL(
        "registry_subject.id = ANY(ARRAY(SELECT id FROM registry_subject"
        " WHERE search_vector @@ to_tsquery('simple', %s)))",
        (" <-> ".join(toks),), output_field=BooleanField()))


def search_subjects(''')

# replace the body of search_subjects (whatever it is today) with the prototype's
_p = DST / "chengxin/registry/services.py"
_s = _p.read_text()
_head = _s.index("def search_subjects(")
_body = _s.index(") -> QuerySet[Subject]:\n", _head) + len(") -> QuerySet[Subject]:\n")
_end = _s.index("\n\n# --- public view", _body)
_p.write_text(_s[:_body] + '''    filters = Q()
    if province:
        filters &= Q(province_id=province)
    if city:
        filters &= Q(city_id=city)
    if industry:
        filters &= Q(industry_id=industry)
    if kind:
        filters &= Q(kind=kind)
    qs = Subject.objects.select_related("province", "city", "industry").filter(filters)
    key = name_key(q)
    if not key:
        return qs.order_by("name_key", "id")
    uscc_like = key.upper()
    exact = Q(uscc=uscc_like) if len(uscc_like) == 18 and re.fullmatch(r"[0-9A-Z]{18}", uscc_like) else None
    match = _index_filter(key)
    if match is None:  # one character, or no index: the substring scan
        text = Q(search_text__contains=key)
        return qs.filter(exact | text if exact else text).order_by("name_key", "id")
    # candidates from the index (ids only, at most SEARCH_SORT_MAX + 1), with the filters
    cand = Subject.objects.filter(filters).filter(exact | match if exact else match)
    from django.db import connection

    if connection.vendor == "sqlite" and not filters and exact is None:  # straight from the FTS index
        from .normalize import bigram_tokens

        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM (SELECT rowid FROM registry_subject_fts"
                        " WHERE registry_subject_fts MATCH %s LIMIT %s)",
                        ['"' + " ".join(bigram_tokens(key)) + '"', SEARCH_SORT_MAX + 1])
            n = cur.fetchone()[0]
    else:
        n = cand.order_by()[: SEARCH_SORT_MAX + 1].count()  # SELECT COUNT(*) FROM (... LIMIT 5001)
    if n <= SEARCH_SORT_MAX:  # fetch the candidates by id and sort these few rows by name
        fenced = _index_ids(key)
        out = qs.filter(exact | fenced if exact else fenced)
    else:  # a broad term (>= 5 % of rows): walking name_key in order finds a page fast
        walk = match if connection.vendor == "postgresql" else Q(search_text__contains=key)
        out = qs.filter(exact | walk if exact else walk)
    out = _CountedQuerySet(model=Subject, query=out.order_by("name_key", "id").query, using=out.db)
    out.known_count = min(n, SEARCH_CAP + 1)  # SEARCH_CAP + 1 means "more than SEARCH_CAP"
    out.two_step = SEARCH_CAP < n <= SEARCH_SORT_MAX  # many candidates to sort: sort ids only
    return out\n''' + _s[_end:])


if "if start < count else []" not in (DST / "chengxin/core/api.py").read_text():
    patch("chengxin/core/api.py",
          "    items = list(qs[start : start + page_size])\n",
          "    items = list(qs[start : start + page_size]) if start < count else []\n")
print("patched", DST)

# the two <select>s of the search form cost ~8 ms of widget rendering per page: cache them
t = DST / "chengxin/registry/templates/registry/search.html"
s = t.read_text()
old = "  {{ form.province }}\n  {{ form.industry }}\n"
assert old in s
s = s.replace(old, "  {% cache 3600 search_selects LANGUAGE_CODE form.province.value form.industry.value %}"
                   "{{ form.province }}\n  {{ form.industry }}{% endcache %}\n")
s = s.replace("{% load i18n %}", "{% load i18n cache %}", 1)
t.write_text(s)
print("cached selects")
