"""Networks and USD stablecoins this library knows, so a USD spending cap can apply.

Networks are CAIP-2 identifiers (``eip155:<chain id>``, ``solana:<genesis hash
prefix>``). x402 v1 names networks by legacy names ("base-sepolia"); they are mapped
here. Each known network belongs to an instrument family (``ETHEREUM`` for EVM chains,
``SOLANA``) and is a mainnet or a testnet. The assets are Circle's USDC contracts
(6 decimals) on the main EVM chains, Solana, and their testnets, keyed by network
and address (EVM addresses compared case-insensitively).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

Family = Literal["ETHEREUM", "SOLANA"]
"""The network family of an embedded crypto wallet (``CryptoWalletNetwork``)."""

SOLANA_MAINNET: Final = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"
SOLANA_DEVNET: Final = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
SOLANA_TESTNET: Final = "solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z"


@dataclass(frozen=True)
class KnownNetwork:
    """A network this library can classify."""

    caip2: str
    name: str
    testnet: bool


# chain id -> (legacy x402 v1 name, testnet)
_EVM_CHAINS: Final[dict[int, tuple[str, bool]]] = {
    1: ("ethereum", False),
    11155111: ("ethereum-sepolia", True),
    8453: ("base", False),
    84532: ("base-sepolia", True),
    137: ("polygon", False),
    80002: ("polygon-amoy", True),
    42161: ("arbitrum", False),
    421614: ("arbitrum-sepolia", True),
    10: ("optimism", False),
    11155420: ("optimism-sepolia", True),
    43114: ("avalanche", False),
    43113: ("avalanche-fuji", True),
    1329: ("sei", False),
    1328: ("sei-testnet", True),
    42220: ("celo", False),
}

NETWORKS: Final[dict[str, KnownNetwork]] = {
    **{
        f"eip155:{chain}": KnownNetwork(f"eip155:{chain}", name, testnet)
        for chain, (name, testnet) in _EVM_CHAINS.items()
    },
    SOLANA_MAINNET: KnownNetwork(SOLANA_MAINNET, "solana", False),
    SOLANA_DEVNET: KnownNetwork(SOLANA_DEVNET, "solana-devnet", True),
    SOLANA_TESTNET: KnownNetwork(SOLANA_TESTNET, "solana-testnet", True),
}

_LEGACY: Final[dict[str, str]] = {
    **{network.name: caip2 for caip2, network in NETWORKS.items()},
    "sepolia": "eip155:11155111",
    "arbitrum-one": "eip155:42161",
    "solana-mainnet": SOLANA_MAINNET,
    "solana-mainnet-beta": SOLANA_MAINNET,
    # Full 44-character genesis hashes some servers send instead of the CAIP-2 prefix.
    "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d": SOLANA_MAINNET,
    "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG": SOLANA_DEVNET,
    "solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY": SOLANA_TESTNET,
    "solana:mainnet": SOLANA_MAINNET,
    "solana:devnet": SOLANA_DEVNET,
    "solana:testnet": SOLANA_TESTNET,
}

SOLANA_CLUSTERS: Final[dict[str, str]] = {
    "mainnet": SOLANA_MAINNET,
    "mainnet-beta": SOLANA_MAINNET,
    "devnet": SOLANA_DEVNET,
    "testnet": SOLANA_TESTNET,
}
"""MPP Solana ``methodDetails.network`` values (absent means mainnet)."""


def normalize_network(network: str) -> str:
    """The CAIP-2 form of ``network`` (legacy x402 v1 names mapped; others unchanged).

    Example:
        >>> normalize_network("base-sepolia"), normalize_network("eip155:8453")
        ('eip155:84532', 'eip155:8453')
    """
    text = network.strip()
    return _LEGACY.get(text.lower(), _LEGACY.get(text, text))


def family_of(caip2: str) -> Family | None:
    """The instrument family that can pay on ``caip2`` (any ``eip155`` chain is EVM).

    Example:
        >>> family_of("eip155:10"), family_of(SOLANA_DEVNET), family_of("bip122:000")
        ('ETHEREUM', 'SOLANA', None)
    """
    namespace = caip2.split(":", 1)[0]
    if namespace == "eip155":
        return "ETHEREUM"
    if namespace == "solana":
        return "SOLANA"
    return None


def is_testnet(caip2: str) -> bool | None:
    """Whether ``caip2`` is a testnet; ``None`` for a network this library does not know."""
    known = NETWORKS.get(caip2)
    return None if known is None else known.testnet


@dataclass(frozen=True)
class KnownAsset:
    """A USD stablecoin on one network: its decimals make a USD value of an amount."""

    network: str
    address: str
    symbol: str
    decimals: int

    def usd(self, amount: int) -> Decimal:
        """``amount`` atomic units in USD (the asset is pegged 1:1)."""
        return Decimal(amount).scaleb(-self.decimals)


_USDC: Final[dict[str, str]] = {
    "eip155:1": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    "eip155:11155111": "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238",
    "eip155:8453": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
    "eip155:84532": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    "eip155:137": "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359",
    "eip155:80002": "0x41E94Eb019C0762f9Bfcf9Fb1E58725BfB0e7582",
    "eip155:42161": "0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
    "eip155:421614": "0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d",
    "eip155:10": "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85",
    "eip155:11155420": "0x5fd84259d66Cd46123540766Be93DFE6D43130D7",
    "eip155:43114": "0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E",
    "eip155:43113": "0x5425890298aed601595a70AB815c96711a31Bc65",
    SOLANA_MAINNET: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
    SOLANA_DEVNET: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
    SOLANA_TESTNET: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
}

ASSETS: Final[dict[tuple[str, str], KnownAsset]] = {
    (network, address.lower() if network.startswith("eip155:") else address): KnownAsset(
        network, address, "USDC", 6
    )
    for network, address in _USDC.items()
}

FIAT_DECIMALS: Final[dict[str, int]] = {"usd": 2}
"""Fiat currencies an MPP challenge may charge in (lower-case ISO 4217) and their decimals."""


def asset_key(network: str | None, address: str) -> tuple[str, str]:
    """How assets are looked up: EVM addresses are case-insensitive, Solana mints are not."""
    net = network or ""
    return (net, address.lower() if net.startswith("eip155:") else address)


def known_asset(network: str | None, address: str | None) -> KnownAsset | None:
    """The known stablecoin at ``address`` on ``network`` (or a fiat USD charge), else None.

    Example:
        >>> known_asset("eip155:84532", "0x036cbd53842c5426634e7929541ec2318f3dcf7e").symbol
        'USDC'
        >>> known_asset("eip155:84532", "0x0000000000000000000000000000000000000001") is None
        True
    """
    if address is None:
        return None
    decimals = FIAT_DECIMALS.get(address.lower())
    if decimals is not None:
        return KnownAsset(network or "", address.lower(), address.upper(), decimals)
    return ASSETS.get(asset_key(network, address))


def usdc_address(network: str) -> str:
    """The USDC contract (or mint) on ``network`` (CAIP-2 or legacy name).

    Example:
        >>> usdc_address("base-sepolia")
        '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
    """
    caip2 = normalize_network(network)
    try:
        return _USDC[caip2]
    except KeyError:
        raise ValueError(f"no known USDC on network {network!r}") from None
