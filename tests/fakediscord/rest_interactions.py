"""Interaction callbacks and the interaction webhook (followups, @original edits)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .limits import FormErrors, is_empty_message, validate_choices, validate_modal
from .rest_routing import ApiError, Call, Router, edit_leaves_empty, json_response, no_content, truthy
from .state import (
    FLAG_COMPONENTS_V2,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    CallbackRecord,
    FakeInteraction,
    FakeMessage,
)

if TYPE_CHECKING:
    from .rest import RestApi
    from .server import FakeDiscord

# Interaction types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
# Callback types discord.py sends.
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}
INTERACTION_MESSAGE_FLAGS = FLAG_EPHEMERAL | FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2
UNKNOWN_INTERACTION = (404, 10062, "Unknown interaction")
ALREADY_ACKNOWLEDGED = (400, 40060, "Interaction has already been acknowledged.")
UNKNOWN_WEBHOOK = (404, 10015, "Unknown Webhook")
INVALID_WEBHOOK_TOKEN = (401, 50027, "Invalid Webhook Token")
UNKNOWN_MESSAGE = (404, 10008, "Unknown Message")


class InteractionRoutes:
    """POST /interactions/{id}/{token}/callback and /webhooks/{app}/{token}..."""

    def __init__(self, fake: FakeDiscord, rest: RestApi, router: Router) -> None:
        self.fake = fake
        self.rest = rest
        add = router.add
        add("POST", "/interactions/{interaction_id}/{token}/callback", self.callback, auth=False)
        hook = "/webhooks/{app_id}/{token}"
        add("POST", hook, self.create_followup, auth=False)
        # @original must be registered before the generic {message_id} routes.
        add("GET", f"{hook}/messages/@original", self.get_original, auth=False)
        add("PATCH", f"{hook}/messages/@original", self.edit_original, auth=False)
        add("DELETE", f"{hook}/messages/@original", self.delete_original, auth=False)
        add("GET", f"{hook}/messages/{{message_id}}", self.get_followup, auth=False)
        add("PATCH", f"{hook}/messages/{{message_id}}", self.edit_followup, auth=False)
        add("DELETE", f"{hook}/messages/{{message_id}}", self.delete_followup, auth=False)

    # ---------------------------------------------------------------- helpers

    def _fields(self, call: Call, prefix: tuple[str, ...] = (), existing: FakeMessage | None = None) -> dict[str, Any]:
        return self.rest.message_fields(call, prefix=prefix, existing=existing)

    def _webhook_interaction(self, call: Call) -> FakeInteraction:
        """Resolve the interaction behind a webhook token and enforce ack + 15 min lifetime."""
        fake = self.fake
        inter = fake.interaction_by_token(call.params["token"])
        if inter is None or int(call.params["app_id"]) != fake.application_id:
            raise ApiError(*UNKNOWN_WEBHOOK)
        call.interaction_id = inter.id
        if fake.clock.now() - inter.dispatched_at > fake.token_lifetime:
            raise ApiError(*INVALID_WEBHOOK_TOKEN)
        if not inter.acknowledged:
            # The webhook only exists once the interaction has been answered.
            raise ApiError(*UNKNOWN_WEBHOOK)
        return inter

    def _original(self, inter: FakeInteraction) -> FakeMessage:
        msg_id = inter.original_message_id
        if msg_id is None and inter.ack_type in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            # After a (deferred) update, @original is the message carrying the component.
            msg_id = inter.message_id
        msg = self.fake.get_message(msg_id) if msg_id is not None else None
        if msg is None or msg.deleted:
            raise ApiError(*UNKNOWN_MESSAGE)
        return msg

    def _owned_message(self, inter: FakeInteraction, call: Call) -> FakeMessage:
        msg_id = int(call.params["message_id"])
        owned = {inter.original_message_id, inter.message_id, *inter.followup_ids}
        msg = self.fake.get_message(msg_id)
        if msg_id not in owned or msg is None or msg.deleted:
            raise ApiError(*UNKNOWN_MESSAGE)
        return msg

    def _mark_visible(self, inter: FakeInteraction, msg: FakeMessage) -> None:
        inter.visible_ids.append(msg.id)

    async def _edit(self, inter: FakeInteraction, msg: FakeMessage, call: Call) -> web.Response:
        fields = self._fields(call, existing=msg)
        was_loading = msg.loading
        if edit_leaves_empty(msg, fields):
            raise ApiError(400, 50006, "Cannot send an empty message")
        self.fake.apply_edit(msg, fields, mark_edited=not was_loading)
        self.fake.finish_loading(msg)
        self._mark_visible(inter, msg)
        await self.fake.publish("MESSAGE_UPDATE", msg)
        return json_response(self.fake.message_json(msg))

    # --------------------------------------------------------------- callback

    async def callback(self, call: Call) -> web.StreamResponse:
        """Acknowledge an interaction: deadline, single ack, per-type validation."""
        fake = self.fake
        body = call.body if isinstance(call.body, dict) else {}
        cb_type = body.get("type")
        inter = fake.interactions.get(int(call.params["interaction_id"]))
        record = CallbackRecord(int(call.params["interaction_id"]), cb_type, body.get("data"), 0)
        fake.interaction_callbacks.append(record)
        try:
            if inter is None or inter.token != call.params["token"]:
                raise ApiError(*UNKNOWN_INTERACTION)
            call.interaction_id = inter.id
            if inter.acknowledged:
                raise ApiError(*ALREADY_ACKNOWLEDGED)
            if fake.clock.now() - inter.dispatched_at > fake.ack_deadline:
                # Past 3 s the interaction token is dead: Discord answers Unknown interaction.
                raise ApiError(*UNKNOWN_INTERACTION)
            if cb_type not in ALLOWED_CALLBACKS.get(inter.type, set()):
                errors = FormErrors()
                errors.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type")
                raise ApiError.form(errors)
            response = await self._apply_callback(inter, cb_type, body, call)
        except ApiError as exc:
            record.status, record.error_code = exc.status, exc.code
            raise
        record.status = response.status
        return response

    async def _apply_callback(
        self, inter: FakeInteraction, cb_type: int, body: dict[str, Any], call: Call
    ) -> web.StreamResponse:
        fake = self.fake
        data = body.get("data") or {}
        fields: dict[str, Any] = {}
        resource_msg: FakeMessage | None = None
        if cb_type in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            sub = Call(call.request, call.params, data, call.files, call.record, inter.id, call.query)
            fields = self._fields(sub, prefix=("data",))
            if cb_type == CHANNEL_MESSAGE and is_empty_message(fields):
                raise ApiError(400, 50006, "Cannot send an empty message")
        elif cb_type == AUTOCOMPLETE_RESULT:
            errors = FormErrors()
            validate_choices(data.get("choices"), errors, ("data",))
            if errors:
                raise ApiError.form(errors)
        elif cb_type == MODAL:
            errors = FormErrors()
            validate_modal(data, errors, ("data",))
            if errors:
                raise ApiError.form(errors)
        if cb_type in (DEFERRED_UPDATE, UPDATE_MESSAGE) and inter.message_id is None:
            errors = FormErrors()
            errors.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "This interaction has no message to update")
            raise ApiError.form(errors)

        # Validation passed: from here on the interaction counts as acknowledged.
        inter.ack_type = cb_type
        inter.acked_at = fake.clock.now()
        channel = fake.channels[inter.channel_id]
        msg_type = 20 if inter.type == APPLICATION_COMMAND else 0
        if cb_type == CHANNEL_MESSAGE:
            flags = int(fields.get("flags") or 0) & INTERACTION_MESSAGE_FLAGS
            resource_msg = fake.new_message(
                channel, fake.bot_user, fields, source="callback", flags=flags, msg_type=msg_type, interaction=inter
            )
            inter.original_message_id = resource_msg.id
            self._mark_visible(inter, resource_msg)
            await fake.publish("MESSAGE_CREATE", resource_msg)
        elif cb_type == DEFERRED_CHANNEL_MESSAGE:
            # The "is thinking..." placeholder; the first followup or an @original edit fills it.
            flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            resource_msg = fake.new_message(
                channel, fake.bot_user, {}, source="callback", flags=flags, msg_type=msg_type, interaction=inter
            )
            inter.original_message_id = resource_msg.id
            await fake.publish("MESSAGE_CREATE", resource_msg)
        elif cb_type == UPDATE_MESSAGE:
            target = fake.get_message(inter.message_id) if inter.message_id is not None else None
            if target is not None and not target.deleted:
                fake.apply_edit(target, fields)
                resource_msg = target
                self._mark_visible(inter, target)
                await fake.publish("MESSAGE_UPDATE", target)
        elif cb_type == AUTOCOMPLETE_RESULT:
            inter.autocomplete_choices = list(data.get("choices") or [])
        elif cb_type == MODAL:
            inter.modal = data
        fake.notifier.notify()

        if not truthy(call.query.get("with_response")):
            return no_content()
        # with_response=1 (discord.py always sends it) expects the callback object, not 204.
        interaction_obj: dict[str, Any] = {"id": str(inter.id), "type": inter.type}
        resource: dict[str, Any] = {"type": cb_type}
        if resource_msg is not None:
            interaction_obj["response_message_id"] = str(resource_msg.id)
            interaction_obj["response_message_loading"] = resource_msg.loading
            interaction_obj["response_message_ephemeral"] = resource_msg.ephemeral
            resource["message"] = fake.message_json(resource_msg)
        return json_response({"interaction": interaction_obj, "resource": resource})

    # ---------------------------------------------------------------- webhook

    async def create_followup(self, call: Call) -> web.StreamResponse:
        """POST /webhooks/{app}/{token}: a followup (the first one after a defer fills it)."""
        fake = self.fake
        inter = self._webhook_interaction(call)
        fields = self._fields(call)
        if is_empty_message(fields):
            raise ApiError(400, 50006, "Cannot send an empty message")
        original = fake.get_message(inter.original_message_id) if inter.original_message_id else None
        if original is not None and original.loading and not original.deleted:
            # Discord turns the first followup after a deferred response into the
            # response itself; the ephemeral choice made when deferring sticks.
            fake.apply_edit(original, fields, mark_edited=False)
            fake.finish_loading(original)
            msg = original
            await fake.publish("MESSAGE_UPDATE", msg)
        else:
            channel = fake.channels[inter.channel_id]
            flags = int(fields.get("flags") or 0) & INTERACTION_MESSAGE_FLAGS
            msg = fake.new_message(channel, fake.bot_user, fields, source="followup", flags=flags, interaction=inter)
            await fake.publish("MESSAGE_CREATE", msg)
        inter.followup_ids.append(msg.id)
        self._mark_visible(inter, msg)
        fake.followups.append(msg)
        if truthy(call.query.get("wait")):
            return json_response(fake.message_json(msg))
        return no_content()

    async def get_original(self, call: Call) -> web.Response:
        """GET @original."""
        inter = self._webhook_interaction(call)
        return json_response(self.fake.message_json(self._original(inter)))

    async def edit_original(self, call: Call) -> web.Response:
        """PATCH @original (fills a deferred response or edits the answer)."""
        inter = self._webhook_interaction(call)
        return await self._edit(inter, self._original(inter), call)

    async def delete_original(self, call: Call) -> web.StreamResponse:
        """DELETE @original."""
        inter = self._webhook_interaction(call)
        msg = self._original(inter)
        msg.deleted = True
        await self.fake.publish("MESSAGE_DELETE", msg)
        return no_content()

    async def get_followup(self, call: Call) -> web.Response:
        """GET a followup by id."""
        inter = self._webhook_interaction(call)
        return json_response(self.fake.message_json(self._owned_message(inter, call)))

    async def edit_followup(self, call: Call) -> web.Response:
        """PATCH a followup by id."""
        inter = self._webhook_interaction(call)
        return await self._edit(inter, self._owned_message(inter, call), call)

    async def delete_followup(self, call: Call) -> web.StreamResponse:
        """DELETE a followup by id."""
        inter = self._webhook_interaction(call)
        msg = self._owned_message(inter, call)
        msg.deleted = True
        await self.fake.publish("MESSAGE_DELETE", msg)
        return no_content()
