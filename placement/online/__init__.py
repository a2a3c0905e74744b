"""Online placement: arrivals, departures and failures one at a time, re-optimisation
with a move budget, event files and their replay.

:class:`Controller` keeps a valid placement of the active devices (offloading) or
requests (pipelines) after every event and returns a :class:`Change` per call;
:mod:`placement.online.events` reads and writes event files (JSON Lines);
:func:`replay` runs a file through a controller with one log row per event;
:func:`generate_events` draws a realistic day of churn.
"""

from placement.online.controller import Change, Controller, EventRules, Move, Rejection, rules_for
from placement.online.events import Event, EventLog, read_events, write_events
from placement.online.generate import generate_events
from placement.online.replay import ReplayLog, replay

__all__ = [
    "Change",
    "Controller",
    "Event",
    "EventLog",
    "EventRules",
    "Move",
    "Rejection",
    "ReplayLog",
    "generate_events",
    "read_events",
    "replay",
    "rules_for",
    "write_events",
]
