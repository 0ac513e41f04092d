"""Change lists whose cost does not grow with the table, for the read-only admins: the logs above all.

Django's defaults read a whole table on every view of a list: the paginator's `COUNT(*)`, a filter on a
field without choices (`SELECT DISTINCT` of every value stored), the date drill-down (`MIN`, `MAX` and a
`DISTINCT` of the years, months or days), the facet counts, and any lookup or order typed into the URL. At a
few million events each is seconds, and at tens of millions past the statement timeout (BENCHMARKS.md, "The
logs' admin lists"). These pieces replace them: a count that stops at a bound, filters listing the declared
values, a date filter of fixed periods and a range typed in, and lists that take no lookup, value or order
their filters do not offer.
"""

import copy
import datetime
from collections.abc import Callable, Iterable

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import SuspiciousOperation
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.functional import cached_property

Choices = Iterable[tuple[str, str]]


class BoundedCountPaginator(Paginator):
    """Counts the rows up to `bound` and no further; the pages stop there too.

    Past the bound the list says "N+" (templates/admin/pagination.html), and an operator narrows it with the
    filters, the date range or the search rather than paging through millions of rows.
    """

    # Whether the rows went past the bound; known once `count` is.
    counted_past_bound = False

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, bound: int):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.bound = bound

    @cached_property
    def count(self) -> int:
        counted = self.object_list[: self.bound + 1].count()
        self.counted_past_bound = counted > self.bound
        return min(counted, self.bound)


class BoundedChangeList(ChangeList):
    """A change list filtered by its filters only, with the values they offer.

    Django takes any lookup on a field typed into the URL (`details__icontains=…`, `summary__icontains=` a
    phone number), and a filter's parameter with any value (`kind__exact=zzz`, `__isnull` on a field that is
    never null): each matches by reading the whole table, and the first is a search nobody offered. Each is
    refused as Django refuses a lookup it does not know (back to the list, `?e=1`), with a message naming it.
    """

    def get_filters(self, request):
        filters = super().get_filters(request)
        filter_specs, remaining_lookups = filters[0], filters[2]
        refused = sorted(remaining_lookups) + [name for spec in filter_specs for name in _values_not_offered(spec)]
        if refused:
            messages.error(request, f"Not a filter of this list, or not a value it offers: {', '.join(refused)}.")
            raise IncorrectLookupParameters(", ".join(refused))
        return filters


class LogChangeList(BoundedChangeList):
    """A log's list: in the order of its index. An order typed into the URL (`o=`) would sort the whole log."""

    def get_ordering(self, request, queryset):
        self.params.pop(ORDER_VAR, None)
        return super().get_ordering(request, queryset)


def _values_not_offered(spec) -> list[str]:
    """The parameters of a field's filter with a value it does not offer.

    A value outside its choices, or `__isnull` on a field that is never null.
    """
    if not isinstance(spec, admin.FieldListFilter):
        return []
    refused = [name for name in spec.used_parameters if name.endswith("__isnull") and not spec.field.null]
    if isinstance(spec, admin.ChoicesFieldListFilter) and spec.lookup_val is not None:
        offered = {str(value) for value, _ in spec.field.flatchoices}
        if not set(spec.lookup_val) <= offered:
            refused.append(spec.lookup_kwarg)
    return refused


class BoundedListAdmin(admin.ModelAdmin):
    """A change list that reads a page and a bounded count, whatever the table's size."""

    # The "N total" link would count every row.
    show_full_result_count = False
    # "Show counts" would count every filter choice over the whole list.
    show_facets = admin.ShowFacets.NEVER

    def changelist_view(self, request, extra_context=None):
        # PostgreSQL refuses a NUL in a text value: that would be a 500, not a clear refusal.
        if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
            raise SuspiciousOperation("a NUL character in the list's query string")
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        return BoundedChangeList

    def count_bound(self) -> int:
        # Under a page, or under "Show all"'s limit, the change list would take a bounded count for the whole
        # list and show every row.
        return max(settings.ADMIN_LIST_COUNT_BOUND, self.list_per_page + 1, self.list_max_show_all + 1)

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return BoundedCountPaginator(queryset, per_page, orphans, allow_empty_first_page, bound=self.count_bound())

    def response_action(self, request, queryset):
        # "Select all" past the bound would act on rows nobody has seen counted: every match, millions maybe.
        selected_across = forms.BooleanField(required=False).clean(request.POST.get("select_across"))
        bound = self.count_bound()
        if selected_across and queryset[: bound + 1].count() > bound:
            self.message_user(
                request,
                f"More than {bound} rows match: narrow the list with its filters before acting on all of them.",
                messages.WARNING,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)


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
    days it offers. The typed days are in the zone the list shows its times in (TIME_ZONE, UTC), both
    included. A day that is not a date is left out of the filter, and said so, as is a "From" after the "To";
    a warning is the only way a filter can answer.
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
        if since is not None and until is not None and since >= until:
            messages.warning(request, "“From” is after “To”: no day is in the range.")
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
        typed = bool(self.typed_from.strip() or self.typed_to.strip())
        for choice in super().choices(changelist):
            # "Any date" is not what is shown while a typed range filters the list.
            yield {**choice, "selected": choice["selected"] and not typed}

    def _midnight(self, typed: str, *, days_after: int) -> datetime.datetime | None:
        typed = typed.strip()
        if not typed:
            return None
        try:
            day = datetime.date.fromisoformat(typed)
        except ValueError:
            messages.warning(self.request, f"“{typed[:40]}” is not a day (YYYY-MM-DD): the list is not filtered by it.")
            return None
        try:
            day += datetime.timedelta(days=days_after)
        except OverflowError:  # the day after 9999-12-31: no end
            return None
        # The zone the list shows its times in, as Django's own periods do.
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
