"""Errors of the channel integrations. Each has a stable code and HTTP status (config.errors)."""

from config.errors import ApplicationError, NotFound


class SignatureInvalid(ApplicationError):
    """A pushed message whose signature is missing or wrong: rejected with 401, nothing processed."""

    code = "signature_invalid"
    status = 401


class ConnectionNotFound(NotFound):
    code = "connection_not_found"


class ConnectionInvalid(ApplicationError):
    """A connection setting that cannot work (e.g. a webhook secret for a platform that pushes nothing)."""

    code = "connection_invalid"
    status = 400


class PayloadInvalid(ApplicationError):
    """The message cannot be understood (not JSON, a required field missing, a value of the wrong kind).

    Retrying will not help: such a message goes straight to the dead letters with this message.
    """

    code = "payload_invalid"
    status = 400
    permanent = True


class ParcelNotKnown(ApplicationError):
    """A tracking message for a parcel Order Hub does not know (yet: the shipping may not be committed, or the
    number was keyed in later): retried with back-off, then parked for staff."""

    code = "parcel_not_known"
    status = 404


class OrderNotYetKnown(ApplicationError):
    """A follow-up (refund, address change) for an order Order Hub has not received yet: retried later."""

    code = "order_not_yet_known"
    status = 409


class PlatformError(ApplicationError):
    """The platform answered with an error. Retried with back-off unless a subclass says otherwise."""

    code = "platform_error"
    status = 502


class PlatformUnavailable(PlatformError):
    """5xx, timeout or connection refused."""

    code = "platform_unavailable"
    status = 503


class RateLimited(PlatformError):
    code = "platform_rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: float = 60.0, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TokenExpired(PlatformError):
    """The shop's access token is expired or revoked: staff must re-authorise the shop."""

    code = "platform_token_expired"
    status = 401


class TokenRefreshFailed(PlatformError):
    """The platform refused to refresh the shop's access token (no refresh token, refresh token expired or
    revoked, app secret wrong): staff must re-authorise the shop. Recorded as a health alert."""

    code = "platform_token_refresh_failed"
    status = 401


class ListingNotFound(PlatformError):
    """A stock push for a SKU the shop's platform catalogue has no variant for (or more than one, or no stock
    location is set). Retried: the push queues a catalog sync, and staff may list the SKU or set the location."""

    code = "listing_not_found"
    status = 409


class ImportInvalid(ApplicationError):
    code = "import_invalid"
    status = 400
    permanent = True


class MappingInvalid(ApplicationError):
    """A field-mapping override that cannot work (bad path syntax, unknown status)."""

    code = "mapping_invalid"
    status = 400
    permanent = True


class WebhookInvalid(ApplicationError):
    """A webhook subscription that cannot work: an unknown event type, a URL that is not http(s)."""

    code = "webhook_invalid"
    status = 400


class WebhookUrlRefused(ApplicationError):
    """A webhook URL whose host is (or resolves to) a private, loopback, link-local or reserved address, or
    does not resolve. Refused when subscribing and again before every delivery (the DNS answer may change)."""

    code = "webhook_url_refused"
    status = 400
    permanent = True


class WebhookNotFound(NotFound):
    code = "webhook_not_found"


class WebhookDeliveryBusy(ApplicationError):
    """A replay of a delivery that is still on its way (pending, being sent, or waiting for its next retry)."""

    code = "webhook_delivery_busy"
    status = 409


class WebhookDeliveryFailed(ApplicationError):
    """The partner's endpoint did not answer 2xx (or not at all): retried with back-off, then parked."""

    code = "webhook_delivery_failed"
    status = 502


class NotifyProviderError(ApplicationError):
    """An SMS, WeChat or e-mail provider refused or failed a buyer message, with the provider's own error code.
    ``retryable`` says whether trying again later can help (flow control, a system error, an expired token);
    anything else (a wrong number, a template the provider did not approve, a buyer who refused) is final: the
    message is parked at once (config.retry)."""

    code = "notify_provider_error"
    status = 502

    def __init__(self, message: str, *, provider_code: str, retryable: bool, extra: dict | None = None):
        super().__init__(message, extra={"provider_code": provider_code, **(extra or {})})
        self.provider_code = provider_code
        self.retryable = retryable

    @property
    def permanent(self) -> bool:  # type: ignore[override]
        return not self.retryable


class NotifyTemplateInvalid(ApplicationError):
    """A buyer notification template that cannot be filled (an unknown {variable}, a broken brace)."""

    code = "notify_template_invalid"
    status = 400


class RefundStateChanged(PlatformError):
    """The platform's refund had already moved on when Order Hub sent its decision (agreed, refunded, closed by the
    buyer, or refused meanwhile): nothing to retry. ``refunded`` says whether the platform shows the money back;
    its own "refunded" notice settles the case either way."""

    code = "refund_state_changed"
    status = 409
    permanent = True

    def __init__(self, message: str, *, platform_status: str, refunded: bool = False, **kwargs):
        super().__init__(message, **kwargs)
        self.platform_status = platform_status
        self.refunded = refunded


class RefundDecisionRefused(PlatformError):
    """The platform refused the refund decision for a reason no retry can fix (the refund must be handled in the
    platform's own back office, a required setting is missing, the platform's refund id is unknown): parked at
    once for staff, who may replay it after fixing the cause."""

    code = "refund_decision_refused"
    status = 409
    permanent = True


class RefundProofMissing(RefundDecisionRefused):
    """The platform takes the refusal only with a proof image (Tmall's ``refuse_proof``) and the case has none it can
    take: parked, and sent again when customer service attaches an image to the case's evidence."""

    code = "refund_proof_missing"
