# Evaluation: every model's clips against the same held-out reference clips.


rule reference_stats:
    input:
        index=rules.make_clips.output.index,
        test=rules.make_clips.output.test,
    output:
        stats=f"{R}/metrics/reference_stats.npz",
    params:
        eval=config["eval"],
    log:
        f"{R}/logs/reference_stats.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/reference_stats.py"


rule evaluate:
    input:
        samples=rules.generate.output.samples,
        reference=rules.reference_stats.output.stats,
    output:
        metrics=f"{R}/metrics/{{model}}.json",
    params:
        eval=config["eval"],
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
    conda:
        "../../environment.yml"
    script:
        "../scripts/metric_table.py"
