"""Simulated time: a frozen clock (time_machine, tick=False) that the simulator moves forward step by step."""

import datetime as dt

import time_machine


class Clock:
    """Time stands still between steps, so a run never depends on how fast the machine is."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start
        self._traveller = time_machine.travel(start, tick=False)
        self._coordinates = None

    def __enter__(self) -> "Clock":
        self._coordinates = self._traveller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._traveller.stop()
        self._coordinates = None

    def now(self) -> dt.datetime:
        return self._now

    def move_to(self, moment: dt.datetime) -> None:
        # Never backwards: the audit chain, watermarks and aggregates assume time only moves on.
        if moment > self._now:
            self._coordinates.move_to(moment)
            self._now = moment

    def advance(self, delta: dt.timedelta) -> None:
        self.move_to(self._now + delta)
