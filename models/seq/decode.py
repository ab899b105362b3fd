"""Sampling note tokens from a next-token model, with the rules of the token language and of
four-voice chorales enforced at every step.

Any model with ``initial_state(batch)`` and ``step(tokens, state) -> (logits, state)`` (the
note LSTM's numpy network, the n-gram baseline's counts) is sampled here, from ``<s>``, with a
temperature. Sampled freely, the note LSTM's clips showed faults that are decoding, not
learning (quick preset, 2026-12-02): a clip that ends at an early ``</s>`` or falls silent, a
note struck while the same pitch still sounds, five to eleven notes at once, pitches outside
the chorales' range. Each step therefore masks the tokens that would break a rule
(``Rules``), and samples among the rest in proportion to the model's own probabilities:

- grammar (models/data/tokens.py): a pitch is followed by its duration; the pitches of one
  onset ascend; a time shift or a pitch follows a duration;
- no ``</s>`` before the clip is full: a clip always holds ``seconds`` of music;
- no silence: a time shift only while a note still sounds after it (the first note's onset
  is time 0);
- at most ``voices`` notes sounding at once (4, the chorales'), none struck while its pitch
  still sounds;
- pitches within the training notes' range (``pitch_range``, kept in the checkpoint).

What the rules change is measured on the curve and listed on the differences table; with
``rules=None`` the model is sampled freely, as before.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.data import tokens

KIND = np.array([t[0] if t[0] in "pdt" else t for t in tokens.VOCAB])  # p, d, t, <s>, </s>
PITCH = np.array([int(t[1:]) if t[0] == "p" else -1 for t in tokens.VOCAB])
LENGTH = np.array([int(t[1:]) if t[0] in "dt" else 0 for t in tokens.VOCAB])


@dataclass(frozen=True)
class Rules:
    voices: int = 4                      # most notes sounding at once
    pitch_range: tuple = (36, 81)        # lowest and highest MIDI pitch that may be sampled


def pitch_range(stream: np.ndarray) -> tuple[int, int]:
    """The lowest and highest pitch of a token stream (the training notes)."""
    pitches = PITCH[np.asarray(stream, int)]
    pitches = pitches[pitches >= 0]
    return (int(pitches.min()), int(pitches.max())) if len(pitches) else (tokens.LOW, tokens.HIGH)


class _Voice:
    """One sequence's place in the music: the time, what still sounds, the last token."""

    def __init__(self):
        self.now, self.last, self.pitch, self.top = 0, "<s>", None, -1
        self.ends: dict[int, int] = {}   # pitch -> sixteenth it stops sounding

    def allowed(self, rules: Rules, full: bool) -> np.ndarray:
        ok = np.zeros(len(tokens.VOCAB), bool)
        sounding = {p for p, end in self.ends.items() if end > self.now}
        if self.last == "p":
            return KIND == "d"
        lo, hi = rules.pitch_range
        if len(sounding) < rules.voices:
            ok |= (KIND == "p") & (PITCH >= max(lo, self.top + 1)) & (PITCH <= hi) \
                & ~np.isin(PITCH, list(sounding))
        if self.last != "<s>" and sounding:  # a shift that leaves something sounding
            ok |= (KIND == "t") & (LENGTH < max(self.ends.values()) - self.now + 1)
        if full:
            ok[tokens.END] = True
        if not ok.any():  # boxed in (every voice held): move on to the next release
            ok |= (KIND == "t") & (LENGTH <= max(1, min(e for e in self.ends.values()
                                                        if e > self.now) - self.now))
        return ok

    def add(self, tok: int) -> None:
        kind = KIND[tok]
        if kind == "p":
            self.pitch = int(PITCH[tok])
        elif kind == "d":
            self.ends[self.pitch] = self.now + int(LENGTH[tok])
            self.top, self.pitch = self.pitch, None
        elif kind == "t":
            self.now += int(LENGTH[tok])
            self.top = -1
        self.last = kind


def sample_tokens(net, n: int, seconds: float, seed: int, temperature: float,
                  rules: Rules | None = None, max_tokens: int = 20000) -> list[list[int]]:
    """n token sequences from <s>, each until it holds ``seconds`` of music (or, without
    ``rules``, until it ends)."""
    rng = np.random.default_rng(seed)
    state = net.initial_state(n)
    token = np.full(n, tokens.START)
    out = [[tokens.START] for _ in range(n)]
    voices = [_Voice() for _ in range(n)]
    done = np.zeros(n, bool)
    target = seconds / tokens.SIXTEENTH_S
    for _ in range(max_tokens):
        logits, state = net.step(token, state)
        logits = np.asarray(logits, np.float64) / temperature
        logits[:, tokens.START] = -np.inf  # never restart mid-piece
        if rules is not None:
            for b in np.flatnonzero(~done):
                logits[b, ~voices[b].allowed(rules, voices[b].now >= target)] = -np.inf
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        token = (p.cumsum(1) > rng.random((n, 1))).argmax(1)
        for b in np.flatnonzero(~done):
            out[b].append(int(token[b]))
            voices[b].add(int(token[b]))
            if token[b] == tokens.END or voices[b].now >= target:
                done[b] = True
        if done.all():
            break
    return out
