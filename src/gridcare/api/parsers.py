"""Request parsers of the API: JSON that nests too deep is the client's error (400), never a recursion (500)."""

import codecs

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json


def json_depth_exceeds(value, *, limit: int) -> bool:
    """True when lists/objects in `value` nest deeper than `limit` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, with a nesting limit (settings.GRIDCARE_API_MAX_JSON_DEPTH).

    The body's size is bounded before parsing, by RequestLimitsMiddleware.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            decoded = codecs.getreader(encoding)(stream)
            data = json.load(decoded, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            data = None
            too_deep = True
        except ValueError as exc:  # bad syntax, NaN/Infinity, or bytes that are not `encoding`
            raise ParseError(f"JSON parse error - {exc}") from None
        else:
            too_deep = json_depth_exceeds(data, limit=settings.GRIDCARE_API_MAX_JSON_DEPTH)
        if too_deep:
            raise ParseError(
                _("JSON lồng nhau quá sâu (tối đa %(depth)d cấp).")
                % {"depth": settings.GRIDCARE_API_MAX_JSON_DEPTH},
                code="json_too_deep",
            )
        return data
