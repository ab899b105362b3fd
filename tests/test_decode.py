"""Decoding note tokens under the token grammar and the chorales' rules."""
import numpy as np

from models.data import tokens
from models.seq import decode


class Eager:
    """A 'model' that wants to end at once, strike C4 over and over and leap to MIDI 100."""

    def initial_state(self, batch):
        return None

    def step(self, token, state):
        logits = np.zeros((len(token), len(tokens.VOCAB)))
        logits[:, tokens.END] = 8.0
        logits[:, tokens.INDEX["p60"]] = 6.0
        logits[:, tokens.INDEX["p100"]] = 5.0
        logits[:, tokens.INDEX["t16"]] = 4.0
        return logits, state


def sounding(notes, t):
    return [p for s, p, d in notes if s <= t < s + d]


def test_free_sampling_shows_the_faults_the_rules_remove():
    free = decode.sample_tokens(Eager(), 8, 4.0, seed=0, temperature=1.0)
    assert any(tokens.seconds_of(q) < 1.0 for q in free)      # ends at once
    ruled = decode.sample_tokens(Eager(), 8, 4.0, seed=0, temperature=1.0,
                                 rules=decode.Rules(voices=4, pitch_range=(36, 81)))
    for q in ruled:
        notes = tokens.detokenize(q)
        assert tokens.END not in q[1:] and tokens.seconds_of(q) >= 4.0   # filled
        assert all(36 <= p <= 81 for _, p, _ in notes)
        grid = np.arange(0, 4.0, tokens.SIXTEENTH_S)
        held = [sounding(notes, t) for t in grid]
        assert all(1 <= len(h) <= 4 for h in held)                        # no silence, <= 4
        assert all(len(h) == len(set(h)) for h in held)                   # no pitch twice
        assert sum(1 for t in q if t >= 0 and tokens.VOCAB[t][0] == "p") == len(notes)


def test_the_training_notes_set_the_range():
    stream = [tokens.START, tokens.INDEX["p48"], tokens.INDEX["d4"], tokens.INDEX["p72"],
              tokens.INDEX["d4"], tokens.END]
    assert decode.pitch_range(np.array(stream)) == (48, 72)
