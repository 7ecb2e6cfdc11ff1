"""The layout's rules, checked on the import graph: rules stay pure, layers point one way,
features keep to themselves, and nothing imports in a circle."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("bot", "handlers", "storage")
FEATURES = ("appointments", "handoffs", "preapprovals", "digest")
# The daily digest sums up the other features: it reads their records through these read
# models only (what a visit or a request looks like, how it is drawn), and nobody imports it.
DIGEST_READS = frozenset(
    {
        "bot.appointments.changes",
        "bot.preapprovals.opening",
        "bot.preapprovals.reminders",
        "bot.preapprovals.rules.preapproval",
        "bot.preapprovals.rules.timing",
        "storage.appointments.queries",
        "storage.handoffs.models",
        "storage.preapprovals.models",
        "handlers.appointments.views",
        "handlers.preapprovals.views",
    }
)
SLACK_OR_SQL = ("slack_bolt", "slack_sdk", "sqlalchemy", "alembic")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> list[Path]:
    found = [p for layer in LAYERS for p in (ROOT / layer).rglob("*.py")]
    return sorted(p for p in found if "migrations" not in p.parts)


def under_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@cache
def imports_of(path: Path, *, typing_too: bool = True) -> frozenset[str]:
    """Modules `path` imports; `from pkg import mod` counts as pkg.mod when mod is a module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skipped: set[int] = set()
    if not typing_too:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and under_type_checking(node):
                skipped.update(id(n) for child in node.body for n in ast.walk(child))
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(
                f"{node.module}.{alias.name}"
                for alias in node.names
                if f"{node.module}.{alias.name}" in KNOWN_MODULES
            )
    return frozenset(names)


KNOWN_MODULES = {module_name(p) for p in sources()}


def top(name: str) -> str:
    return name.split(".")[0]


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] in LAYERS and parts[1] in FEATURES else None


RULES = [p for p in sources() if "rules" in p.relative_to(ROOT).parts]


def test_every_feature_has_its_rules_apart() -> None:
    for feature in FEATURES:
        assert (ROOT / "bot" / feature / "rules").is_dir(), f"bot/{feature}/rules is missing"
    assert len(RULES) > 20


@pytest.mark.parametrize("path", RULES, ids=lambda p: module_name(p))
def test_rules_are_pure(path: Path) -> None:
    """A rule imports no Slack, SQL, storage or handlers, and no code that does I/O."""
    bad = {
        name
        for name in imports_of(path)
        if top(name) in (*SLACK_OR_SQL, "storage", "handlers")
        or (top(name) == "bot" and ".rules" not in name and name != "bot")
    }
    assert not bad, f"{module_name(path)} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path", [p for p in sources() if top(module_name(p)) == "storage"], ids=module_name
)
def test_storage_does_not_reach_up(path: Path) -> None:
    """Storage imports neither Slack nor handlers, and of bot only plain rules."""
    bad = {
        name
        for name in imports_of(path)
        if top(name) in ("slack_bolt", "slack_sdk", "handlers")
        or (top(name) == "bot" and ".rules" not in name)
    }
    assert not bad, f"{module_name(path)} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path",
    [p for p in sources() if top(module_name(p)) == "bot" and ".sandbox" not in module_name(p)],
    ids=module_name,
)
def test_bot_does_not_import_handlers(path: Path) -> None:
    """Only the composition root knows Slack's listeners; use cases never reach up to them."""
    if module_name(path) == "bot.runtime.app":
        return
    bad = {name for name in imports_of(path) if top(name) == "handlers"}
    assert not bad, f"{module_name(path)} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path", [p for p in sources() if feature_of(module_name(p))], ids=module_name
)
def test_a_feature_keeps_out_of_another_features_code(path: Path) -> None:
    """appointments, handoffs and pre-approvals share through bot.shared and hooks, not imports."""
    own = feature_of(module_name(path))
    imported = imports_of(path)
    # `from storage.appointments import queries` names the package only to reach the module.
    reached = {name for name in imported if any(n.startswith(name + ".") for n in imported)}
    bad = {
        name
        for name in imported - reached
        if feature_of(name) not in (None, own) and not (own == "digest" and name in DIGEST_READS)
    }
    assert not bad, f"{module_name(path)} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in sources()
        if module_name(p).startswith(("bot.shared", "handlers.shared", "handlers.kit"))
    ],
    ids=module_name,
)
def test_shared_code_knows_no_feature(path: Path) -> None:
    """What features share sits below them: a feature adds itself to it (registries, hooks)."""
    bad = {name for name in imports_of(path) if feature_of(name)}
    assert not bad, f"{module_name(path)} imports {sorted(bad)}"


def cycle_in(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in `graph`, as the modules around it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.parametrize("typing_too", [False, True], ids=["at-run-time", "with-type-hints"])
def test_no_import_cycles(typing_too: bool) -> None:
    """Not at run time, and not through type hints either: a cycle there is a cycle in the
    design (a package's own __init__ re-exporting its modules is not one)."""
    graph: dict[str, set[str]] = {}
    for path in sources():
        name = module_name(path)
        graph[name] = {
            imported
            for imported in imports_of(path, typing_too=typing_too)
            if imported in KNOWN_MODULES
            and imported != name
            and not name.startswith(imported + ".")
            and not (path.name == "__init__.py" and imported.startswith(name + "."))
        }
    assert cycle_in(graph) is None, " -> ".join(cycle_in(graph) or [])


# The workspace settings a channel may override: read only through the resolver.
OVERRIDABLE = {"timezone", "holidays", "digest_time", "handoff_ladders", "preauth_round"}
MAY_READ_WORKSPACE_SETTINGS = ("bot.shared.channel_settings", "bot.shared.rules", "bot.runtime")


def workspace_setting_reads(path: Path) -> list[str]:
    """`settings.timezone`, `care.settings.holidays`, ...: overridable fields read off Settings."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in OVERRIDABLE):
            continue
        owner = node.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if name == "settings":
            found.append(f"line {node.lineno}: .settings.{node.attr}")
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in sources() if not module_name(p).startswith(MAY_READ_WORKSPACE_SETTINGS)],
    ids=module_name,
)
def test_overridable_settings_come_from_the_resolver(path: Path) -> None:
    """A service asks SettingsResolver for the settings where it acts; a channel's own win."""
    assert not workspace_setting_reads(path), (
        f"{module_name(path)}: {workspace_setting_reads(path)}"
    )


@pytest.mark.parametrize(
    "path",
    [p for p in sources() if not module_name(p).startswith("bot.runtime")],
    ids=module_name,
)
def test_only_the_composition_root_and_registration_see_the_shared_record(path: Path) -> None:
    """Use cases and listeners are handed their collaborators; none is fetched from a bag."""
    if path.name == "__init__.py" and top(module_name(path)) == "handlers":
        return
    uses = {n for n in imports_of(path) if n == "bot.runtime.shared"}
    assert not uses, f"{module_name(path)} imports the shared record"


def test_the_settings_check_sees_a_workspace_read(tmp_path: Path) -> None:
    module = tmp_path / "reader.py"
    module.write_text(
        "def zone(care, in_force):\n    return care.settings.timezone, in_force.timezone\n"
    )
    assert workspace_setting_reads(module) == ["line 2: .settings.timezone"]


@pytest.mark.parametrize(
    "path", [p for p in sources() if top(module_name(p)) == "handlers"], ids=module_name
)
def test_handlers_reach_the_database_only_through_use_cases(path: Path) -> None:
    """Slack in and out: a listener calls a service; it opens no session of its own."""
    bad = {name for name in imports_of(path, typing_too=False) if top(name) == "storage"}
    assert not bad, f"{module_name(path)} imports {sorted(bad)}"
