"""The package root: a sorted, complete __all__ that re-exports the public API."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import agentcore_billing


def test_all_is_sorted_and_unique() -> None:
    names = list(agentcore_billing.__all__)
    assert names == sorted(names)
    assert len(names) == len(set(names))


def test_every_name_in_all_exists() -> None:
    for name in agentcore_billing.__all__:
        assert hasattr(agentcore_billing, name), name


def test_all_is_exactly_the_eager_names_plus_the_lazy_map() -> None:
    # A fresh interpreter: what other tests resolved lazily cannot leak into vars().
    code = (
        "import json, types, agentcore_billing as a;"
        "eager = sorted(n for n, v in vars(a).items()"
        " if (not n.startswith('_') or n == '__version__')"
        " and not isinstance(v, types.ModuleType) and n not in ('annotations', 'TYPE_CHECKING'));"
        "print(json.dumps({'eager': eager, 'lazy': sorted(a._LAZY), 'all': list(a.__all__)}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names = json.loads(out.stdout)
    assert set(names["eager"]).isdisjoint(names["lazy"])
    assert sorted(names["eager"] + names["lazy"]) == names["all"]
    assert "__version__" in names["all"]


def test_lazy_names_resolve_and_stay_resolved() -> None:
    assert "MeteringClient" in dir(agentcore_billing)
    first = agentcore_billing.MeteringClient
    assert agentcore_billing.MeteringClient is first
    with pytest.raises(AttributeError):
        agentcore_billing.NoSuchThing  # noqa: B018


def test_a_bare_import_does_not_build_the_facades() -> None:
    code = (
        "import sys, agentcore_billing;"
        "print(sorted(m for m in sys.modules if m.startswith('agentcore_billing._pay')"
        " or m.startswith('agentcore_billing._meter')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_importing_builds_no_client_and_needs_no_region() -> None:
    code = (
        "import os; [os.environ.pop(k, None) for k in list(os.environ) if k.startswith('AWS_')];"
        "import agentcore_billing, sys;"
        "print('boto3.session' in sys.modules and any("
        "type(v).__name__ == 'BaseClient' for v in vars(agentcore_billing).values()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
