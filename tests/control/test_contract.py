"""Every control-plane operation through botocore's Stubber: exact requests, typed answers."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import ANY

from agentcore_billing import (
    AwsBillingConnector,
    CoinbaseCdpConnector,
    CoinbaseCdpCredentials,
    CustomJwtAuthorizer,
    StripePrivyConnector,
    StripePrivyCredentials,
)
from agentcore_billing._core.errors import (
    ERROR_CLASSES,
    ConflictError,
    InternalServerError,
    InvalidInputError,
    ResourceNotFoundError,
    ServiceError,
    ThrottlingError,
)
from agentcore_billing._core.idempotency import PAYMENTS_TOKEN

from .conftest import (
    API_SECRET,
    APP_SECRET,
    CONNECTOR_ID,
    MANAGER_ARN,
    MANAGER_ID,
    NOW,
    PRIVATE_KEY,
    PROVIDER_ARN,
    ROLE,
    TOKEN,
    WALLET_SECRET,
    connector_wire,
    manager_wire,
    provider_wire,
    without,
)

DISCOVERY = "https://idp.example.com/.well-known/openid-configuration"
CDP = CoinbaseCdpCredentials(
    api_key_id="key-1", api_key_secret=API_SECRET, wallet_secret=WALLET_SECRET
)
PRIVY = StripePrivyCredentials(
    app_id="app-1",
    app_secret=APP_SECRET,
    authorization_id="auth-1",
    authorization_private_key=PRIVATE_KEY,
)
REFS = {"paymentManagerId": MANAGER_ID, "paymentConnectorId": CONNECTOR_ID}


def test_create_manager_aws_iam_exact_request(control, stubber):
    answer = manager_wire("CREATING")
    del answer["lastUpdatedAt"]
    stubber.add_response(
        "create_payment_manager",
        answer,
        {
            "name": "shop",
            "roleArn": ROLE,
            "authorizerType": "AWS_IAM",
            "description": "the shop",
            "clientToken": TOKEN,
        },
    )
    manager = control.create_payment_manager(
        name="shop", role_arn=ROLE, description="the shop", client_token=TOKEN
    )
    stubber.assert_no_pending_responses()
    assert manager.status == "CREATING"
    assert manager.payment_manager_arn == MANAGER_ARN
    assert manager.client_token == TOKEN
    assert manager.created_at == NOW and manager.last_updated_at is None


def test_create_manager_custom_jwt_writes_the_authorizer(control, stubber, sent):
    authorizer = CustomJwtAuthorizer(discovery_url=DISCOVERY, allowed_audience=["payments"])
    wire = {"customJWTAuthorizer": {"discoveryUrl": DISCOVERY, "allowedAudience": ["payments"]}}
    stubber.add_response(
        "create_payment_manager",
        without(
            manager_wire("CREATING", authorizerType="CUSTOM_JWT", authorizerConfiguration=wire),
            "lastUpdatedAt",
        ),
        {
            "name": "shop",
            "roleArn": ROLE,
            "authorizerType": "CUSTOM_JWT",
            "authorizerConfiguration": wire,
            "clientToken": ANY,
        },
    )
    manager = control.create_payment_manager(
        name="shop", role_arn=ROLE, authorizer_type="CUSTOM_JWT", authorizer=authorizer
    )
    assert manager.authorizer == authorizer
    [(_, params)] = sent
    assert PAYMENTS_TOKEN.check(params["clientToken"]) == manager.client_token


def test_get_list_update_delete_manager(control, stubber):
    stubber.add_response("get_payment_manager", manager_wire(), {"paymentManagerId": MANAGER_ID})
    stubber.add_response(
        "list_payment_managers",
        {"paymentManagers": [manager_wire()], "nextToken": "page-2"},
        {"maxResults": 1},
    )
    stubber.add_response(
        "list_payment_managers",
        {"paymentManagers": [manager_wire(name="other")]},
        {"maxResults": 1, "nextToken": "page-2"},
    )
    update = without(manager_wire("UPDATING"), "createdAt")
    stubber.add_response(
        "update_payment_manager",
        update,
        {"paymentManagerId": MANAGER_ID, "description": "new", "clientToken": TOKEN},
    )
    stubber.add_response(
        "delete_payment_manager",
        {"status": "DELETING", "paymentManagerId": MANAGER_ID},
        {"paymentManagerId": MANAGER_ID, "clientToken": TOKEN},
    )
    assert control.get_payment_manager(MANAGER_ID).status == "READY"
    names = [m.name for m in control.list_payment_managers(page_size=1)]
    assert names == ["shop", "other"]
    updated = control.update_payment_manager(MANAGER_ID, description="new", client_token=TOKEN)
    assert (updated.status, updated.client_token) == ("UPDATING", TOKEN)
    assert control.delete_payment_manager(MANAGER_ID, client_token=TOKEN) == "DELETING"
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("connector", "extra"),
    [
        (
            CoinbaseCdpConnector(credential_provider_arn=PROVIDER_ARN),
            {
                "provisionMode": "MANUAL",
                "credentialProviderConfigurations": [
                    {"coinbaseCDP": {"credentialProviderArn": PROVIDER_ARN}}
                ],
            },
        ),
        (
            StripePrivyConnector(credential_provider_arn=PROVIDER_ARN),
            {
                "provisionMode": "MANUAL",
                "credentialProviderConfigurations": [
                    {"stripePrivy": {"credentialProviderArn": PROVIDER_ARN}}
                ],
            },
        ),
        (CoinbaseCdpConnector(provision_mode="QUICK_CREATE"), {"provisionMode": "QUICK_CREATE"}),
        (AwsBillingConnector(), {}),
    ],
)
def test_create_connector_exact_request_per_kind(control, stubber, connector, extra):
    answer = connector_wire("CREATING", type=connector.connector_type)
    for key in ("provisionMode", "lastUpdatedAt"):
        del answer[key]
    stubber.add_response(
        "create_payment_connector",
        answer,
        {
            "paymentManagerId": MANAGER_ID,
            "name": "wallet",
            "type": connector.connector_type,
            "clientToken": TOKEN,
            **extra,
        },
    )
    created = control.create_payment_connector(
        payment_manager_id=MANAGER_ID, name="wallet", connector=connector, client_token=TOKEN
    )
    stubber.assert_no_pending_responses()
    assert created.status == "CREATING" and created.client_token == TOKEN
    assert created.provision_mode == connector.mode


def test_get_list_update_delete_rotate_connector(control, stubber):
    pending = without(
        connector_wire(
            "PENDING_AUTHENTICATION",
            provisionMode="QUICK_CREATE",
            credentialProviderConfigurations=[],
            authorizationUrl="https://consent.example.com/x",
        ),
        "paymentManagerId",
    )
    stubber.add_response("get_payment_connector", pending, REFS)
    summary = {
        k: connector_wire()[k]
        for k in ("paymentConnectorId", "name", "type", "status", "lastUpdatedAt")
    }
    stubber.add_response(
        "list_payment_connectors",
        {"paymentConnectors": [summary], "nextToken": "n"},
        {"paymentManagerId": MANAGER_ID},
    )
    stubber.add_response(
        "list_payment_connectors",
        {"paymentConnectors": [summary]},
        {"paymentManagerId": MANAGER_ID, "nextToken": "n"},
    )
    update = {
        k: v
        for k, v in connector_wire("UPDATING").items()
        if k not in ("createdAt", "provisionMode")
    }
    stubber.add_response(
        "update_payment_connector",
        update,
        {
            **REFS,
            "type": "CoinbaseCDP",
            "clientToken": TOKEN,
            "credentialProviderConfigurations": [
                {"coinbaseCDP": {"credentialProviderArn": PROVIDER_ARN}}
            ],
        },
    )
    stubber.add_response(
        "rotate_payment_connector_credentials",
        {**REFS, "lastUpdatedAt": NOW, "status": "READY"},
        {
            **REFS,
            "credentialsToRotate": {"coinbaseCDP": {"secrets": ["API_KEY", "WALLET_SECRET"]}},
            "clientToken": TOKEN,
        },
    )
    stubber.add_response(
        "delete_payment_connector",
        {"status": "DELETING", "paymentConnectorId": CONNECTOR_ID},
        {**REFS, "clientToken": TOKEN},
    )
    got = control.get_payment_connector(
        payment_manager_id=MANAGER_ID, payment_connector_id=CONNECTOR_ID
    )
    assert got.authorization_url == "https://consent.example.com/x"
    assert got.provision_mode == "QUICK_CREATE" and got.credential_provider_arn is None
    listed = list(control.list_payment_connectors(payment_manager_id=MANAGER_ID))
    assert [c.payment_manager_id for c in listed] == [MANAGER_ID, MANAGER_ID]
    updated = control.update_payment_connector(
        payment_manager_id=MANAGER_ID,
        payment_connector_id=CONNECTOR_ID,
        connector=CoinbaseCdpConnector(credential_provider_arn=PROVIDER_ARN),
        client_token=TOKEN,
    )
    assert updated.status == "UPDATING" and updated.credential_provider_arn == PROVIDER_ARN
    rotation = control.rotate_payment_connector_credentials(
        payment_manager_id=MANAGER_ID,
        payment_connector_id=CONNECTOR_ID,
        secrets=["API_KEY", "WALLET_SECRET", "API_KEY"],
        client_token=TOKEN,
    )
    assert rotation.status == "READY" and rotation.client_token == TOKEN
    status = control.delete_payment_connector(
        payment_manager_id=MANAGER_ID, payment_connector_id=CONNECTOR_ID, client_token=TOKEN
    )
    assert status == "DELETING"
    stubber.assert_no_pending_responses()


def test_credential_provider_operations(control, stubber):
    cdp_wire = {
        "coinbaseCdpConfiguration": {
            "apiKeyId": "key-1",
            "apiKeySecret": API_SECRET,
            "walletSecret": WALLET_SECRET,
        }
    }
    privy_wire = {
        "stripePrivyConfiguration": {
            "appId": "app-1",
            "appSecret": APP_SECRET,
            "authorizationId": "auth-1",
            "authorizationPrivateKey": PRIVATE_KEY,
        }
    }
    stubber.add_response(
        "create_payment_credential_provider",
        without(provider_wire(), "createdTime", "lastUpdatedTime"),
        {
            "name": "shop-cdp",
            "credentialProviderVendor": "CoinbaseCDP",
            "providerConfigurationInput": cdp_wire,
        },
    )
    stubber.add_response("get_payment_credential_provider", provider_wire(), {"name": "shop-cdp"})
    summary = {
        k: provider_wire()[k]
        for k in (
            "name",
            "credentialProviderVendor",
            "credentialProviderArn",
            "createdTime",
            "lastUpdatedTime",
        )
    }
    stubber.add_response(
        "list_payment_credential_providers",
        {"credentialProviders": [summary], "nextToken": "t"},
        {"maxResults": 20},
    )
    stubber.add_response(
        "list_payment_credential_providers",
        {"credentialProviders": [summary]},
        {"maxResults": 20, "nextToken": "t"},
    )
    stubber.add_response(
        "update_payment_credential_provider",
        provider_wire("StripePrivy"),
        {
            "name": "shop-cdp",
            "credentialProviderVendor": "StripePrivy",
            "providerConfigurationInput": privy_wire,
        },
    )
    stubber.add_response("delete_payment_credential_provider", {}, {"name": "shop-cdp"})
    created = control.create_payment_credential_provider(name="shop-cdp", credentials=CDP)
    assert created.credential_provider_arn == PROVIDER_ARN and created.vendor == "CoinbaseCDP"
    assert control.get_payment_credential_provider("shop-cdp").name == "shop-cdp"
    assert len(list(control.list_payment_credential_providers(page_size=20))) == 2
    updated = control.update_payment_credential_provider(name="shop-cdp", credentials=PRIVY)
    assert updated.vendor == "StripePrivy"
    assert control.delete_payment_credential_provider("shop-cdp") is None
    stubber.assert_no_pending_responses()


def test_a_throttled_create_resends_the_same_token(control, stubber, sent, clock):
    stubber.add_client_error("create_payment_manager", "ThrottlingException", http_status_code=429)
    stubber.add_client_error(
        "create_payment_manager", "InternalServerException", http_status_code=500
    )
    stubber.add_response(
        "create_payment_manager", without(manager_wire("CREATING"), "lastUpdatedAt")
    )
    manager = control.create_payment_manager(name="shop", role_arn=ROLE)
    tokens = {params["clientToken"] for _, params in sent}
    assert len(sent) == 3 and tokens == {manager.client_token}
    assert clock.sleeps == [0.5, 1.0]


def test_a_delete_resends_its_querystring_token_on_retry(control, stubber, sent):
    stubber.add_client_error(
        "delete_payment_connector", "ThrottlingException", http_status_code=429
    )
    stubber.add_response(
        "delete_payment_connector", {"status": "DELETING"}, {**REFS, "clientToken": TOKEN}
    )
    control.delete_payment_connector(
        payment_manager_id=MANAGER_ID, payment_connector_id=CONNECTOR_ID, client_token=TOKEN
    )
    assert [params["clientToken"] for _, params in sent] == [TOKEN, TOKEN]


def test_a_delete_the_service_already_did_counts_as_done(control, stubber):
    stubber.add_client_error(
        "delete_payment_manager", "InternalServerException", http_status_code=500
    )
    stubber.add_client_error(
        "delete_payment_manager", "ResourceNotFoundException", http_status_code=404
    )
    assert control.delete_payment_manager(MANAGER_ID) == "DELETED"


def test_a_plain_not_found_delete_raises(control, stubber):
    stubber.add_client_error(
        "delete_payment_manager", "ResourceNotFoundException", http_status_code=404
    )
    with pytest.raises(ResourceNotFoundError):
        control.delete_payment_manager(MANAGER_ID)


def test_an_unanswered_provider_create_is_flagged_outcome_unknown(make_control, stubber):
    from agentcore_billing import RetryPolicy

    control = make_control(retry=RetryPolicy.none())
    stubber.add_client_error(
        "create_payment_credential_provider", "InternalServerException", http_status_code=500
    )
    with pytest.raises(InternalServerError) as caught:
        control.create_payment_credential_provider(name="shop-cdp", credentials=CDP)
    assert caught.value.outcome_unknown


def _declared_errors() -> list[tuple[str, str]]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("bedrock-agentcore-control")
    pairs = []
    for name in model.operation_names:
        if "Payment" in name:
            pairs += [(name, shape.name) for shape in model.operation_model(name).error_shapes]
    return pairs


def test_every_documented_error_code_has_its_own_class():
    unmapped = sorted({code for _, code in _declared_errors() if code not in ERROR_CLASSES})
    assert unmapped == []


@pytest.mark.parametrize("code", sorted({code for _, code in _declared_errors()}))
def test_each_error_code_arrives_mapped_with_its_request_id(make_control, stubber, code):
    from agentcore_billing import RetryPolicy

    control = make_control(retry=RetryPolicy.none())
    stubber.add_client_error(
        "get_payment_credential_provider",
        code,
        "refused",
        http_status_code=400,
        response_meta={"RequestId": "req-77"},
    )
    with pytest.raises(ServiceError) as caught:
        control.get_payment_credential_provider("shop-cdp")
    error = caught.value
    assert type(error) is ERROR_CLASSES[code]
    assert (error.code, error.request_id, error.operation) == (
        code,
        "req-77",
        "GetPaymentCredentialProvider",
    )


def test_conflict_and_throttling_are_classified(control, stubber):
    stubber.add_client_error("create_payment_manager", "ConflictException", http_status_code=409)
    with pytest.raises(ConflictError) as caught:
        control.create_payment_manager(name="shop", role_arn=ROLE, client_token=TOKEN)
    assert caught.value.client_token == TOKEN and not caught.value.retryable
    assert ThrottlingError.retryable_by_default


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.create_payment_manager(name="1shop", role_arn=ROLE), "name"),
        (lambda c: c.create_payment_manager(name="shop", role_arn="role"), "role_arn"),
        (
            lambda c: c.create_payment_manager(name="shop", role_arn=ROLE, authorizer_type="OAUTH"),
            "authorizer_type",
        ),
        (
            lambda c: c.create_payment_manager(
                name="shop", role_arn=ROLE, authorizer_type="CUSTOM_JWT"
            ),
            "authorizer",
        ),
        (
            lambda c: c.create_payment_manager(name="shop", role_arn=ROLE, description="a\x00b"),
            "description",
        ),
        (
            lambda c: c.create_payment_manager(name="shop", role_arn=ROLE, client_token="short"),
            "client_token",
        ),
        (lambda c: c.get_payment_manager("Shop_1"), "payment_manager_id"),
        (lambda c: c.list_payment_managers(page_size=101), "page_size"),
        (
            lambda c: c.create_payment_connector(
                payment_manager_id=MANAGER_ID, name="wallet", connector=CoinbaseCdpConnector()
            ),
            "connector",
        ),
        (
            lambda c: c.create_payment_connector(
                payment_manager_id=MANAGER_ID, name="9wallet", connector=AwsBillingConnector()
            ),
            "name",
        ),
        (
            lambda c: c.rotate_payment_connector_credentials(
                payment_manager_id=MANAGER_ID, payment_connector_id=CONNECTOR_ID, secrets=["PIN"]
            ),
            "secrets.0",
        ),
        (lambda c: c.list_payment_credential_providers(page_size=21), "page_size"),
        (lambda c: c.get_payment_credential_provider("bad name"), "name"),
        (lambda c: c.wait_until_ready("shop"), "resource"),
        (lambda c: c.wait_until_ready(None, timeout=-1), "timeout"),
    ],
)
def test_bad_input_is_refused_before_any_request(control, sent, call, field):
    with pytest.raises(InvalidInputError) as caught:
        call(control)
    assert caught.value.field == field, str(caught.value)
    assert sent == []


def test_connector_models_check_their_own_rules():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="QUICK_CREATE"):
        CoinbaseCdpConnector(provision_mode="QUICK_CREATE", credential_provider_arn=PROVIDER_ARN)
    with pytest.raises(ValidationError, match="credential provider ARN"):
        StripePrivyConnector(credential_provider_arn="arn:aws:acps:nope")
    with pytest.raises(ValidationError, match="discovery URL"):
        CustomJwtAuthorizer(discovery_url="https://idp.example.com/keys")
    with pytest.raises(ValidationError, match="at least one"):
        CustomJwtAuthorizer(discovery_url=DISCOVERY, allowed_audience=[])
    with pytest.raises(ValidationError):
        AwsBillingConnector(credential_provider_arn=PROVIDER_ARN)  # type: ignore[call-arg]


def test_answers_with_new_members_still_parse(control, stubber):
    stubber.add_response("get_payment_manager", manager_wire(), {"paymentManagerId": MANAGER_ID})
    manager = control.get_payment_manager(MANAGER_ID)
    data: dict[str, Any] = manager.model_dump()
    assert data["status"] == "READY"
