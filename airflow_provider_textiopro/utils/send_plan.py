"""Plan a send before any request: who gets which text, who is suppressed, and who goes when.

The plan joins the three rules (:mod:`.personal_texts`, :mod:`.suppression`, :mod:`.send_windows`)
into ordered *steps*: one per distinct text and moment (now, or a window's next opening). Given
the same inputs and the same ``now`` it is the same plan, so a retry sends the same recipients in
the same order; the send operator sends each step to the recipients no earlier try reached.

A step at a later moment goes with ``schedule_time`` only when the platform will hold it
(:func:`.send_windows.can_schedule`: two or more recipients in every request); otherwise the task
holds it until the moment, as TextioPro sends a one-recipient request at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.utils.send_windows import can_schedule, plan_send_window
from airflow_provider_textiopro.utils.suppression import mask_number, split_suppressed

if TYPE_CHECKING:
    from datetime import tzinfo

    from airflow_provider_textiopro.utils.personal_texts import PersonalPlan
    from airflow_provider_textiopro.utils.send_windows import SendWindow

NOW = "now"
SCHEDULE_TIME = "schedule_time"
HOLD = "hold in the task"
SENSITIVE_TEXT = "<sensitive text, not shown>"


@dataclass(frozen=True)
class SendStep:
    """The recipients of one text (index in the plan's groups) sent at one moment (None: now)."""

    text: int
    numbers: list[str]
    at: datetime | None = None

    @property
    def how(self) -> str:
        """``now``, ``schedule_time`` (the platform holds it) or ``hold in the task``."""
        if self.at is None:
            return NOW
        return SCHEDULE_TIME if can_schedule(self.numbers) else HOLD


@dataclass(frozen=True)
class SendPlan:
    """The groups of distinct texts, the suppressed numbers and the ordered steps of a send."""

    texts: PersonalPlan
    steps: list[SendStep]
    suppressed: list[str] = field(default_factory=list)

    @property
    def numbers(self) -> list[str]:
        """Every recipient to send, step after step."""
        return [number for step in self.steps for number in step.numbers]

    def estimated_segments(self) -> int:
        """Segments of the whole send (suppressed recipients excluded)."""
        return sum(self.texts.groups[step.text].segments.segments * len(step.numbers) for step in self.steps)

    def segments_of(self) -> dict[str, int]:
        """Return the estimated segments per message of each recipient to send."""
        return {
            number: self.texts.groups[step.text].segments.segments
            for step in self.steps
            for number in step.numbers
        }

    def to_dict(self, *, sensitive: bool = False, masked: bool = False) -> dict[str, Any]:
        """Return the JSON-able plan: texts with their counts and segments, steps, suppressed numbers.

        :param sensitive: write a placeholder instead of each text.
        :param masked: write masked numbers (``+3161****678``) instead of digits (``31612345678``).
        """
        show: Callable[[str], str] = mask_number if masked else str
        counts = [0] * len(self.texts.groups)
        for step in self.steps:
            counts[step.text] += len(step.numbers)
        return {
            "texts": [
                {
                    "text": SENSITIVE_TEXT if sensitive else group.text,
                    "recipients": counts[index],
                    "encoding": group.segments.encoding,
                    "segments_per_message": group.segments.segments,
                    "total_segments": group.segments.segments * counts[index],
                }
                for index, group in enumerate(self.texts.groups)
            ],
            "steps": [
                {
                    "text": step.text,
                    "at": None if step.at is None else step.at.isoformat(),
                    "how": step.how,
                    "recipients": [show(number) for number in step.numbers],
                }
                for step in self.steps
            ],
            "suppressed": [show(number) for number in self.suppressed],
            "estimated_segments": self.estimated_segments(),
        }


def plan_send(
    texts: PersonalPlan,
    *,
    suppressed: frozenset[str] = frozenset(),
    window: SendWindow | None = None,
    now: datetime,
    fallback_timezone: str | tzinfo = "UTC",
) -> SendPlan:
    """Drop the suppressed recipients of each text and split the others by when they may be sent.

    Steps come in order: the texts sent now (in the order of the texts), then each later moment,
    earliest first, text by text.

    :param texts: the distinct texts and their numbers (:func:`.personal_texts.plan_personal_texts`).
    :param suppressed: normalised numbers never to send.
    :param window: each recipient's local send window; None sends everyone now.
    :param now: the current time, timezone-aware.
    :param fallback_timezone: the zone of numbers without known zone (the connection's).
    :raises TextioProInputError: as :func:`.send_windows.plan_send_window`.
    """
    dropped: list[str] = []
    now_steps: list[SendStep] = []
    later_steps: list[SendStep] = []
    for index, group in enumerate(texts.groups):
        split = split_suppressed(group.numbers, suppressed)
        dropped += split.suppressed
        if window is None:
            if split.kept:
                now_steps.append(SendStep(index, split.kept))
            continue
        times = plan_send_window(split.kept, window, now=now, fallback_timezone=fallback_timezone)
        if times.send_now:
            now_steps.append(SendStep(index, times.send_now))
        later_steps += [SendStep(index, numbers, at) for at, numbers in times.later.items()]
    later_steps.sort(key=lambda step: (step.at, step.text))
    return SendPlan(texts=texts, steps=now_steps + later_steps, suppressed=dropped)
