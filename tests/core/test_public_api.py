"""The package root: a sorted, complete __all__ that re-exports the public API."""

from __future__ import annotations

import importlib
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


def test_every_public_class_and_function_of_the_root_is_in_all() -> None:
    public = {
        name
        for name, value in vars(agentcore_billing).items()
        if not name.startswith("_") and not isinstance(value, type(importlib))
    }
    assert public <= set(agentcore_billing.__all__) | {"annotations", "TYPE_CHECKING"}


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
