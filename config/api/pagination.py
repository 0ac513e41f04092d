"""Cursor pagination for the API's lists, newest first, and its OpenAPI shape."""

import json
from typing import Protocol, runtime_checkable

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Field, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination, _reverse_ordering

from config.db import planned_for_their_values


class CheckedCursorPagination(CursorPagination):
    """Cursor pages whose position is checked before it reaches the database.

    A cursor is opaque but not signed: a crafted position ("p") that is not a value of
    the ordering field would otherwise fail inside the query. It answers like any
    malformed cursor: 404 `not_found`, "Invalid cursor".
    """

    def paginate_queryset(self, queryset, request, view=None):
        self.position_field = _ordering_field(queryset, self.get_ordering(request, queryset, view)[0])
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                self.position_field.to_python(cursor.position)
            except ValidationError as error:
                raise NotFound(self.invalid_cursor_message) from error
        return cursor


def _ordering_field(queryset: QuerySet, ordering: str) -> Field:
    name = ordering.lstrip("-")
    if name in queryset.query.annotations:
        return queryset.query.annotations[name].output_field
    return queryset.model._meta.get_field(name)


@runtime_checkable
class KeysetSource(Protocol):
    """Rows that page themselves by a whole sort key, for KeysetCursorPagination, when a QuerySet cannot say the query.

    `ordering` is as in a QuerySet's order_by ("-rank", ...); `after`, when given, the key of the
    row the page starts strictly after, in that ordering. Rows have an attribute per ordering field.
    """

    def key_fields(self, ordering: tuple[str, ...]) -> list[Field]: ...

    def keyset_page(self, ordering: tuple[str, ...], *, after: list | None, limit: int) -> list: ...


class KeysetCursorPagination(CursorPagination):
    """Cursor pages whose cursor holds the whole sort key of the row at the page's edge.

    DRF's CursorPagination keeps only the first ordering field and an offset among the rows that
    tie on it (capped at `offset_cutoff`): under many ties (a relevance rank that equal texts share,
    an updated_at that a bulk edit sets) its pages repeat or skip rows. Here the ordering must end
    with a unique field, and the next page starts strictly after the edge row's full key, so each
    row is listed once whatever the ties. Every ordered value must survive str() and the field's
    to_python() exactly (a rank must be a double, not a real printed with fewer digits).
    A position that is not a list of values of the ordering fields answers 404 "Invalid cursor".
    """

    def paginate_queryset(self, queryset, request, view=None):
        """A page of `queryset`, or of a KeysetSource (rows a query the ORM cannot express pages itself)."""
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = tuple(self.get_ordering(request, queryset, view))
        if isinstance(queryset, KeysetSource):
            self.key_fields = queryset.key_fields(self.ordering)
        else:
            self.key_fields = [_ordering_field(queryset, order) for order in self.ordering]
        self.cursor = self.decode_cursor(request)
        reverse = self.cursor is not None and self.cursor.reverse
        ordering = _reverse_ordering(self.ordering) if reverse else self.ordering
        after = self.key_position if self.cursor is not None else None
        if isinstance(queryset, KeysetSource):
            rows = queryset.keyset_page(ordering, after=after, limit=self.page_size + 1)
        else:
            queryset = queryset.order_by(*ordering)
            if after is not None:
                queryset = queryset.filter(after_key(ordering, after))
            rows = list(queryset[: self.page_size + 1])
        self.page = rows[: self.page_size]
        more = len(rows) > self.page_size
        if reverse:
            self.page.reverse()
        self.has_next = bool(self.page) and (more if not reverse else True)
        self.has_previous = bool(self.page) and (self.cursor is not None if not reverse else more)
        self.display_page_controls = self.has_next or self.has_previous
        return self.page

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is None:
            return None
        try:
            values = json.loads(cursor.position or "")
            if not isinstance(values, list) or len(values) != len(self.key_fields):
                raise ValueError("a position has one value per ordering field")
            self.key_position = [field.to_python(value) for field, value in zip(self.key_fields, values, strict=True)]
            if any(value is None for value in self.key_position):
                raise ValueError("no ordering value is null")
        except (ValueError, TypeError, ValidationError, RecursionError) as error:  # RecursionError: nested too deep
            raise NotFound(self.invalid_cursor_message) from error
        return cursor

    def get_next_link(self):
        if not self.has_next:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=self._key_of(self.page[-1])))

    def get_previous_link(self):
        if not self.has_previous:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=self._key_of(self.page[0])))

    def _key_of(self, instance) -> str:
        return json.dumps([str(getattr(instance, order.lstrip("-"))) for order in self.ordering])


def after_key(ordering: tuple[str, ...], key: list) -> Q:
    """Rows strictly after `key` in `ordering` (fields with "-" descending): a lexicographic comparison.

    The first field also gets a plain range bound, so that an index on it can start there.
    """
    names = [order.lstrip("-") for order in ordering]
    strictly = ["lt" if order.startswith("-") else "gt" for order in ordering]
    after = Q()
    for index, name in enumerate(names):
        equal_before = {names[earlier]: key[earlier] for earlier in range(index)}
        after |= Q(**equal_before, **{f"{name}__{strictly[index]}": key[index]})
    return Q(**{f"{names[0]}__{strictly[0]}e": key[0]}) & after


class NewestFirstPagination(CheckedCursorPagination):
    ordering = "-created_at"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


PAGINATION_PARAMETERS = [
    OpenApiParameter("cursor", OpenApiTypes.STR, description="The opaque cursor from `next` or `previous`."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Results per page, 1 to 100 (default 20)."),
]


def paginated(name: str, item_serializer: type[serializers.Serializer]):
    return inline_serializer(
        name,
        fields={
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
            "previous": serializers.URLField(allow_null=True, help_text="The previous page, or null."),
            "results": item_serializer(many=True),
        },
    )


def newest_first_page(request, view, queryset, serializer_class: type[serializers.Serializer]):
    """One cursor page of `queryset`, newest first, as the paginated response every list answers with.

    Read by plans made for the caller's own values: a generic plan would walk the whole table newest first
    for a quiet organisation's page (config.db.planned_for_their_values).
    """
    paginator = NewestFirstPagination()
    with planned_for_their_values(connection):
        page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
