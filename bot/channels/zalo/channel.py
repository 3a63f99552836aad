"""ZaloChannel: neutral outgoing messages → OA consultation messages (v3 message/cs)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.channel import Capability, SentMessage
from bot.channels.zalo import api as zapi
from bot.channels.zalo.api import ZaloApi, ZaloApiError, ZaloTransportError
from bot.channels.zalo.tokens import TokenStore, ZaloTokenError
from bot.channels.zalo.webhook import BUTTON_PREFIX, KEYBOARD_MARK
from bot.dates import fmt_time_day
from bot.errors import DeliveryError, DeliveryOutcome
from bot.events import ButtonPressed, ChannelName, ChatRef
from bot.files import LinkIssuer
from bot.messages import (
    Attachment,
    Button,
    OutgoingMessage,
    part_delivered,
    parts_to_send,
    split_utf16,
)
from bot.messaging_window import MessagingWindow
from bot.texts import zalo as T

logger = logging.getLogger(__name__)

#: buttons per template message: commonly ≤ 5 (platforms.md §2.3, [U])
MAX_BUTTONS = 5
#: keep titles short on a phone (Zalo's own limit is undocumented [U])
MAX_BUTTON_TITLE = 60
#: without a Retry-After, wait out Zalo's per-minute app quota (error -32, platforms.md §2.6)
RATE_LIMIT_WAIT_SECONDS = 60.0
FILE_TYPES = {"application/pdf": "pdf", "application/msword": "doc",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx"}
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})

#: longest value put in one template parameter (ZNS limits differ per parameter type [U])
MAX_TEMPLATE_PARAM_CHARS = 100
#: troly fields a template parameter may take (the dispatcher fills them)
TEMPLATE_FIELDS = ("name", "text", "kind", "date", "unit")

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ZaloCodes:
    """What Zalo's uncertain refusal codes mean (docs/zalo.md §8; configurable in settings)."""

    window: frozenset[int] = frozenset({zapi.CODE_NO_INTERACTION, zapi.CODE_NO_INTERACTION_2})
    quota: frozenset[int] = frozenset({zapi.CODE_OUT_OF_QUOTA, zapi.CODE_RECEIVE_LIMIT})
    not_follower: frozenset[int] = frozenset({zapi.CODE_NOT_FOLLOWER})

    @classmethod
    def of(cls, window: Iterable[int], quota: Iterable[int],
           not_follower: Iterable[int]) -> ZaloCodes:
        """Codes from settings; a code given two meanings is a configuration error."""
        codes = cls(frozenset(window), frozenset(quota), frozenset(not_follower))
        overlap = ((codes.window & codes.quota) | (codes.window & codes.not_follower)
                   | (codes.quota & codes.not_follower))
        if overlap:
            raise ValueError(f"Zalo error codes with two meanings: {sorted(overlap)}")
        return codes


@dataclass(frozen=True, slots=True)
class ZaloTemplate:
    """The template message sent when the window is closed (ZNS / ZBS)."""

    template_id: str
    url: str
    #: "user_id" (the follower id) or "phone" (the official's phone, as 84…)
    recipient: str = "user_id"
    #: template parameter → troly field (TEMPLATE_FIELDS)
    params: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.recipient not in ("user_id", "phone"):
            raise ValueError(f"zalo_template_recipient must be user_id or phone, not "
                             f"{self.recipient!r}")
        unknown = sorted(set(self.params.values()) - set(TEMPLATE_FIELDS))
        if unknown:
            raise ValueError(f"zalo_template_params: unknown fields {unknown} "
                             f"(use {', '.join(TEMPLATE_FIELDS)})")


def international_phone(phone: str | None) -> str | None:
    """A Vietnamese phone number as ZNS wants it (84…), or None when there is none."""
    digits = "".join(c for c in phone or "" if c.isdigit())
    if not digits:
        return None
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    return digits if digits.startswith("84") and len(digits) >= 10 else None


def template_body(template: ZaloTemplate, user_id: str,
                  fields: Mapping[str, str]) -> dict[str, Any]:
    """The JSON of one template message (DeliveryError when it has no recipient)."""
    data = {param: str(fields.get(source, ""))[:MAX_TEMPLATE_PARAM_CHARS]
            for param, source in template.params.items()}
    body: dict[str, Any] = {"template_id": template.template_id, "template_data": data}
    if fields.get("tracking_id"):
        body["tracking_id"] = fields["tracking_id"]
    if template.recipient == "phone":
        phone = international_phone(fields.get("phone"))
        if phone is None:
            raise DeliveryError("zalo", DeliveryOutcome.PERMANENT, "no phone for the template",
                                code="zalo_template_no_phone")
        body["phone"] = phone
    else:
        body["user_id"] = user_id
    return body


def button_payload(button: Button, keyboard: str | None = None) -> str:
    """What a query button sends back as the user's text (with the keyboard id at the end, so
    a second choice from one message is refused: bot/keyboards.py; a reusable navigation button
    carries none, so it may be pressed again)."""
    mark = KEYBOARD_MARK + keyboard if keyboard and not button.reusable else ""
    return BUTTON_PREFIX + button.payload + mark


def text_message(text: str) -> dict[str, Any]:
    """A plain text OA message."""
    return {"text": text}


def buttons_message(text: str, buttons: tuple[Button, ...],
                    keyboard: str | None = None) -> dict[str, Any]:
    """Text with up to 5 hidden query buttons (the press comes back as '#btn:<payload>', plus
    '|k<keyboard>' when the message has a keyboard id)."""
    return {
        "text": text,
        "attachment": {"type": "template", "payload": {"buttons": [
            {"title": b.label[:MAX_BUTTON_TITLE], "type": "oa.query.hide",
             "payload": button_payload(b, keyboard)}
            for b in buttons
        ]}},
    }


def typed_instead(text: str, buttons: tuple[Button, ...]) -> tuple[str, tuple[Button, ...]]:
    """Over five buttons, those a typed command does the same as ("Huỷ": /huy) leave the
    buttons to the others and are said in the text ("Gõ /huy để huỷ."), so a step such as the
    roles of a new guide's audience (four roles, "Xong", "Huỷ") is one message, as on Telegram."""
    if len(buttons) <= MAX_BUTTONS or not any(b.command for b in buttons):
        return text, buttons
    lines = [T.TYPED_OPTION.format(command=b.command, action=_lowercase_first(b.label))
             for b in buttons if b.command]
    kept = tuple(b for b in buttons if not b.command)
    return "\n".join([text, *lines]) if text else "\n".join(lines), kept


def _lowercase_first(label: str) -> str:
    return label[:1].lower() + label[1:]


def plan_messages(message: OutgoingMessage) -> list[dict[str, Any]]:
    """The OA messages for one neutral message's text and buttons, in sending order.

    Text is split under 2,000 characters, counted as code points and as UTF-16 units alike
    (which of the two Zalo counts is not documented; an emoji is one or two); the buttons ride
    on the last part. Over five buttons,
    those with a typed equivalent are said in the text instead (typed_instead); more than five
    left go in further messages of five each. A choice that may be typed never gets here with
    more than five: the core lists its options by number in the text (ZaloChannel.max_buttons,
    bot/messages.py numbered_options) and reads a typed number as the press; what is left here
    is navigation (a guide's sections, pressed again and again), kept as buttons.
    """
    text, buttons = typed_instead(message.text, message.buttons)
    parts = split_utf16(text, zapi.MAX_TEXT_CHARS) if text else []
    groups = [buttons[i:i + MAX_BUTTONS] for i in range(0, len(buttons), MAX_BUTTONS)]
    planned = [text_message(p) for p in parts]
    if groups:
        last = planned.pop() if planned else None
        first_text = last["text"] if last else T.CHOOSE
        planned.append(buttons_message(first_text, groups[0], message.keyboard))
        planned += [buttons_message(T.MORE_OPTIONS, g, message.keyboard) for g in groups[1:]]
    return planned


def classify(exc: ZaloApiError | ZaloTransportError | ZaloTokenError,
             codes: ZaloCodes | None = None) -> DeliveryError:
    """Map a Zalo failure to the outbox's delivery outcome (`codes`: what the uncertain refusal
    codes mean, from settings)."""
    codes = codes or ZaloCodes()
    if isinstance(exc, ZaloTokenError):
        return DeliveryError("zalo", DeliveryOutcome.TRANSIENT, str(exc), code="zalo_token")
    if isinstance(exc, ZaloTransportError):
        if exc.status == 429:
            return DeliveryError("zalo", DeliveryOutcome.RATE_LIMITED, str(exc),
                                 retry_after=exc.retry_after or RATE_LIMIT_WAIT_SECONDS,
                                 code="zalo_rate")
        if exc.maybe_sent:
            return DeliveryError("zalo", DeliveryOutcome.AMBIGUOUS, str(exc))
        if exc.status is not None and 400 <= exc.status < 500:
            return DeliveryError("zalo", DeliveryOutcome.PERMANENT, str(exc),
                                 code=f"zalo_http_{exc.status}")
        return DeliveryError("zalo", DeliveryOutcome.TRANSIENT, str(exc))
    code = exc.code
    if code in codes.window:
        return DeliveryError("zalo", DeliveryOutcome.PERMANENT, str(exc), code="zalo_window")
    if code in codes.quota:
        return DeliveryError("zalo", DeliveryOutcome.PERMANENT, str(exc), code="zalo_quota")
    if code in codes.not_follower:
        return DeliveryError("zalo", DeliveryOutcome.BLOCKED, str(exc), code="zalo_not_follower")
    if code == zapi.CODE_RATE_LIMITED:
        return DeliveryError("zalo", DeliveryOutcome.RATE_LIMITED, str(exc),
                             retry_after=RATE_LIMIT_WAIT_SECONDS, code="zalo_rate")
    if code in zapi.TOKEN_ERRORS:  # still refused after a refresh: an admin must re-authorise
        return DeliveryError("zalo", DeliveryOutcome.TRANSIENT, str(exc), code="zalo_token")
    if code in (zapi.CODE_INVALID_PARAM, zapi.CODE_TEXT_TOO_LONG):
        return DeliveryError("zalo", DeliveryOutcome.PERMANENT, str(exc), code=f"zalo_{-code}")
    # undocumented codes (OA disabled, bad app secret proof, …) are usually configuration:
    # keep the message and let the outbox retry with backoff rather than drop it
    return DeliveryError("zalo", DeliveryOutcome.TRANSIENT, str(exc), code=f"zalo_{-code}")


class ZaloChannel:
    """Sends to Zalo users through the OA API; buttons are hidden query buttons."""

    name: ChannelName = "zalo"
    capabilities = frozenset({Capability.BUTTONS, Capability.FILES})
    #: buttons one message carries (Context.button_limit): a choice with more is numbered
    max_buttons = MAX_BUTTONS

    def __init__(self, api: ZaloApi, tokens: TokenStore, *, codes: ZaloCodes | None = None,
                 window: MessagingWindow | None = None,
                 template: ZaloTemplate | None = None,
                 file_links: LinkIssuer | None = None) -> None:
        self.api = api
        self.tokens = tokens
        #: files Zalo cannot carry become links to troly's page (None: a note naming the file)
        self.file_links = file_links
        self.codes = codes or ZaloCodes()
        #: the consultation window the outbox routes by (bot/messaging_window.py)
        self.window = window or MessagingWindow()
        self.template = template

    @property
    def template_ready(self) -> bool:
        """Whether a template message is configured for closed windows."""
        return self.template is not None

    async def send_template(self, chat: ChatRef, message: OutgoingMessage,
                            fields: Mapping[str, str]) -> SentMessage:
        """Send the configured template (the message's own text only fills its parameters)."""
        if self.template is None:
            raise DeliveryError("zalo", DeliveryOutcome.PERMANENT, "no template configured",
                                code="zalo_template")
        template = self.template
        body = template_body(template, chat.chat_id, fields)

        async def call(token: str) -> dict[str, Any]:
            return await self.api.send_template(token, template.url, body)

        try:
            data = await self._with_token(call)
        except (ZaloApiError, ZaloTransportError, ZaloTokenError) as exc:
            error = classify(exc, self.codes)
            if error.outcome in (DeliveryOutcome.PERMANENT, DeliveryOutcome.BLOCKED):
                # a refused template (not approved, bad parameter, …): the next channel takes it
                error = DeliveryError("zalo", DeliveryOutcome.PERMANENT, error.detail,
                                      code="zalo_template")
            raise error from exc
        message_id = data.get("msg_id") or data.get("message_id")
        return SentMessage(message_id=str(message_id) if message_id is not None else None)

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        """Deliver text (split), buttons and attachments; raise DeliveryError on failure."""
        last_id: str | None = None
        # parts delivered by an earlier try are not sent again (OutgoingMessage.parts_sent)
        sent_parts = message.parts_sent
        planned = plan_messages(message)
        total = len(planned) + len(message.attachments)
        try:
            for sent, part in parts_to_send(planned, message):
                last_id = await (self._send_attachment(chat.chat_id, part)
                                 if isinstance(part, Attachment)
                                 else self._send_one(chat.chat_id, part))
                sent_parts = sent
                await part_delivered(sent, total)  # the sender records it: not sent again
        except (ZaloApiError, ZaloTransportError, ZaloTokenError) as exc:
            error = classify(exc, self.codes)
            if sent_parts:  # the outbox records it: a retry starts after the parts delivered
                error = DeliveryError(error.channel, error.outcome,
                                      f"{error.detail} (after {sent_parts} part(s) delivered)",
                                      retry_after=error.retry_after, code=error.code,
                                      parts_sent=sent_parts)
            raise error from exc
        return SentMessage(message_id=last_id)

    async def acknowledge(self, event: ButtonPressed) -> None:
        """Zalo query buttons have no spinner to stop."""

    async def _send_one(self, user_id: str, body: dict[str, Any]) -> str | None:
        async def call(token: str) -> dict[str, Any]:
            return await self.api.send_message(token, user_id, body)

        data = await self._with_token(call)
        message_id = data.get("message_id")
        return str(message_id) if message_id is not None else None

    async def _send_attachment(self, user_id: str, attachment: Attachment) -> str | None:
        size = len(attachment.content)
        if attachment.mime_type in FILE_TYPES and size <= zapi.MAX_UPLOAD_FILE_BYTES:
            async def upload_file(token: str) -> str:
                return await self.api.upload_file(token, attachment.file_name,
                                                  attachment.content, attachment.mime_type)

            file_token = await self._with_token(upload_file)
            return await self._send_one(
                user_id, {"attachment": {"type": "file", "payload": {"token": file_token}}})
        if attachment.mime_type in IMAGE_TYPES and size <= zapi.MAX_UPLOAD_IMAGE_BYTES:
            async def upload_image(token: str) -> str:
                return await self.api.upload_image(token, attachment.file_name,
                                                   attachment.content, attachment.mime_type)

            attachment_id = await self._with_token(upload_image)
            return await self._send_one(user_id, {"attachment": {"type": "template", "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "attachment_id": attachment_id}]}}})
        # OA messages carry only PDF/DOC/DOCX ≤ 5 MB and JPG/PNG ≤ 1 MB (platforms.md §2.7):
        # anything else goes as a signed link to troly's download page (bot/files.py) or, with
        # no public URL configured, a note naming the file rather than silence
        if self.file_links is not None:
            link = await self.file_links.issue(self.name, user_id, attachment)
            return await self._send_one(user_id, text_message(T.FILE_LINK.format(
                file=attachment.file_name, url=link.url,
                until=fmt_time_day(link.expires_at))))
        return await self._send_one(
            user_id, text_message(T.ATTACHMENT_NOT_SENT.format(file=attachment.file_name)))

    async def _with_token(self, call: Callable[[str], Awaitable[_T]]) -> _T:
        """Run a call with the access token; on 'token invalid/expired' refresh and retry once."""
        token = await self.tokens.access_token()
        try:
            return await call(token)
        except ZaloApiError as exc:
            if exc.code not in zapi.TOKEN_ERRORS:
                raise
            logger.info("Zalo refused the access token (%s); refreshing", exc.code)
        token = await self._refresh(token)
        return await call(token)

    async def _refresh(self, stale: str) -> str:
        try:
            return await self.tokens.refresh(stale=stale)
        except ZaloApiError as exc:  # the refresh token itself was refused
            raise ZaloTokenError(f"Zalo refused the refresh token: {exc}") from exc
