"""Cursor pagination for the API's lists, newest first, and its OpenAPI shape."""

from django.core.exceptions import ValidationError
from django.db.models import Field, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


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
    """One cursor page of `queryset`, newest first, as the paginated response every list answers with."""
    paginator = NewestFirstPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
