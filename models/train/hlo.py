"""The JAX-lowered training step as XLA sees it: its FLOP count (XLA's cost analysis) and the
operations that keep it off the fast paths (input-dilated convolutions, gathers, scatters).

Used by the FLOP-count tests (the analytic count in models/train/flops.py is checked against
XLA's) and by tools/benchmark_gan.py. JAX only: the lowering is JAX's; no device is needed.
"""
from __future__ import annotations

import re


def trainer_state(trainer) -> tuple:
    """(trainable, non-trainable, optimizer, metrics) variable values of a compiled trainer, as
    Keras's JAX trainer threads them through its step."""
    values = lambda vs: [v.value for v in vs]  # noqa: E731
    return (values(trainer.trainable_variables), values(trainer.non_trainable_variables),
            values(trainer.optimizer.variables), values(trainer.metrics_variables))


def lower_train_step(trainer, data):
    """``trainer.train_step`` for one batch ``data``, jitted and lowered (not compiled)."""
    import jax

    step = jax.jit(lambda state, data: trainer.train_step(state, data))
    return step.lower(trainer_state(trainer), data)


def xla_flops(lowered) -> float:
    """FLOPs of a lowered step by XLA's own cost analysis of the module as lowered: what the
    model asks for, before XLA's passes rewrite it for one backend, and with no compile (the
    compiled module's count was within 1.2 % of it for WaveGAN, SpecGAN and GANSynth's steps,
    2026-12-08, and compiling cost 6-15 s a step)."""
    cost = lowered.cost_analysis()
    if isinstance(cost, (list, tuple)):  # older jax: one dict per device program
        cost = cost[0]
    return float(cost["flops"])


CONV = re.compile(r"= [^=]*? convolution\((.*)$", re.M)


def hlo_counts(hlo_text: str) -> dict:
    """Counts of the operations in HLO text (a step as lowered, ``step_report``) that matter for
    speed: convolutions, those with input (lhs) dilation > 1, gathers and scatters."""
    convs = CONV.findall(hlo_text)
    dilated = 0
    for line in convs:
        m = re.search(r"lhs_dilate=([0-9x]+)", line)
        if m and any(int(v) > 1 for v in m.group(1).split("x")):
            dilated += 1
    count = lambda op: len(re.findall(rf"= [^=]*? {op}\(", hlo_text))  # noqa: E731
    return {"convolutions": len(convs), "lhs_dilated": dilated, "gathers": count("gather"),
            "scatters": count("scatter")}


def step_report(trainer, data) -> dict:
    """XLA FLOPs and HLO counts of one training step (the module as lowered, before XLA's own
    rewrites, so that what the model asks for is counted, not a backend's choice)."""
    lowered = lower_train_step(trainer, data)
    text = lowered.as_text(dialect="hlo")
    return {"xla_flops": xla_flops(lowered), **hlo_counts(text)}
