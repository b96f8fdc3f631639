"""Every model keeps its wire names out of the constructor that type checkers see."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import datetime, timezone

from pydantic import BaseModel

import agentcore_billing
from agentcore_billing import MppPayment, UsageRecord


def _package_models() -> list[type[BaseModel]]:
    for info in pkgutil.walk_packages(agentcore_billing.__path__, "agentcore_billing."):
        if ".cli" not in info.name and not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found: list[type[BaseModel]] = []
    pending = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.startswith("agentcore_billing") and "[" not in model.__name__:
            found.append(model)
    return found


def test_no_model_field_uses_a_plain_alias() -> None:
    # Field(alias=...) makes pyright and plain mypy demand the wire name as the
    # keyword; validation_alias/serialization_alias leave the snake_case one.
    models = _package_models()
    assert len(models) > 30
    offenders = [
        f"{model.__module__}.{model.__qualname__}.{name} (alias={info.alias!r})"
        for model in models
        for name, info in model.model_fields.items()
        if info.alias is not None and info.alias != name
    ]
    assert offenders == []


def test_snake_case_keywords_and_wire_names_both_still_validate() -> None:
    at = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
    by_name = UsageRecord(
        timestamp=at,
        dimension="tokens",
        quantity=1,
        customer_aws_account_id="123456789012",
        license_arn="arn:aws:license-manager::123456789012:license:l-0123456789abcdef0123456789abcdef",
    )
    by_wire = UsageRecord.model_validate(by_name.model_dump(by_alias=True))
    assert by_wire == by_name
    assert set(by_name.model_dump(by_alias=True)) >= {"Timestamp", "CustomerAWSAccountId"}
    mpp = MppPayment(version="1", www_authenticate_headers=['Payment id="x"'])
    assert "wwwAuthenticateHeaders" in mpp.model_dump(by_alias=True)
