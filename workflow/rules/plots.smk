# Figures per model: waveforms and log-mel spectrograms of its clips beside a real one.


localrules:
    plot_model,
    plot_curves,
    plot_comparison,
    plot_learning,
    plot_seeds,
    plot_validity,
    scores,
    real_excerpts,


rule plot_model:
    input:
        samples=rules.generate.output.samples,
        index=rules.make_clips.output.index,
        test=rules.make_clips.output.test,
    output:
        waveplot=f"{R}/plots/{{model}}/waveplot.png",
        spectrogram=f"{R}/plots/{{model}}/spectrogram.png",
    params:
        n=config["plots"]["n_clips"],
        eval=eval_params(),
    log:
        f"{R}/logs/plots/{{model}}.log",
    benchmark:
        f"{R}/benchmarks/plot_model/{{model}}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_model.py"


rule scores:
    input:
        samples=rules.generate.output.samples,
    output:
        scores=directory(f"{R}/scores/{{model}}"),
    params:
        n=LISTENED,
        sample_rate=config["sample_rate"],
    log:
        f"{R}/logs/scores/{{model}}.log",
    benchmark:
        f"{R}/benchmarks/scores/{{model}}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/scores.py"


rule real_excerpts:
    input:
        manifest=rules.prepare_data.output.manifest,
        samples=expand(rules.generate.output.samples, model=MODELS),
    output:
        excerpts=directory(f"{R}/plots/real_excerpts"),
    params:
        long_seconds=config["generate"]["long_seconds"],
        sample_rate=config["sample_rate"],
    log:
        f"{R}/logs/plots/real_excerpts.log",
    benchmark:
        f"{R}/benchmarks/real_excerpts.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/real_excerpts.py"


rule plot_curves:
    input:
        checkpoint=rules.train.output.checkpoint,
    output:
        curves=f"{R}/plots/{{model}}/curves.png",
    log:
        f"{R}/logs/plots/{{model}}_curves.log",
    benchmark:
        f"{R}/benchmarks/plot_curves/{{model}}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_curves.py"


rule plot_comparison:
    input:
        metrics=expand(rules.evaluate.output.metrics, model=MODELS),
        table=rules.metric_table.output.csv,
    output:
        headline=f"{R}/plots/comparison/headline.png",
        distribution=f"{R}/plots/comparison/distribution.png",
        memorisation=f"{R}/plots/comparison/memorisation.png",
        musicality=f"{R}/plots/comparison/musicality.png",
    log:
        f"{R}/logs/plots/comparison.log",
    benchmark:
        f"{R}/benchmarks/plot_comparison.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_comparison.py"


rule plot_validity:
    input:
        rows=expand(rules.validity.output.rows, degradation=DEGRADATIONS),
    output:
        csv=f"{R}/metrics/validity.csv",
        charts=expand(f"{R}/plots/validity/{{degradation}}.png", degradation=DEGRADATIONS),
    params:
        degradations=DEGRADATIONS,
    log:
        f"{R}/logs/plots/validity.log",
    benchmark:
        f"{R}/benchmarks/plot_validity.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_validity.py"



rule plot_seeds:
    input:
        snapshots=expand(rules.snapshot_metrics.output.rows, model=learners(MODELS)),
        table=rules.metric_table.output.csv,
    output:
        chart=f"{R}/plots/comparison/seeds.png",
    params:
        models=MODELS,
        threads=TRAIN_THREADS,
    log:
        f"{R}/logs/plots/seeds.log",
    benchmark:
        f"{R}/benchmarks/plot_seeds.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_seeds.py"


rule plot_learning:
    input:
        snapshots=expand(rules.snapshot_metrics.output.rows, model=learners(MODELS)),
        table=rules.metric_table.output.csv,
    output:
        chart=f"{R}/plots/comparison/learning.png",
    log:
        f"{R}/logs/plots/learning.log",
    benchmark:
        f"{R}/benchmarks/plot_learning.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_learning.py"
