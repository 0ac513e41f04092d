"""Which function delivers each kind of outbox message.

Apps register their handlers when Django starts (their AppConfig.ready imports the module
that declares them); the outbox itself imports no app. A handler is called with the
message's payload as keyword arguments, inside the transaction that marks the message
delivered; it raises to have the delivery tried again later.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

Handler = Callable[..., object]

_handlers: dict[str, Handler] = {}


class UnknownKind(LookupError):
    """No handler is registered for this kind."""


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the one that delivers messages of `kind`."""

    def register(function: Handler) -> Handler:
        existing = _handlers.get(kind)
        if existing is not None and _name(existing) != _name(function):
            raise ImproperlyConfigured(f"outbox kind {kind!r} has two handlers: {_name(existing)}, {_name(function)}")
        _handlers[kind] = function
        return function

    return register


def kind_choices() -> list[tuple[str, str]]:
    """The registered kinds as (value, label) pairs, for the admin's filter."""
    return [(kind, kind) for kind in sorted(_handlers)]


def handler_for(kind: str) -> Handler:
    try:
        return _handlers[kind]
    except KeyError:
        raise UnknownKind(kind) from None


def registered_kinds() -> list[str]:
    return sorted(_handlers)


def _name(function: Handler) -> str:
    return f"{function.__module__}.{function.__qualname__}"
