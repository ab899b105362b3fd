"""The benchmark's arithmetic (FLOPs, rates, utilisation), training budgets, and provenance."""
import csv
import json
import os

import keras
import numpy as np
import pytest

from models.report import benchmark, provenance, runtime
from models.train import flops
from models.train.loop import fit_resumable


def test_flops_of_dense_conv_and_recurrent_layers_match_hand_counts():
    x = keras.Input((10, 8))
    h = keras.layers.Dense(16)(x)                                   # 10 positions x 8 x 16
    h = keras.layers.Conv1D(4, 3, padding="same")(h)                # (10 x 3 - 2) taps x 16 x 4
    h = keras.layers.LSTM(5, return_sequences=True)(h)              # 10 x 4 gates x 5 x (4 + 5)
    h = keras.layers.RNN(keras.layers.SimpleRNNCell(3))(h)          # 10 x 3 x (5 + 3)
    model = keras.Model(x, h)
    counts = [flops.layer_flops(layer) for layer in model.layers]
    assert counts == [0, 2 * 10 * 8 * 16, 2 * 28 * 16 * 4, 2 * 10 * 4 * 5 * 9,
                      2 * 10 * 3 * 8]
    # no input gradient for the layer that reads the data
    assert flops.supervised_step_flops(model, 7) == 7 * (3 * sum(counts) - counts[1])


def test_variable_length_input_needs_timesteps():
    tokens = keras.Input((None,), dtype="int32")
    h = keras.layers.Embedding(20, 6)(tokens)
    model = keras.Model(tokens, keras.layers.LSTM(4, return_sequences=True)(h))
    with pytest.raises(ValueError, match="timesteps"):
        flops.model_flops(model)
    assert flops.model_flops(model, timesteps=32) == 2 * 32 * 4 * 4 * (6 + 4)


def test_gan_step_counts_critic_updates_and_generator_update():
    z = keras.Input((2,))
    g = keras.Model(z, keras.layers.Dense(3)(z))
    x = keras.Input((3,))
    c = keras.Model(x, keras.layers.Dense(1)(x))
    gf, cf = 2 * 2 * 3, 2 * 3 * 1  # each network's one layer reads its input
    assert flops.gan_step_flops(g, c, batch=4, n_critic=5) == 4 * (5 * (gf + 10 * cf - 2 * cf)
                                                                   + 3 * gf - gf + 2 * cf)


def write_curves(path, seconds):
    with open(path, "w") as fh:
        fh.write("step,loss,seconds\n")
        for i, s in enumerate(seconds):
            fh.write(f"{(i + 1) * 10},1.0,{s}\n")


def test_rate_leaves_out_the_compile_row_and_utilisation_uses_the_precision_peak(tmp_path):
    write_curves(tmp_path / "curves.csv", [30.0, 2.0, 2.0, 4.0])   # compile, then 10 steps / 2 s
    assert benchmark.curve_rate(tmp_path / "curves.csv", 10) == (5.0, 30.0)
    meta = {"batch": 8, "flops_per_step": 2e13, "device": "NVIDIA H100 80GB HBM3",
            "precision": "mixed_bfloat16", "steps": 40, "parameters": {"g": 3, "c": 4},
            "clip_length": 16000, "backend": "jax", "train_s": 120}
    clips = {"sample_rate": 16000, "clips": ["a"] * 10, "generate_s": 2.0}
    row = benchmark.model_row("m", meta, tmp_path / "curves.csv", 10, clips)
    assert row["steps_per_s"] == 5.0 and row["examples_per_s"] == 40.0
    assert row["realtime_x"] == pytest.approx(5.0) and row["gen_cold_s"] is None
    timed = {**clips, "render": {"cold_s": 1.5, "forward_s": 0.01, "post_s": 0.03,
                                 "clips": 40}}  # 40 s of audio in 0.04 s, once warm
    steady = benchmark.model_row("m", {**meta, "compile_s": 12.0}, tmp_path / "curves.csv", 10,
                                 timed)
    assert steady["realtime_x"] == pytest.approx(1000.0) and steady["gen_cold_s"] == 1.5
    assert steady["compile_s"] == 12.0
    assert row["achieved_tflops"] == pytest.approx(100.0)
    assert row["utilisation"] == pytest.approx(100.0 / 989.4)
    assert row["realtime_x"] == pytest.approx(5.0) and row["params"] == 7
    cpu = benchmark.model_row("m", {**meta, "device": "CPU AMD EPYC", "precision": "float32"},
                              tmp_path / "curves.csv", 10, clips)
    assert cpu["peak_tflops"] is None and cpu["utilisation"] is None
    assert benchmark.peak_tflops("NVIDIA H100 80GB HBM3", "float32") == 494.7
    page = benchmark.benchmark_page([{k: benchmark._fmt(v) for k, v in row.items()}], "", "gpu")
    # no compile time and no cold start measured: no all-'–' columns for them
    assert "| m | mixed_bfloat16 | 8 | 40 | 5 | 40 | 2 | 2 |" in page
    heads = [ln for ln in page.splitlines() if ln.startswith("| model |")]
    assert len(heads) == 3 and not any("compile" in h or "cold start" in h for h in heads)
    # 20 TFLOP a step, 100 TFLOP/s, 40 steps; 10.1% of the H100's bf16 peak
    assert "| m | 20 TFLOP | 100 TFLOP/s | 800 TFLOP | 10.1% |" in page
    page = benchmark.benchmark_page([{k: benchmark._fmt(v) for k, v in steady.items()}], "", "")
    assert "| 12 | 2 | 2 |" in page and "| m | 40 | 40 | 1.5 | 1,000 |" in page
    cpu_page = benchmark.benchmark_page([{k: benchmark._fmt(v) for k, v in cpu.items()}], "", "")
    assert "utilisation |" not in cpu_page and "H100" not in cpu_page   # no GPU peak on a CPU
    assert "| m | 20 TFLOP | 100 TFLOP/s | 800 TFLOP |" in cpu_page


def tiny_trainer():
    keras.utils.set_random_seed(0)
    x = keras.Input((4,))
    model = keras.Model(x, keras.layers.Dense(1)(x))
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    return model


def batches(first_epoch, log_every=5):
    rng = np.random.default_rng(first_epoch)

    class Data(keras.utils.PyDataset):
        def __len__(self):
            return log_every

        def __getitem__(self, i):
            x = rng.normal(size=(8, 4)).astype("float32")
            return x, x.sum(1, keepdims=True)

    return Data()


def test_max_minutes_stops_at_a_row_saves_it_and_a_rerun_goes_on(tmp_path):
    cfg = {"steps": 20, "log_every": 5, "checkpoint_every": 10, "max_minutes": 1e-9}
    start, reached, compile_s = fit_resumable(tiny_trainer(), batches, "tiny", cfg, tmp_path,
                                              ("loss",))
    assert (start, reached) == (0, 5) and compile_s > 0  # the clock starts after step 1
    rows = list(csv.DictReader(open(tmp_path / "curves.csv")))
    assert [r["step"] for r in rows] == ["5"]
    with np.load(tmp_path / "state.npz") as state:
        assert int(state["step"]) == 5
    start, reached, _ = fit_resumable(tiny_trainer(), batches, "tiny",
                                      {**cfg, "max_minutes": None}, tmp_path, ("loss",))
    assert (start, reached) == (5, 20)
    assert [r["step"] for r in csv.DictReader(open(tmp_path / "curves.csv"))] == \
        ["5", "10", "15", "20"]


def test_provenance_reads_rule_times_and_trained_models(tmp_path):
    run = tmp_path / "gpu"
    (run / "benchmarks" / "train").mkdir(parents=True)
    for job, s in (("wavegan", 61.5), ("lstm", 30.0)):
        (run / "benchmarks" / "train" / f"{job}.tsv").write_text(f"s\th:m:s\n{s}\t0:01:01\n")
    (run / "benchmarks" / "prepare_data.tsv").write_text("s\th:m:s\n12.0\t0:00:12\n")
    ckpt = run / "models" / "wavegan" / "checkpoint"
    ckpt.mkdir(parents=True)
    (ckpt / "model.json").write_text(json.dumps(
        {"backend": "jax", "device": "NVIDIA H100 80GB HBM3", "precision": "mixed_bfloat16",
         "steps": 400, "batch": 64, "train_s": 61.0}))
    prov = provenance.collect(run, "abc", 300.0, "snakemake ...", ["noise", "wavegan"])
    assert prov["rules"] == {"prepare_data": {"prepare_data": 12.0},
                             "train": {"lstm": 30.0, "wavegan": 61.5}}
    assert list(prov["trained"]) == ["wavegan"] and prov["device"] == "NVIDIA H100 80GB HBM3"
    page = provenance.provenance_page(prov, "")
    assert "| train | 2 | 91.5 | wavegan (61.5 s) |" in page and "**5.0 min**" in page


def test_run_timing_is_the_union_of_the_jobs_and_the_page_says_it(tmp_path):
    bench = tmp_path / "benchmarks"
    (bench / "train").mkdir(parents=True)
    # (file, wall s, cpu s, end): data 0-10; two trainings side by side 10-40 and 12-30; a
    # rebuild an hour later 3600-3605. Busy: 10 + 30 + 5 s.
    jobs = (("prepare_data.tsv", 10, 9, 10), ("train/a.tsv", 30, 50, 40),
            ("train/b.tsv", 18, 18, 30), ("plot_comparison.tsv", 5, 4, 3605))
    for name, s, cpu, end in jobs:
        (bench / name).write_text(f"s\th:m:s\tcpu_time\n{s}\t0:00:{s}\t{cpu}\n")
        os.utime(bench / name, (1e9 + end, 1e9 + end))
    run = runtime.run_timing(bench)
    assert {k: run[k] for k in ("jobs", "busy_s", "cpu_s")} == \
        {"jobs": 4, "busy_s": pytest.approx(45.0), "cpu_s": 81.0}
    assert run["stages"]["train"] == {"jobs": 2, "busy_s": pytest.approx(30.0),
                                      "job_s": 48.0, "cpu_s": 68.0}
    assert run["stages"]["data"]["busy_s"] == pytest.approx(10.0)
    assert runtime.run_timing(tmp_path / "none") is None
    machine = {"cpus": 2, "cpu": "Test CPU", "load": [3.5, 2.0, 1.0]}
    page = benchmark.benchmark_page([], "", "smoke", run, machine)
    assert "**45 s** of wall time" in page and "4 timed jobs" in page
    assert "81 CPU-seconds: 1.80 of the machine's 2 cores" in page
    assert "3.50 / 2.00 / 1.00 (1, 5, 15 min) on 2 cores" in page
    assert "The whole run" not in benchmark.benchmark_page([], "", "smoke")
    assert "| train | 2 | 30 | 48 | 68 |" in page and "| **whole run** | 4 | **45** |" in page
    assert set(runtime.machine_load()) == {"cpus", "cpu", "load"}
    readme = ("| preset | for | data | time |\n|---|---|---|---|\n"
              "| `smoke` | CI | toy | old |\n| `quick` (default) | laptop | all | ~20 min |\n")
    cell = runtime.readme_cell(run, machine)
    assert cell.startswith("0.8 min of jobs on 2 cores of Test CPU (its benchmark page, 2001-")
    new = runtime.update_readme(readme, "quick", cell)
    assert f"| `quick` (default) | laptop | all | {cell} |" in new and "| old |" in new
    with pytest.raises(ValueError, match="no row for the preset 'gpu'"):
        runtime.update_readme(readme, "gpu", cell)
