# Speed of every trained model (from its own run: curves, model.json, clips.json) and the run's
# provenance (commit, backend, device, date, wall time per rule); both are shown on the site.


localrules:
    benchmark,


rule benchmark:
    input:
        checkpoints=expand(rules.train.output.checkpoint, model=with_curves(MODELS)),
        samples=expand(rules.generate.output.samples, model=with_curves(MODELS)),
    output:
        csv=f"{R}/benchmark.csv",
    params:
        models=with_curves(MODELS),
        log_every={m: config[m]["log_every"] for m in with_curves(MODELS)},
        threads=TRAIN_THREADS,
    log:
        f"{R}/logs/benchmark.log",
    benchmark:
        f"{R}/benchmarks/benchmark.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/benchmark.py"
