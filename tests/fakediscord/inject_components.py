"""Injected component interactions: button clicks, select menus, modal submits."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from .inject_interactions import CHANNEL, MENTIONABLE, ROLE, USER, InteractionDispatch, MessageRef
from .state import FakeInteraction
from .store import UserRef


class ComponentInjection(InteractionDispatch):
    """Users clicking, picking and submitting on what the bot sent (types 3 and 5)."""

    async def click_button(
        self, message: MessageRef, custom_id: str, *, user: UserRef | None = None
    ) -> FakeInteraction:
        """Click a button of a message the bot sent (type 3, component_type 2)."""
        msg = self._as_message(message)
        component = msg.find_component(custom_id)
        if component is None:
            raise ValueError(f"message {msg.id} has no component {custom_id!r}; it has {msg.custom_ids()}")
        if component.get("type") != 2:
            raise ValueError(f"component {custom_id!r} is not a button")
        if component.get("disabled"):
            raise ValueError(f"button {custom_id!r} is disabled: no user can click it")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if "id" in component:
            data["id"] = component["id"]
        return await self._dispatch_interaction(
            3, data, user=self.resolve_user(user), channel=self.channels[msg.channel_id], message=msg
        )

    async def select(
        self, message: MessageRef, custom_id: str, values: Iterable[Any], *, user: UserRef | None = None
    ) -> FakeInteraction:
        """Pick values in a select menu of a message the bot sent (type 3)."""
        msg = self._as_message(message)
        component = msg.find_component(custom_id)
        if component is None or component.get("type") not in (3, 5, 6, 7, 8):
            raise ValueError(f"message {msg.id} has no select menu {custom_id!r}")
        if component.get("disabled"):
            raise ValueError(f"select {custom_id!r} is disabled")
        picked = [str(v.id) if hasattr(v, "id") else str(v) for v in values]
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(picked) <= high:
            raise ValueError(f"select {custom_id!r} accepts {low}..{high} values, got {len(picked)}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"], "values": picked}
        if component["type"] == 3:
            allowed = {o["value"] for o in component.get("options") or []}
            if not set(picked) <= allowed:
                raise ValueError(f"{sorted(set(picked) - allowed)} are not options of {custom_id!r}")
        else:
            kind = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}[component["type"]]
            resolved = self._resolved([{"type": kind, "value": v} for v in picked], msg.guild_id)
            data["resolved"] = resolved
        return await self._dispatch_interaction(
            3, data, user=self.resolve_user(user), channel=self.channels[msg.channel_id], message=msg
        )

    async def submit_modal(
        self, interaction: FakeInteraction | int, values: Mapping[str, str], *, user: UserRef | None = None
    ) -> FakeInteraction:
        """Submit the modal the bot answered `interaction` with (type 5)."""
        origin = self.interaction(interaction)
        if origin.modal is None:
            raise ValueError(f"interaction {origin.id} was not answered with a modal")

        def answer(component: Mapping[str, Any]) -> dict[str, Any]:
            item: dict[str, Any] = {"type": component["type"], "custom_id": component["custom_id"]}
            if component["type"] == 4:
                item["value"] = str(values.get(component["custom_id"], ""))
            else:
                item["values"] = list(values.get(component["custom_id"], []))
            return item

        submitted: list[dict[str, Any]] = []
        for top in origin.modal.get("components") or []:
            if top.get("type") == 1:
                submitted.append({"type": 1, "components": [answer(c) for c in top.get("components") or []]})
            elif top.get("type") == 18 and isinstance(top.get("component"), dict):
                submitted.append({"type": 18, "component": answer(top["component"])})
        data = {"custom_id": origin.modal["custom_id"], "components": submitted}
        message = self.get_message(origin.message_id) if origin.message_id is not None else None
        submitter = self.resolve_user(user or origin.user)
        channel = self.channels[origin.channel_id]
        return await self._dispatch_interaction(5, data, user=submitter, channel=channel, message=message)
