# Evaluation: features of every set of clips, then each model against the same held-out
# reference clips and the same training clips (models/evaluate/suite.py).


localrules:
    metric_table,


rule reference_features:
    input:
        index=rules.make_clips.output.index,
        test=rules.make_clips.output.test,
    output:
        features=f"{R}/metrics/features/reference.npz",
    params:
        eval=eval_params("max_reference", "seed"),
        sample_rate=config["sample_rate"],
    priority: UNBLOCKS
    resources:
        mem_mb=3000,
    log:
        f"{R}/logs/features/reference.log",
    conda:
        "../../environment.yml"
    benchmark:
        f"{R}/benchmarks/features/reference.tsv"
    script:
        "../scripts/features.py"


rule train_features:
    input:
        index=rules.make_clips.output.index,
        train=rules.make_clips.output.train,
    output:
        features=f"{R}/metrics/features/train.npz",
    params:
        eval=eval_params("max_train", "seed", "ndb_bins", "copy_cells"),
        sample_rate=config["sample_rate"],
    priority: UNBLOCKS
    resources:
        mem_mb=3000,
    log:
        f"{R}/logs/features/train.log",
    conda:
        "../../environment.yml"
    benchmark:
        f"{R}/benchmarks/features/train.tsv"
    script:
        "../scripts/features.py"


rule model_features:
    input:
        samples=rules.generate.output.samples,
    output:
        features=f"{R}/metrics/features/{{model}}.npz",
    params:
        eval=eval_params("seed"),
        sample_rate=config["sample_rate"],
        window=config["clips"]["length"],  # every set is measured on windows this long,
        n_windows=config["generate"]["n_clips"],  # this many of them (suite.windows)
    priority: UNBLOCKS
    resources:
        mem_mb=3000,
    log:
        f"{R}/logs/features/{{model}}.log",
    conda:
        "../../environment.yml"
    benchmark:
        f"{R}/benchmarks/features/{{model}}.tsv"
    script:
        "../scripts/features.py"


rule evaluate:
    input:
        features=rules.model_features.output.features,
        reference=rules.reference_features.output.features,
        train=rules.train_features.output.features,
    output:
        metrics=f"{R}/metrics/{{model}}.json",
    params:
        eval=config["eval"],
    priority: UNBLOCKS
    resources:
        mem_mb=2000,
    log:
        f"{R}/logs/evaluate/{{model}}.log",
    conda:
        "../../environment.yml"
    benchmark:
        f"{R}/benchmarks/evaluate/{{model}}.tsv"
    script:
        "../scripts/evaluate.py"


rule metric_table:
    input:
        metrics=expand(rules.evaluate.output.metrics, model=MODELS),
    output:
        csv=f"{R}/metrics/table.csv",
        md=f"{R}/metrics/table.md",
    log:
        f"{R}/logs/metric_table.log",
    benchmark:
        f"{R}/benchmarks/metric_table.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/metric_table.py"


rule validity:
    input:
        index=rules.make_clips.output.index,
        test=rules.make_clips.output.test,
        clean=expand(rules.model_features.output.features, model="real_heldout"),  # rung 0
        reference=rules.reference_features.output.features,
        train=rules.train_features.output.features,
    output:
        rows=f"{R}/metrics/validity/{{degradation}}.json",
    params:
        eval=config["eval"],
        sample_rate=config["sample_rate"],
        n_clips=config["generate"]["n_clips"],
        seed=config["generate"]["seed"],
    priority: LONG
    resources:
        mem_mb=3000,
    log:
        f"{R}/logs/validity/{{degradation}}.log",
    benchmark:
        f"{R}/benchmarks/validity/{{degradation}}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/validity.py"


rule transcriber_check:
    input:
        manifest=rules.prepare_data.output.manifest,
    output:
        check=f"{R}/metrics/transcriber.json",
    priority: LONG
    resources:
        mem_mb=3000,
    log:
        f"{R}/logs/transcriber_check.log",
    benchmark:
        f"{R}/benchmarks/transcriber_check.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/transcriber_check.py"


rule note_level:
    input:
        samples=expand(rules.generate.output.samples, model=NOTE_MODELS),
        rolls=rules.piano_rolls.output.rolls,
    output:
        rows=f"{R}/metrics/note_level.json",
    params:
        models=NOTE_MODELS,
        eval=config["eval"],
        window=config["clips"]["length"],
        n_windows=config["eval"]["note_windows"],
    resources:
        mem_mb=2000,
    log:
        f"{R}/logs/note_level.log",
    benchmark:
        f"{R}/benchmarks/note_level.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/note_level.py"


rule snapshot_metrics:
    input:
        checkpoint=rules.train.output.checkpoint,
        reference=rules.reference_features.output.features,
        final=rules.evaluate.output.metrics,
    output:
        rows=f"{R}/metrics/snapshots/{{model}}.json",
    params:
        cfg=model_config,
        eval=config["eval"],
        n=config["generate"]["n_clips"],  # the same seeded set as the final model's,
        seed=config["generate"]["seed"],  # cut into the same windows
        window=config["clips"]["length"],
    priority: LONG
    resources:
        mem_mb=3000,
    log:
        f"{R}/logs/snapshot_metrics/{{model}}.log",
    benchmark:
        f"{R}/benchmarks/snapshot_metrics/{{model}}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/snapshot_metrics.py"
