"""Bookkeeping shared by every trainer: XLA choice, curves, checkpoints, TensorBoard."""
from __future__ import annotations

import importlib.util
import time
from pathlib import Path

from models.io import atomic_path


def use_jit(setting) -> bool:
    """The `jit_compile` setting of a model config: true, false or auto."""
    if setting != "auto":
        return bool(setting)
    import keras

    backend = keras.backend.backend()
    if backend == "jax":  # XLA is how JAX runs fast, on any device
        return True
    if backend == "tensorflow":  # XLA pays off on a GPU; on CPU it measured 2.5x slower
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    return False  # torch.compile of a GAN step is slow to start and fragile; eager is fine


def native_bf16_cpu() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (x86 AMX or AVX-512 BF16 in
    /proc/cpuinfo's flags; False where that file is not there)."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def use_bf16(setting) -> bool:
    """The `mixed_precision` setting of a model config: true, false or auto. Auto trains in
    mixed_bfloat16 on an accelerator, and on a CPU that computes bfloat16 in hardware under
    TensorFlow (oneDNN): the note GAN's step measured 2.5x faster there on one core (0.26 s
    against 0.65 s, Xeon with AMX, 2026-12-01). Elsewhere float32: a CPU without it emulates
    bfloat16 slower than float32, and JAX and PyTorch on a CPU are unmeasured."""
    if setting != "auto":
        return bool(setting)
    import keras

    if not device_name().startswith("CPU"):
        return True
    return keras.backend.backend() == "tensorflow" and native_bf16_cpu()


# A size limit on JAX's compile cache is what turns on its file lock around each read and write
# (jax/_src/lru_cache.py); without one a process can read a program another is still writing.
COMPILE_CACHE_MAX_BYTES = 16 << 30


def enable_compile_cache(cache_dir) -> None:
    """On JAX, keep compiled XLA programs in ``cache_dir`` (results/<preset>/cache/xla): a rerun,
    a resumed run or the next preset with the same shapes loads them instead of compiling.
    Nothing to do on the other backends."""
    import keras

    if keras.backend.backend() != "jax":
        return
    import jax

    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(cache_dir))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    # train jobs run side by side on one folder: the limit turns on the lock
    jax.config.update("jax_compilation_cache_max_size", COMPILE_CACHE_MAX_BYTES)


def device_name() -> str:
    """The accelerator Keras trains on ('NVIDIA H100 80GB HBM3'), or the CPU's description."""
    import platform

    import keras

    backend = keras.backend.backend()
    try:
        if backend == "jax":
            import jax

            device = jax.devices()[0]
            if device.platform != "cpu":
                return device.device_kind
        elif backend == "torch":
            import torch

            if torch.cuda.is_available():
                return torch.cuda.get_device_name(0)
        elif backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            if gpus:
                return tf.config.experimental.get_device_details(gpus[0]).get("device_name",
                                                                               "GPU")
    except Exception as err:  # a device query must never fail a training run
        print(f"device query failed: {err}")
    try:
        with open("/proc/cpuinfo") as fh:
            names = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
    except OSError:
        names = []
    return f"CPU {names[0] if names else platform.machine()}"


def run_callbacks(trainer, state_dir: Path, start_step: int, log_every: int, ckpt_every: int,
                  sig: str, fields: tuple, max_minutes: float | None = None, snapshot=None
                  ) -> list:
    """Callbacks of a resumable fit() whose epochs are ``log_every`` steps: a row of the logged
    ``fields`` per epoch in ``state_dir/curves.csv`` (rows after ``start_step`` dropped first),
    the training state every ``ckpt_every`` steps, a generator snapshot at the steps of
    ``models.train.snapshots`` (``snapshot(folder)`` writes one), and TensorBoard where it is
    installed.
    With ``max_minutes``, training stops at the first epoch end past that wall time, counted
    from the end of the first step (compilation is not training); the first callback's
    ``reached`` is the last step trained and its ``compile_s`` the first step's seconds."""
    import keras

    from models.train import checkpoint, snapshots

    snapshots.prune(state_dir, start_step)
    curves = state_dir / "curves.csv"
    kept = []
    if start_step and curves.is_file():  # drop rows logged after the state we resume from
        lines = curves.read_text().splitlines()
        kept = [ln for ln in lines[1:] if int(ln.split(",")[0]) <= start_step]
    with atomic_path(curves) as tmp:
        tmp.write_text("\n".join([",".join(("step",) + fields + ("seconds",))] + kept) + "\n")

    began = time.perf_counter()

    class Curves(keras.callbacks.Callback):
        reached = start_step
        compile_s = None

        def on_train_batch_end(self, batch, logs=None):
            nonlocal began
            if self.compile_s is None:  # the first step: tracing, compiling, one step
                self.compile_s = time.perf_counter() - began
                began = time.perf_counter()

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            step = (epoch + 1) * log_every
            row = [step] + [float(logs[k]) for k in fields]
            row.append(time.perf_counter() - self.start)
            with open(curves, "a") as fh:
                fh.write(",".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in row)
                         + "\n")
            self.reached = step
            if snapshot is not None and snapshots.due(step, log_every):
                snapshots.take(state_dir, step, snapshot)
            if step % ckpt_every == 0:
                checkpoint.save(trainer, state_dir, step, sig)
            if max_minutes is not None and time.perf_counter() - began >= 60 * max_minutes:
                print(f"max_minutes ({max_minutes}) reached at step {step}; stopping",
                      flush=True)
                self.model.stop_training = True

    callbacks = [Curves()]
    if all(importlib.util.find_spec(m) for m in ("tensorflow", "tensorboard")):  # tf.summary
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(state_dir / "tensorboard"),
                                                     update_freq="epoch"))
    return callbacks


def check_steps(name: str, mcfg: dict) -> tuple[int, int, int]:
    """(steps, log_every, checkpoint_every) of a model's config, checked to fit together."""
    steps, log_every, ckpt_every = mcfg["steps"], mcfg["log_every"], mcfg["checkpoint_every"]
    if steps % log_every or ckpt_every % log_every:
        raise ValueError(f"config key {name}: steps ({steps}) and checkpoint_every "
                         f"({ckpt_every}) must be multiples of log_every ({log_every})")
    return steps, log_every, ckpt_every


def resume(trainer, name: str, mcfg: dict, state_dir, extra: dict | None = None):
    """The start of every resumable run: (steps, log_every, checkpoint_every, state_dir, the
    settings' signature (``extra`` added), the step the saved state resumes from, 0 if none)."""
    import keras

    from models.train import checkpoint

    steps, log_every, ckpt_every = check_steps(name, mcfg)
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    sig = checkpoint.signature(mcfg, {"model": name, "backend": keras.backend.backend(),
                                      **(extra or {})})
    return steps, log_every, ckpt_every, state_dir, sig, checkpoint.load(trainer, state_dir, sig)


def last_snapshot(state_dir, reached: int, snapshot) -> None:
    """The snapshot of the last step trained, where the schedule did not take one."""
    from models.train import snapshots

    if snapshot is not None and reached and not snapshots.folder(state_dir, reached).is_dir():
        snapshots.take(state_dir, reached, snapshot)


def fit_resumable(trainer, make_data, name: str, mcfg: dict, state_dir, fields: tuple,
                  snapshot=None) -> tuple[int, int, float | None]:
    """fit() ``trainer`` to ``mcfg["steps"]`` steps, resuming from ``state_dir`` when its saved
    state comes from the same settings; returns (the step it started from, the step reached:
    ``steps`` unless ``mcfg["max_minutes"]`` stopped it earlier, the seconds of the first step:
    compilation and one step; None when nothing was left to train).

    ``make_data(first_epoch)`` gives the PyDataset of batches from that epoch on; one epoch is
    ``log_every`` steps, the state is saved every ``checkpoint_every`` steps and at the end;
    ``snapshot(folder)`` writes a generator snapshot (see ``run_callbacks``).
    """
    from models.train import checkpoint

    steps, log_every, ckpt_every, state_dir, sig, start = resume(trainer, name, mcfg, state_dir)
    reached, compile_s = start, None
    if start < steps:
        callbacks = run_callbacks(trainer, state_dir, start, log_every, ckpt_every, sig, fields,
                                  mcfg.get("max_minutes"), snapshot)
        trainer.fit(make_data(start // log_every), epochs=steps // log_every,
                    initial_epoch=start // log_every, verbose=2, callbacks=callbacks)
        reached, compile_s = callbacks[0].reached, callbacks[0].compile_s
        if reached % ckpt_every:
            checkpoint.save(trainer, state_dir, reached, sig)
        last_snapshot(state_dir, reached, snapshot)
    return start, reached, compile_s


def save_weights(model, path) -> None:
    """A model's weights as one .npz (arr_0, arr_1, ... in get_weights() order), atomically."""
    import numpy as np

    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, *[np.asarray(w, np.float32) for w in model.get_weights()])


def weights_snapshot(model, weights: str):
    """The ``snapshot`` of a run that generates from ``model``'s own weights."""
    return lambda folder: save_weights(model, Path(folder) / weights)


def load_weights(model, path) -> None:
    import numpy as np

    with np.load(path) as saved:
        model.set_weights([saved[f"arr_{i}"] for i in range(len(saved.files))])


def step_batches(make_batch, steps_per_epoch: int, first_epoch: int):
    """A keras PyDataset whose item i of epoch e is ``make_batch(e * steps_per_epoch + i)``:
    every batch a function of its global step, so a resumed fit() sees what an uninterrupted
    one would have."""
    import keras

    class StepBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(workers=1, use_multiprocessing=False)
            self.epoch = first_epoch

        def __len__(self):
            return steps_per_epoch

        def __getitem__(self, i):
            return make_batch(self.epoch * steps_per_epoch + i)

        def on_epoch_end(self):
            self.epoch += 1

    return StepBatches()


def compile_supervised(model, mcfg: dict, loss) -> None:
    """Adam at ``mcfg["lr"]`` and ``loss``, with its variables built so a saved state can load."""
    import keras

    model.compile(optimizer=keras.optimizers.Adam(mcfg["lr"]), loss=loss,
                  jit_compile=use_jit(mcfg["jit_compile"]))
    model.optimizer.build(model.trainable_variables)


def write_checkpoint(model, ckpt_dir, state_dir, mcfg: dict, weights: str) -> None:
    """What generation needs: ``weights`` (.npz of ``model``), the curves and the settings,
    and the run's snapshots (``models.train.snapshots``)."""
    import shutil

    from models.io import write_json
    from models.train import snapshots

    save_weights(model, Path(ckpt_dir) / weights)
    snapshots.publish(state_dir, ckpt_dir, {k: mcfg[k] for k in sorted(mcfg)})
    shutil.copy(Path(state_dir) / "curves.csv", Path(ckpt_dir) / "curves.csv")
    write_json(Path(ckpt_dir) / "network.json", {k: mcfg[k] for k in sorted(mcfg)})
