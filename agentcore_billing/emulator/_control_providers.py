"""Payment credential providers of the emulated control plane.

The name is the key (a second create is a ConflictException); the secrets handed in
are never stored: answers carry Secrets Manager-style ARNs in their place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ._context import CallContext
from ._errors import EmulatedError, not_found, validation_error
from ._payment_common import paginate

ACCOUNT = "123456789012"
"""The account every emulated control-plane ARN names."""

_REGION = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
_MEMBERS = {"CoinbaseCDP": "coinbaseCdpConfiguration", "StripePrivy": "stripePrivyConfiguration"}


def region_of(ctx: CallContext) -> str:
    """The Region of the request's signature (us-east-1 when unsigned)."""
    found = _REGION.search(ctx.headers.get("authorization", ""))
    return found.group(1) if found else "us-east-1"


def conflict(message: str) -> EmulatedError:
    """A ConflictException."""
    return EmulatedError("ConflictException", message)


class ProviderStore:
    """Credential providers by name; ``in_use(arn)`` tells whether a connector names one."""

    def __init__(self, in_use: Callable[[str], bool]) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self._in_use = in_use

    def by_arn(self, arn: str) -> dict[str, Any] | None:
        """The provider with ``arn``, if any."""
        return next((p for p in self.items.values() if p["credentialProviderArn"] == arn), None)

    def handle(self, operation: str, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        """Run one ``*PaymentCredentialProvider(s)`` operation."""
        handler: Callable[[Mapping[str, Any], CallContext], dict[str, Any]] = {
            "CreatePaymentCredentialProvider": self.create,
            "GetPaymentCredentialProvider": self.get,
            "ListPaymentCredentialProviders": self.list,
            "UpdatePaymentCredentialProvider": self.update,
            "DeletePaymentCredentialProvider": self.delete,
        }[operation]
        return handler(params, ctx)

    def create(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        name = str(params["name"])
        if name in self.items:
            raise conflict(f"A payment credential provider named {name} already exists")
        region = region_of(ctx)
        provider: dict[str, Any] = {
            "name": name,
            "credentialProviderVendor": params["credentialProviderVendor"],
            "credentialProviderArn": f"arn:aws:acps:{region}:{ACCOUNT}:token-vault/default/"
            f"paymentcredentialprovider/{name.replace('_', '-')}",
            "createdTime": ctx.now,
        }
        provider.update(_stored(params, region, ctx))
        if "tags" in params:
            provider["tags"] = dict(params["tags"])
        self.items[name] = provider
        return dict(provider)

    def _provider(self, params: Mapping[str, Any]) -> dict[str, Any]:
        provider = self.items.get(str(params["name"]))
        if provider is None:
            raise not_found("Payment credential provider", str(params["name"]))
        return provider

    def get(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        return dict(self._provider(params))

    def list(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        page, token = paginate(list(self.items.values()), lambda p: str(p["name"]), params)
        answer: dict[str, Any] = {"credentialProviders": [dict(p) for p in page]}
        if token:
            answer["nextToken"] = token
        return answer

    def update(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        provider = self._provider(params)
        if provider["credentialProviderVendor"] != params["credentialProviderVendor"]:
            raise validation_error("A credential provider's vendor cannot change")
        provider.update(_stored(params, region_of(ctx), ctx))
        return dict(provider)

    def delete(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        provider = self._provider(params)
        if self._in_use(provider["credentialProviderArn"]):
            raise conflict("The credential provider is used by a payment connector")
        del self.items[str(params["name"])]
        return {}


def _stored(params: Mapping[str, Any], region: str, ctx: CallContext) -> dict[str, Any]:
    vendor = str(params["credentialProviderVendor"])
    member = _MEMBERS[vendor]
    given = params["providerConfigurationInput"].get(member)
    if not isinstance(given, Mapping):
        raise validation_error(f"A {vendor} provider needs providerConfigurationInput.{member}")
    prefix = f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{params['name']}"

    def secret(label: str) -> dict[str, str]:
        return {"secretArn": f"{prefix}-{label}-{ctx.ids.alnum(6)}"}

    if vendor == "CoinbaseCDP":
        out = {
            "apiKeyId": given["apiKeyId"],
            "apiKeySecretArn": secret("api"),
            "walletSecretArn": secret("wallet"),
        }
    else:
        out = {
            "appId": given["appId"],
            "authorizationId": given["authorizationId"],
            "appSecretArn": secret("app"),
            "authorizationPrivateKeyArn": secret("key"),
        }
    return {"providerConfigurationOutput": {member: out}, "lastUpdatedTime": ctx.now}
