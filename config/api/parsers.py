"""Request body parsers for the API."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested deeper than Python's decoder can follow is a parse error too, not a 500.

    Python's decoder recurses once per array or object level and gives up with RecursionError near a
    thousand levels: a few kilobytes of brackets.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
