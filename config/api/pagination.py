"""Cursor pagination for the API's lists, newest first, and its OpenAPI shape."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import CursorPagination


class NewestFirstPagination(CursorPagination):
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
