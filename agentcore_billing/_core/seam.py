"""The boto3 seam shared by both facades: inject a client or a session, or let us build one.

Nothing here runs at import time. A client is built on first use, from (in order) the
``client`` you passed, the ``session`` you passed, or a fresh session of our own. The
region is ``region_name``, else ``AWS_REGION``, else what boto3 finds
(``AWS_DEFAULT_REGION``, the profile); for a session you passed, its own region comes
before ``AWS_REGION``. No region at all is a ``ConfigurationError`` before any request. Clients
we build get botocore ``total_max_attempts=1`` (our retry layer is the only one), a
``user_agent_extra`` naming this library, and, when the session is ours, a response
parser that hands timestamps to pydantic as the service sent them instead of parsing
them with dateutil first (a quarter of botocore's per-call time).

One retry layer: a ``config=`` whose ``retries`` allow more than one attempt is refused
(``ConfigurationError``); ``AWS_MAX_ATTEMPTS`` / ``AWS_RETRY_MODE`` and a profile's
``max_attempts`` / ``retry_mode`` cannot undo it either, because the explicit single
attempt set here wins over them. A ``client=`` you inject keeps its own retries (they
multiply ours, with the same client token); a warning is logged when it has them.

Every client, built or injected, gets one ``before-send`` handler that cuts the read
timeout of the library's last attempt to the call's time left (:mod:`.deadline`); it
does nothing for requests the library does not make.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.config import Config

from agentcore_billing._version import __version__

from .deadline import install as install_deadline
from .errors import ConfigurationError

if TYPE_CHECKING:
    import boto3

    from .bearer import BearerAuth

USER_AGENT_EXTRA = f"agentcore-billing/{__version__}"
logger = logging.getLogger(__name__)


def single_attempt(retries: Mapping[str, Any] | None) -> bool:
    """Whether botocore ``retries`` settings allow exactly one attempt.

    Example:
        >>> single_attempt({"total_max_attempts": 1}), single_attempt({"mode": "adaptive"})
        (True, False)
    """
    if not retries:
        return False
    if "total_max_attempts" in retries:
        return bool(retries["total_max_attempts"] == 1)
    return bool(retries.get("max_attempts") == 0)  # legacy spelling: retries after the first


def _refuse_retries(extra: Config) -> None:
    retries = getattr(extra, "retries", None)
    if retries is not None and not single_attempt(retries):
        raise ConfigurationError(
            f"config=Config(retries={retries!r}) would stack botocore's retries under this "
            "library's (attempts multiply, and adaptive mode adds a second rate limiter): "
            "pass retry=RetryPolicy(...) instead, or leave retries out of config"
        )


def library_config(extra: Config | None = None, *, validate_params: bool = True) -> Config:
    """The botocore config for clients this library builds, merged with yours.

    Your settings win, except ``retries``: a single attempt is imposed after the
    merge (and ``retries`` allowing more is refused), so no environment variable or
    profile setting can turn botocore's retries back on. ``validate_params=False``
    skips botocore's second check of parameters the library's models already checked.

    Example:
        >>> library_config(Config(read_timeout=5)).retries
        {'total_max_attempts': 1, 'mode': 'standard'}
        >>> library_config(validate_params=False).parameter_validation
        False
    """
    config = Config(
        user_agent_extra=USER_AGENT_EXTRA,
        connect_timeout=10,
        read_timeout=60,
        tcp_keepalive=True,
        parameter_validation=validate_params,
    )
    if extra is not None:
        _refuse_retries(extra)
        config = config.merge(extra)
    return config.merge(Config(retries={"total_max_attempts": 1, "mode": "standard"}))


def _keep_raw_timestamp(value: Any) -> Any:
    # pydantic parses ISO 8601 strings and epoch numbers itself, faster than dateutil.
    return value


def _own_session(region_name: str | None) -> boto3.Session:
    import boto3
    import botocore.session

    core = botocore.session.get_session()
    core.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=_keep_raw_timestamp
    )
    return boto3.Session(botocore_session=core, region_name=region_name)


class LazyClient:
    """Builds one boto3 client on first use (thread-safe) and keeps it.

    Example:
        >>> lazy = LazyClient("meteringmarketplace", region_name="us-east-1")
        >>> lazy.built
        False
    """

    def __init__(
        self,
        service_name: str,
        *,
        client: Any = None,
        session: boto3.Session | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        config: Config | None = None,
        bearer: BearerAuth | None = None,
        validate_params: bool = True,
    ) -> None:
        if config is not None:
            _refuse_retries(config)  # at construction, before anything is built
        if client is not None:
            _warn_if_retrying(service_name, client)
            install_deadline(client)
        self.service_name = service_name
        self._bearer = bearer
        self._client = client
        self._session = session
        self._region_name = region_name
        self._endpoint_url = endpoint_url
        self._config = config
        self._validate_params = validate_params
        self._built_from: boto3.Session | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        """Whether the client exists yet."""
        return self._client is not None

    def get(self) -> Any:
        """The boto3 client, built now if it was not yet."""
        client = self._client
        if client is not None:
            return client
        with self._lock:
            if self._client is None:
                self._client = self._build()
            return self._client

    def access_key_id(self) -> str | None:
        """The access key id the client signs with (``None`` without credentials).

        Example:
            >>> import boto3
            >>> session = boto3.Session(aws_access_key_id="AKIDEXAMPLE",
            ...     aws_secret_access_key="x", region_name="us-east-1")
            >>> LazyClient("meteringmarketplace", session=session).access_key_id()
            'AKIDEXAMPLE'
        """
        client = self.get()
        if self._built_from is not None:  # the session the client took its credentials from
            credentials = self._built_from.get_credentials()
        else:
            # boto3 has no public accessor for an injected client's credentials: only
            # botocore's request signer holds them.
            signer = getattr(client, "_request_signer", None)
            credentials = getattr(signer, "_credentials", None)
        access_key = getattr(credentials, "access_key", None)
        return access_key if isinstance(access_key, str) else None

    def _build(self) -> Any:
        env_region = os.environ.get("AWS_REGION") or None
        region: str | None
        if self._session is None:
            # AWS_REGION wins over AWS_DEFAULT_REGION and the profile, as in the AWS CLI
            # and the other AWS SDKs; botocore itself reads only AWS_DEFAULT_REGION.
            session = _own_session(self._region_name or env_region)
            region = session.region_name
        else:  # the region of a session you built stays yours
            session = self._session
            region = self._region_name or session.region_name or env_region
        if not region:
            raise ConfigurationError(
                f"no AWS region for {self.service_name}: pass region_name=..., set "
                "AWS_REGION or AWS_DEFAULT_REGION, or use a profile that names one"
            )
        config = library_config(self._config, validate_params=self._validate_params)
        if self._bearer is not None:
            config = config.merge(self._bearer.config())
        client = session.client(
            self.service_name,  # type: ignore[call-overload]
            region_name=region,
            endpoint_url=self._endpoint_url,
            config=config,
        )
        if self._bearer is not None:
            self._bearer.install(client)
        install_deadline(client)
        self._built_from = session
        return client


def _warn_if_retrying(service_name: str, client: Any) -> None:
    meta = getattr(client, "meta", None)
    retries = getattr(getattr(meta, "config", None), "retries", None)
    if not single_attempt(retries):
        logger.warning(
            "the injected %s client retries on its own (retries=%r): its attempts multiply "
            "this library's; build it with Config(retries={'total_max_attempts': 1})",
            service_name,
            retries,
        )
