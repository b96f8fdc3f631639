"""The package root: a sorted, complete __all__ that re-exports the public API."""

from __future__ import annotations

import importlib
import subprocess
import sys

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
    assert public <= set(agentcore_billing.__all__) | {"annotations"}


def test_importing_builds_no_client_and_needs_no_region() -> None:
    code = (
        "import os; [os.environ.pop(k, None) for k in list(os.environ) if k.startswith('AWS_')];"
        "import agentcore_billing, sys;"
        "print('boto3.session' in sys.modules and any("
        "type(v).__name__ == 'BaseClient' for v in vars(agentcore_billing).values()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
