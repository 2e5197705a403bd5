"""Why an alert's notifications (e-mail, chat) went out or were held: the mute and the re-notify window.

Decided once per alert, before anything is sent, and carried in the typed result, so the e-mail,
the chat message and the decision event cannot disagree (issue 13).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from ops_alert.mute import NOT_MUTED, MuteReading, MuteVerdict
from ops_alert.renotify import LastNotice


class HeldBy(str, enum.Enum):
    MUTE = "mute"  # a mute of the alert's category is in force (ops_alert.mute)
    RENOTIFY = "renotify"  # the same category was notified within the window (ops_alert.renotify)


@dataclass(frozen=True)
class Notice:
    """What the mute and the re-notify window said about one alert's notifications."""

    mute: MuteReading = NOT_MUTED
    verdict: MuteVerdict = MuteVerdict.NOT_MUTED
    renotify_minutes: int = 0
    held_by: HeldBy | None = None
    last_notice: LastNotice | None = None  # RENOTIFY: the notification within the window


NO_HOLD = Notice()  # nothing muted, no window
