"""Simulated 90-day diaries for the honesty study of ``portal.insights``: seeded, no database.

A diary is nine activities and six measures over consecutive days, built to look like the ones
that fool a test of independent days:

* each measure is a first-order autoregressive series with marginal SD 1 (``carry_over``: her
  mood carries over from one day to the next), logged on a quarter-point grid around 3;
* each activity is a habit: with probability ``habit`` she repeats yesterday's choice, else
  she does it with probability ``uptake`` (which may rise from its first value to its second
  over the days, as she takes up more);
* ``trend_sd`` moves every measure towards better by that many SDs over the days (recovery);
* ``effect`` (Cohen's d) lowers tension on breathing days: the one real effect, if any.

Sleep is read by the portal from the next day's check-in (the night after the day), so sleep
values are stored one day later, as a real diary would hold them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from portal.insights import MEASURES, Day

START = date(2026, 1, 5)
ACTIVITY_KEYS = (
    "hug",
    "safe_company",
    "laughing_singing",
    "breathing",
    "meditation",
    "fibre_meal",
    "fermented_food",
    "pet",
    "walk_outside",
)
EFFECT_ACTIVITY, EFFECT_MEASURE = "breathing", "tension"


@dataclass(frozen=True)
class Scenario:
    """One kind of diary: how days hang together, whether she recovers, any real effect."""

    name: str
    days: int = 90
    carry_over: float = 0.0
    habit: float = 0.0
    uptake: tuple[float, float] = (0.4, 0.4)
    trend_sd: float = 0.0
    effect: float = 0.0


def simulated_diary(scenario: Scenario, seed: int) -> list[Day]:
    """Return one seeded diary of the scenario's kind."""
    rng = random.Random(f"{scenario.name}-{seed}")
    count = scenario.days
    innovation = math.sqrt(1 - scenario.carry_over**2)
    series = {}
    for measure in MEASURES:
        level = rng.gauss(0, 1)
        values = []
        for _ in range(count):
            values.append(level)
            level = scenario.carry_over * level + innovation * rng.gauss(0, 1)
        series[measure.key] = values
    done = {key: [] for key in ACTIVITY_KEYS}
    for key in ACTIVITY_KEYS:
        previous = None
        for index in range(count):
            first, last = scenario.uptake
            uptake = first + (last - first) * index / max(1, count - 1)
            if previous is not None and rng.random() < scenario.habit:
                today = previous
            else:
                today = rng.random() < uptake
            done[key].append(today)
            previous = today
    records: dict[int, dict[str, float]] = {index: {} for index in range(count + 1)}
    for measure in MEASURES:
        sign = 1 if measure.higher_is_better else -1
        for index in range(count):
            latent = series[measure.key][index]
            latent += sign * scenario.trend_sd * index / max(1, count - 1)
            if measure.key == EFFECT_MEASURE and done[EFFECT_ACTIVITY][index]:
                latent -= scenario.effect
            value = round((3 + latent) * 4) / 4
            records[index + 1 if measure.next_night else index][measure.key] = value
    return [
        Day(
            START + timedelta(days=index),
            frozenset(key for key in ACTIVITY_KEYS if done[key][index]),
            records[index],
        )
        for index in range(count)
    ]
