"""Embedded crypto wallets and the accounts an end user signs in to them with.

Emails, phone numbers and OAuth2 identities are secrets (``pydantic.SecretStr``):
they never appear in reprs, logs or error messages. The same classes describe what
you send to ``create_payment_instrument`` and what the service returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field, SecretStr, field_validator

from .enums import (
    WIRE_CONTEXT,
    CryptoNetwork,
    EmailAddress,
    JwtKeyId,
    JwtSubject,
    OAuth2Provider,
    OAuth2Text,
    PaymentInstrumentType,
    PhoneNumber,
    RedirectUrl,
    SecretInputModel,
    drop_none,
    secret_text,
)


class EmailLinkedAccount(SecretInputModel):
    """An end user who signs in to the wallet with an email address.

    Example:
        >>> account = EmailLinkedAccount(email_address="buyer@example.com")
        >>> account
        EmailLinkedAccount(kind='email', email_address=SecretStr('**********'))
    """

    wire_key: ClassVar[str] = "email"
    kind: Literal["email"] = "email"
    """Tells the linked-account kinds apart."""
    email_address: EmailAddress = Field(
        validation_alias="emailAddress", serialization_alias="emailAddress"
    )
    """The address (secret)."""

    if TYPE_CHECKING:  # plain strings are accepted and wrapped as secrets

        def __init__(self, *, email_address: str | SecretStr) -> None: ...

    def to_wire(self) -> dict[str, Any]:
        """The ``LinkedAccount`` union member, e.g. ``{"email": {"emailAddress": ...}}``."""
        return {self.wire_key: {"emailAddress": self.email_address.get_secret_value()}}

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> EmailLinkedAccount:
        """Read the inside of the ``email`` member."""
        return cls.model_validate({"email_address": body.get("emailAddress")}, context=WIRE_CONTEXT)


class SmsLinkedAccount(SecretInputModel):
    """An end user who signs in to the wallet with a phone number (E.164).

    Example:
        >>> SmsLinkedAccount(phone_number="+14155550100").to_wire()["sms"].keys()
        dict_keys(['phoneNumber'])
    """

    wire_key: ClassVar[str] = "sms"
    kind: Literal["sms"] = "sms"
    """Tells the linked-account kinds apart."""
    phone_number: PhoneNumber = Field(
        validation_alias="phoneNumber", serialization_alias="phoneNumber"
    )
    """The number in E.164 form, e.g. ``+14155550100`` (secret)."""

    if TYPE_CHECKING:  # plain strings are accepted and wrapped as secrets

        def __init__(self, *, phone_number: str | SecretStr) -> None: ...

    def to_wire(self) -> dict[str, Any]:
        """The ``LinkedAccount`` union member ``{"sms": {"phoneNumber": ...}}``."""
        return {self.wire_key: {"phoneNumber": self.phone_number.get_secret_value()}}

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> SmsLinkedAccount:
        """Read the inside of the ``sms`` member."""
        return cls.model_validate({"phone_number": body.get("phoneNumber")}, context=WIRE_CONTEXT)


class DeveloperJwtLinkedAccount(SecretInputModel):
    """An end user identified by a JWT your own identity system signs.

    Example:
        >>> DeveloperJwtLinkedAccount(kid="key-1", sub="user-42").to_wire()
        {'developerJwt': {'kid': 'key-1', 'sub': 'user-42'}}
    """

    wire_key: ClassVar[str] = "developerJwt"
    kind: Literal["developer_jwt"] = "developer_jwt"
    """Tells the linked-account kinds apart."""
    kid: JwtKeyId
    """The key id (``kid``) of the JWT header."""
    sub: JwtSubject
    """The subject (``sub``) claim of the JWT."""

    def to_wire(self) -> dict[str, Any]:
        """The ``LinkedAccount`` union member ``{"developerJwt": {...}}``."""
        return {self.wire_key: {"kid": self.kid, "sub": self.sub}}

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> DeveloperJwtLinkedAccount:
        """Read the inside of the ``developerJwt`` member."""
        return cls.model_validate(
            {"kid": body.get("kid"), "sub": body.get("sub")}, context=WIRE_CONTEXT
        )


class OAuth2LinkedAccount(SecretInputModel):
    """An end user who signs in through an OAuth2 provider; the identity is secret.

    Example:
        >>> account = OAuth2LinkedAccount(provider="github", sub="1234567")
        >>> account.to_wire()["oAuth2"].keys()
        dict_keys(['github'])
    """

    wire_key: ClassVar[str] = "oAuth2"
    kind: Literal["oauth2"] = "oauth2"
    """Tells the linked-account kinds apart."""
    provider: OAuth2Provider
    """Which provider vouches for the user."""
    sub: OAuth2Text
    """The subject (``sub``) claim from the provider (secret)."""
    email_address: EmailAddress | None = Field(
        default=None, validation_alias="emailAddress", serialization_alias="emailAddress"
    )
    """The user's email address at the provider (secret)."""
    name: OAuth2Text | None = None
    """The user's name at the provider (secret)."""
    username: OAuth2Text | None = None
    """The user's username at the provider (secret)."""

    if TYPE_CHECKING:  # plain strings are accepted and wrapped as secrets

        def __init__(
            self,
            *,
            provider: OAuth2Provider,
            sub: str | SecretStr,
            email_address: str | SecretStr | None = None,
            name: str | SecretStr | None = None,
            username: str | SecretStr | None = None,
        ) -> None: ...

    def to_wire(self) -> dict[str, Any]:
        """The ``LinkedAccount`` union member ``{"oAuth2": {<provider>: {...}}}``."""
        identity = drop_none(
            {
                "sub": self.sub.get_secret_value(),
                "emailAddress": secret_text(self.email_address),
                "name": secret_text(self.name),
                "username": secret_text(self.username),
            }
        )
        return {self.wire_key: {self.provider: identity}}

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> OAuth2LinkedAccount | None:
        """Read the inside of the ``oAuth2`` member; ``None`` for an unknown provider."""
        for provider, identity in body.items():
            if provider in _OAUTH2_PROVIDERS and isinstance(identity, Mapping):
                data = {
                    "provider": provider,
                    "sub": identity.get("sub"),
                    "email_address": identity.get("emailAddress"),
                    "name": identity.get("name"),
                    "username": identity.get("username"),
                }
                return cls.model_validate(data, context=WIRE_CONTEXT)
        return None


_OAUTH2_PROVIDERS = frozenset({"google", "apple", "x", "telegram", "github"})

LinkedAccount = Annotated[
    EmailLinkedAccount | SmsLinkedAccount | DeveloperJwtLinkedAccount | OAuth2LinkedAccount,
    Field(discriminator="kind"),
]
"""One way an end user authenticates to an embedded wallet."""

_LINKED_READERS: dict[str, Callable[[Mapping[str, Any]], LinkedAccount | None]] = {
    "email": EmailLinkedAccount.from_wire,
    "sms": SmsLinkedAccount.from_wire,
    "developerJwt": DeveloperJwtLinkedAccount.from_wire,
    "oAuth2": OAuth2LinkedAccount.from_wire,
}


def linked_account_from_wire(wire: Mapping[str, Any]) -> LinkedAccount | None:
    """Read one ``LinkedAccount`` union; ``None`` for a kind this library does not know.

    Example:
        >>> linked_account_from_wire({"developerJwt": {"kid": "k", "sub": "s"}}).kind
        'developer_jwt'
    """
    for key, body in wire.items():
        reader = _LINKED_READERS.get(key)
        if reader is not None and isinstance(body, Mapping):
            return reader(body)
    return None


class EmbeddedCryptoWallet(SecretInputModel):
    """An embedded crypto wallet the end user controls (``paymentInstrumentDetails``).

    Example:
        >>> wallet = EmbeddedCryptoWallet(
        ...     network="ETHEREUM",
        ...     linked_accounts=[EmailLinkedAccount(email_address="buyer@example.com")])
        >>> wallet.instrument_type, wallet.to_wire()["embeddedCryptoWallet"]["network"]
        ('EMBEDDED_CRYPTO_WALLET', 'ETHEREUM')
    """

    instrument_type: ClassVar[PaymentInstrumentType] = "EMBEDDED_CRYPTO_WALLET"
    wire_key: ClassVar[str] = "embeddedCryptoWallet"
    network: CryptoNetwork
    """The blockchain network of the wallet."""
    linked_accounts: Sequence[LinkedAccount] = Field(
        validation_alias="linkedAccounts", serialization_alias="linkedAccounts", max_length=1
    )
    """How the end user authenticates to the wallet (the service takes at most one)."""
    wallet_address: str | None = Field(
        default=None, validation_alias="walletAddress", serialization_alias="walletAddress"
    )
    """The wallet's address on the network (set by the service)."""
    redirect_url: RedirectUrl | None = Field(
        default=None, validation_alias="redirectUrl", serialization_alias="redirectUrl"
    )
    """Where the end user completes a provider step such as onboarding."""

    @field_validator("linked_accounts", mode="after")
    @classmethod
    def _frozen_list(cls, value: Sequence[LinkedAccount]) -> Sequence[LinkedAccount]:
        return tuple(value)

    def to_wire(self) -> dict[str, Any]:
        """The ``PaymentInstrumentDetails`` union: ``{"embeddedCryptoWallet": {...}}``."""
        body = {
            "network": self.network,
            "linkedAccounts": [account.to_wire() for account in self.linked_accounts],
            "walletAddress": self.wallet_address,
            "redirectUrl": self.redirect_url,
        }
        return {self.wire_key: drop_none(body)}

    @classmethod
    def from_wire(cls, details: Mapping[str, Any]) -> EmbeddedCryptoWallet | None:
        """Read a ``PaymentInstrumentDetails`` union; ``None`` when it is another kind."""
        body = details.get(cls.wire_key)
        if not isinstance(body, Mapping):
            return None
        accounts = [linked_account_from_wire(item) for item in body.get("linkedAccounts") or ()]
        data = {
            "network": body.get("network"),
            "linked_accounts": [account for account in accounts if account is not None],
            "wallet_address": body.get("walletAddress"),
            "redirect_url": body.get("redirectUrl"),
        }
        return cls.model_validate(data, context=WIRE_CONTEXT)
