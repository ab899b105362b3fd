"""What each model's paper did, setting by setting, for the "differences from the papers" table.

``RECIPES`` holds, for every registered model that has a paper, its recipe as ``Setting``s
(facts from shared/reference/). A setting with config ``keys`` is a difference only where the
run's configuration does not hold the paper's values, so the table follows the config; one
without keys is a difference in the code itself, listed until the code has it and the setting
gets a key. Baselines have no paper and no rows.
"""
from __future__ import annotations

from dataclasses import dataclass

BUDGET = "sized to this preset's compute; the `paper` preset uses the paper's values"


@dataclass(frozen=True)
class Setting:
    what: str                    # the setting, in words
    paper: tuple | str           # the paper's values, one per key (or words, without keys)
    why: str                     # why the project differs where it does
    keys: tuple = ()             # config keys that restore the paper's choice
    ours: str = ""               # without keys: what the code does instead

    def differs(self, mcfg: dict) -> bool:
        return not self.keys or any(mcfg.get(k) != v for k, v in zip(self.keys, self.paper))

    def row(self, model: str, mcfg: dict) -> dict:
        """The table row: what, paper, ours, why, key (only the keys that differ)."""
        if not self.keys:
            return {"model": model, "what": self.what, "paper": self.paper, "ours": self.ours,
                    "why": self.why, "key": ""}
        pairs = [(k, v) for k, v in zip(self.keys, self.paper) if mcfg.get(k) != v]
        return {"model": model, "what": self.what,
                "paper": ", ".join(f"{k} {shown(v)}" for k, v in pairs),
                "ours": ", ".join(f"{k} {shown(mcfg.get(k))}" for k, _ in pairs),
                "why": self.why,
                "key": ", ".join(f"`{model}.{k}: {shown(v)}`" for k, v in pairs)}


def shown(v) -> str:
    """A config value as the table shows it."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return str(v).lower()
    return f"{v:,}" if isinstance(v, int) and abs(v) >= 10000 else str(v)


def differences(cfg: dict, models) -> list[dict]:
    """Rows of every setting in which the run's ``models`` differ from their papers."""
    return [setting.row(name, cfg.get(name, {})) for name in models
            for setting in RECIPES.get(name, ()) if setting.differs(cfg.get(name, {}))]


CHANGED = "changed from the paper's value in this run's configuration"
WGAN_GP = Setting("WGAN-GP training", (5, 10.0, 0.0, 0.0001, 0.5, 0.9, 100, "uniform"), CHANGED,
                  ("n_critic", "gp_weight", "drift", "lr", "beta1", "beta2", "latent_dim",
                   "latent"))
SAMPLERNN = (
    Setting("truncated BPTT: each row walks a long sequence (8 s), the state carried",
            (8.0,), CHANGED, ("sequence_seconds",)),
    Setting("size and budget", (1024, 1024, 256, 128, 100000), BUDGET,
            ("units", "hidden", "embedding", "batch", "steps")),
)
SEED = (
    Setting("audio", "48 kHz stereo, one model per channel", "every model here reads the same "
            "16 kHz mono corpus", ours="16 kHz mono, one model"),
    Setting("training steps", (64000,), BUDGET, ("steps",)),
)
RECIPES = {
    "wavegan": (
        Setting("size and budget", (64, 64, 200000), BUDGET, ("d", "batch", "steps")),
        WGAN_GP,
        Setting("phase shuffle and upsampling", (2, "zeros"), CHANGED,
                ("phase_shuffle", "upsample")),
    ),
    "wavegan_long": (
        Setting("size and budget (the reference README's d for long slices)",
                (32, 64, 200000), BUDGET, ("d", "batch", "steps")),
        WGAN_GP,
        Setting("phase shuffle and upsampling", (2, "zeros"), CHANGED,
                ("phase_shuffle", "upsample")),
    ),
    "specgan": (
        Setting("size and budget", (64, 64, 200000), BUDGET, ("d", "batch", "steps")),
        WGAN_GP,
    ),
    "gansynth": (
        Setting("size and budget (11M images at batch 8)", (64, 8, 1400000), BUDGET,
                ("d", "batch", "steps")),
        Setting("progressive GAN training", (1, "normal", 256, 0.0008, 0.0, 0.99), CHANGED,
                ("n_critic", "latent", "latent_dim", "lr", "beta1", "beta2")),
        Setting("representation: IF-Mel + H", (2048, True), CHANGED, ("frame", "mel")),
        Setting("progressive growing: 7 resolutions from 2 x 16, each block faded in", (True,),
                "its schedule is set in steps and this preset's budget in minutes (on the "
                "quick preset, where both are steps, it helped: see the GANSynth section)",
                ("progressive",)),
        Setting("drift penalty on the critic's real scores", (0.001,), CHANGED, ("drift",)),
        Setting("generator weights averaged for generation (EMA)", (0.999,),
                "an average over the last ~1,000 steps lags a short run: the CPU presets make "
                "a few hundred steps, and a budget in minutes an unknown number",
                ("ema",)),
        Setting("pitch conditioning", "one-hot pitch joined to the latent (NSynth notes)",
                "Bach clips are polyphonic: there is no single pitch to condition on",
                ours="unconditional"),
    ),
    "lstm": SAMPLERNN + (
        Setting("frame-tier cell", "GRU", "the study compares LSTMs, as the seed did",
                ours="LSTM"),
    ),
    "rnn": SAMPLERNN + (
        Setting("frame-tier cell", "GRU", "the seed's plain RNN, beside its LSTM",
                ours="SimpleRNN (tanh)"),
    ),
    "lstm_seed": SEED,
    "lstm_seed_teacher": SEED,
    "notes_gan": (  # MuseGAN's default config (salu133445/musegan) and paper
        Setting("budget", (64, 50000), BUDGET, ("batch", "steps")),
        Setting("WGAN-GP training", (5, 10.0, 0.001, 0.5, 0.9, 128, "normal"), CHANGED,
                ("n_critic", "gp_weight", "lr", "beta1", "beta2", "latent_dim", "latent")),
        Setting("tracks and grid", "5 instrument tracks; 4 bars of 48 steps (12 per beat) x "
                "84 pitches; one binary channel",
                "four chorale voices on one keyboard; a sixteenth grid is the scores' finest "
                "common value; a binary roll cannot hold repeated notes (a fifth of the "
                "chorales' notes)", ours="one track; `bars` bars of 16 sixteenths x 48 pitches; "
                "sounding and onset channels"),
        Setting("generator", "a shared temporal generator and one bar generator per track, "
                "batch norm; learning rate decayed to 0 from step 45,000",
                "one track has nothing to share between tracks; the shared trainer keeps one "
                "learning rate", ours="one DCGAN generator over the whole window, no batch "
                "norm, a constant learning rate"),
    ),
    "notes_lstm": (
        Setting("size (Classical-Piano-Composer)", (512, 3, 128), BUDGET,
                ("units", "layers", "batch")),
        Setting("tokens and window", "pitch names of the first part only, no durations; "
                "windows of 100", "all four voices with durations and offsets, as its users "
                "asked; such tokens need a longer window for the same span of music",
                ours="every voice, durations and offsets; windows of `window` tokens"),
        Setting("decoding and optimiser", "greedy argmax; RMSprop",
                "argmax collapses onto one repeated note (its users' commonest complaint)",
                ours="sampling with a temperature; Adam"),
        Setting("decoding rules", (False,), "sampled freely, the quick preset's clips ended "
                "early, fell silent, stacked 5 to 11 notes and left the chorales' range "
                "(2026-12-02): faults of decoding, not of learning", ("rules",)),
    ),
}
