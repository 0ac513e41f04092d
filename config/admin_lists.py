"""Change lists whose cost does not grow with the table: for the logs, which grow with every reveal and login.

Django's defaults read a whole table on every view of a list: the paginator's `COUNT(*)`, a filter on a
field without choices (`SELECT DISTINCT` of every value stored), the date drill-down (`MIN`, `MAX` and a
`DISTINCT` of the years, months or days) and the facet counts. At a few million events each is seconds, and
at tens of millions past the statement timeout (BENCHMARKS.md, "Reads that grow with the platform"). These
pieces replace them: a count that stops at a bound, filters listing the declared values, and a date filter
of fixed periods and a range typed in.
"""

import copy
import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import cached_property

Choices = Iterable[tuple[str, str]]


class BoundedCountPaginator(Paginator):
    """Counts the rows up to `ADMIN_LIST_COUNT_BOUND` and no further; the pages stop there too.

    Past the bound the list says "N+" (templates/admin/pagination.html), and an operator narrows it with the
    filters, the date range or the search rather than paging through millions of rows.
    """

    @cached_property
    def bound(self) -> int:
        # Under a page, or under "Show all"'s limit, the change list would take a bounded count for the whole
        # list and show every row.
        return max(settings.ADMIN_LIST_COUNT_BOUND, self.per_page + 1, admin.ModelAdmin.list_max_show_all + 1)

    @cached_property
    def count(self) -> int:
        counted = self.object_list[: self.bound + 1].count()
        self.counted_past_bound = counted > self.bound
        return min(counted, self.bound)

    counted_past_bound = False


class BoundedListAdmin(admin.ModelAdmin):
    """A change list that reads a page and a bounded count, whatever the table's size."""

    paginator = BoundedCountPaginator
    # The "N total" link would count every row.
    show_full_result_count = False
    # "Show counts" would count every filter choice over the whole list.
    show_facets = admin.ShowFacets.NEVER


def declared_choices_filter(choices: Choices | Callable[[], Choices]) -> type[admin.FieldListFilter]:
    """A filter listing these values, for a field that declares no choices of its own.

    Django lists such a field's values with a `SELECT DISTINCT` over the whole table. `choices` are
    (value, label) pairs, or a function returning them when the values are known only once the apps are
    loaded (the outbox's registered kinds).
    """

    class DeclaredChoicesFilter(admin.ChoicesFieldListFilter):
        def __init__(self, field, request, params, model, model_admin, field_path):
            field = copy.copy(field)
            field.choices = list(choices() if callable(choices) else choices)
            super().__init__(field, request, params, model, model_admin, field_path)

    return DeclaredChoicesFilter


class DateRangeFilter(admin.DateFieldListFilter):
    """Django's fixed periods (today, the past 7 days, this month, this year) and a range of days typed in.

    In place of the date drill-down, which reads the dates of every row shown to list the years, months and
    days it offers. The typed range is in the platform's time zone (PLATFORM_TIME_ZONE), both days
    included; a day that is not a date is left out of the filter and said so.
    """

    template = "admin/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_kwarg_from = f"{field_path}__from"
        self.lookup_kwarg_to = f"{field_path}__to"
        super().__init__(field, request, params, model, model_admin, field_path)
        # Django's periods take these two out of `date_params`' comparison with its links.
        self.typed_from = self.date_params.pop(self.lookup_kwarg_from, "")
        self.typed_to = self.date_params.pop(self.lookup_kwarg_to, "")
        self.used_parameters.pop(self.lookup_kwarg_from, None)
        self.used_parameters.pop(self.lookup_kwarg_to, None)
        self.request = request

    def expected_parameters(self):
        return [*super().expected_parameters(), self.lookup_kwarg_from, self.lookup_kwarg_to]

    def queryset(self, request, queryset):
        queryset = super().queryset(request, queryset)
        since = self._midnight(self.typed_from, days_after=0)
        until = self._midnight(self.typed_to, days_after=1)
        if since is not None:
            queryset = queryset.filter(**{self.lookup_kwarg_since: since})
        if until is not None:
            queryset = queryset.filter(**{self.lookup_kwarg_until: until})
        return queryset

    def choices(self, changelist):
        # The range's own form keeps the list's other filters and its search as hidden fields.
        self.other_parameters = [
            (name, value) for name, value in changelist.params.items() if not name.startswith(self.field_generic)
        ]
        yield from super().choices(changelist)

    def _midnight(self, typed: str, *, days_after: int) -> datetime.datetime | None:
        typed = typed.strip()
        if not typed:
            return None
        try:
            day = datetime.date.fromisoformat(typed)
        except ValueError:
            messages.warning(self.request, f"“{typed[:40]}” is not a day (YYYY-MM-DD): the list is not filtered by it.")
            return None
        # The zone the list shows its times in, as Django's own periods do.
        midnight = datetime.datetime.combine(day + datetime.timedelta(days=days_after), datetime.time())
        return timezone.make_aware(midnight)
