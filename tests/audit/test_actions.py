"""The declared audit vocabulary: record_event takes only declared values, and the code writes only those."""

import ast
from pathlib import Path

import pytest

from audit.actions import AuditAction, AuditOutcome, UndeclaredAuditValue
from audit.models import AuditEvent
from audit.services import record_event

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "employers", "resumes", "audit", "detection", "config", "demo")

# Dynamic action arguments the scan cannot read, each with the test that proves its values declared.
KNOWN_DYNAMIC_ACTIONS: dict[str, str] = {}


# What appends an event: record_event, and append_after_row (the same event, written by a caller's statement).
EVENT_WRITERS = frozenset({"record_event", "append_after_row"})


class RecordEventCalls(ast.NodeVisitor):
    """The `action=` and `outcome=` arguments of every call that appends an event, in one module."""

    def __init__(self, tree: ast.Module):
        self.constants = _module_string_constants(tree)
        self.dicts = _module_dict_values(tree)
        self.actions: list[tuple[int, ast.expr]] = []
        self.outcomes: list[tuple[int, ast.expr]] = []
        self.visit(tree)

    def visit_Call(self, node: ast.Call) -> None:
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name in EVENT_WRITERS:
            for keyword in node.keywords:
                if keyword.arg == "action":
                    self.actions.append((node.lineno, keyword.value))
                elif keyword.arg == "outcome":
                    self.outcomes.append((node.lineno, keyword.value))
            if not any(keyword.arg == "action" for keyword in node.keywords):
                # An action passed inside **kwargs cannot be read here: reported as unreadable.
                self.actions.append((node.lineno, ast.Name(id=f"<{name} without action=>")))
        self.generic_visit(node)

    def values_of(self, node: ast.expr, enum: str) -> list[str] | None:
        """Every string the expression can be, or None when it cannot be read statically."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == enum:
            member = getattr(AuditAction if enum == "AuditAction" else AuditOutcome, node.attr, None)
            return [member.value] if member is not None else [f"<undeclared member {enum}.{node.attr}>"]
        if isinstance(node, ast.Name) and node.id in self.constants:
            return [self.constants[node.id]]
        if isinstance(node, ast.IfExp):
            body, orelse = self.values_of(node.body, enum), self.values_of(node.orelse, enum)
            return None if body is None or orelse is None else body + orelse
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in self.dicts:
            values = [self.values_of(value, enum) for value in self.dicts[node.value.id]]
            return None if None in values else [item for group in values for item in group]
        return None


def _module_string_constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _module_dict_values(tree: ast.Module) -> dict[str, list[ast.expr]]:
    return {
        target.id: list(node.value.values)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def scan() -> tuple[dict[str, list[str]], list[str], int]:
    """Actions written anywhere (module -> values), the arguments that could not be read, and how many calls."""
    written: dict[str, list[str]] = {}
    unreadable: list[str] = []
    calls = 0
    for app in APPS:
        for path in sorted((PROJECT_ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = str(path.relative_to(PROJECT_ROOT))
            visitor = RecordEventCalls(ast.parse(path.read_text(), filename=module))
            for lineno, node in visitor.actions:
                calls += 1
                values = visitor.values_of(node, "AuditAction")
                if values is None:
                    if ast.unparse(node) not in KNOWN_DYNAMIC_ACTIONS:
                        unreadable.append(f"{module}:{lineno} action={ast.unparse(node)}")
                    continue
                written.setdefault(module, []).extend(values)
            for _lineno, node in visitor.outcomes:
                # Outcomes passed through variables are left to record_event's own check at run time.
                values = visitor.values_of(node, "AuditOutcome")
                written.setdefault(f"{module} (outcomes)", []).extend(f"outcome:{value}" for value in values or [])
    return written, unreadable, calls


def test_every_action_and_outcome_written_in_the_code_is_declared():
    written, unreadable, _ = scan()
    declared = set(AuditAction.values) | {f"outcome:{value}" for value in AuditOutcome.values}

    undeclared = {module: sorted(set(values) - declared) for module, values in written.items()}

    assert {module: values for module, values in undeclared.items() if values} == {}
    assert unreadable == [], "pass an AuditAction member (or a name bound to one), not a computed string"


def test_the_scan_sees_the_services_that_write_events():
    # Guards the scan itself: if it found nothing, the test above could never fail.
    written, _, calls = scan()
    actions = {value for module, values in written.items() if "(outcomes)" not in module for value in values}

    assert calls >= 25
    assert len(actions) >= 28
    assert AuditAction.ORGANIZATION_VERIFIED in written["employers/services.py"]
    assert AuditAction.REVEAL_GRANTED in written["resumes/services/reveal.py"]


def test_the_vocabulary_has_what_the_detectors_and_invitations_need():
    needed = {
        "flag.raised",
        "flag.confirmed",
        "flag.dismissed",
        "seat.suspended_by_detection",
        "seat.reinstated",
        "relay.revoked_by_detection",
        "relay.restored",
        "seekers.notified_of_exposure",
        "search.contact_query_refused",
        "invitation.created",
        "invitation.accepted",
        "invitation.declined",
        "invitation.withdrawn",
        "user.activated",
        "user.deactivated",
        "audit.chain_verified",
    }

    assert needed <= set(AuditAction.values)
    assert all(len(value) <= AuditEvent._meta.get_field("action").max_length for value in AuditAction.values)
    assert all(len(value) <= AuditEvent._meta.get_field("outcome").max_length for value in AuditOutcome.values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"action": "organization.verifed"},
        {"action": "test.event"},
        {"action": "organization.verified", "outcome": "ok"},
    ],
)
def test_record_event_refuses_an_undeclared_action_or_outcome(fields):
    with pytest.raises(UndeclaredAuditValue):
        record_event(**fields)

    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_declared_string_is_stored_as_its_value():
    # Callers not yet moved to the enum (resumes/) pass the same strings; stored events keep their values.
    by_string = record_event(action="reveal.granted", outcome="granted")
    by_member = record_event(action=AuditAction.REVEAL_GRANTED, outcome=AuditOutcome.GRANTED)

    stored = AuditEvent.objects.filter(pk__in=[by_string.pk, by_member.pk]).values_list("action", "outcome")
    assert list(stored) == [("reveal.granted", "granted")] * 2
    assert type(AuditEvent.objects.get(pk=by_member.pk).action) is str
