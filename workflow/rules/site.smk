# The website: hand-written pages from docs/ plus pages generated from results, built by MkDocs.
from pathlib import Path


localrules:
    site_pages,
    build_site,


rule site_pages:
    input:
        docs=sorted(str(p) for p in Path("docs").rglob("*") if p.is_file()),
        mkdocs="mkdocs.yml",
        report=rules.prepare_data.output.report,
        index=rules.make_clips.output.index,
        test=rules.make_clips.output.test,
        table=rules.metric_table.output.csv,
        benchmark=rules.benchmark.output.csv,
        published=[str(p) for r in published_runs() for p in sorted(Path(r).rglob("*"))
                   if p.is_file()],
        headline=rules.plot_comparison.output.headline,
        distribution=rules.plot_comparison.output.distribution,
        memorisation=rules.plot_comparison.output.memorisation,
        musicality=rules.plot_comparison.output.musicality,
        learning=rules.plot_learning.output.chart,
        seeds=[rules.plot_seeds.output.chart] if SEEDS_ANSWER else [],
        snapshots=expand(rules.snapshot_metrics.output.rows, model=learners(MODELS)),
        metrics=expand(rules.evaluate.output.metrics, model=MODELS),
        samples=expand(rules.generate.output.samples, model=MODELS),
        checkpoints=expand(rules.train.output.checkpoint, model=MODELS),
        waveplots=expand(rules.plot_model.output.waveplot, model=MODELS),
        scores=expand(rules.scores.output.scores, model=MODELS),
        real_excerpts=rules.real_excerpts.output.excerpts,
        spectrograms=expand(rules.plot_model.output.spectrogram, model=MODELS),
        curves=expand(rules.plot_curves.output.curves, model=with_curves(MODELS)),
        validity=expand(rules.validity.output.rows, degradation=DEGRADATIONS),
        note_level=[rules.note_level.output.rows] if NOTE_MODELS else [],
        validity_charts=rules.plot_validity.output.charts,
        transcriber=[rules.transcriber_check.output.check]
        if config["data"]["source"] == "bach_render"
        else [],  # the scores are the truth: only a rendered corpus has them
    output:
        src=directory(f"{R}/site_src"),
    params:
        preset=config["preset"],
        models=MODELS,
        n_players=config["site"]["n_players"],
        clip_length=config["clips"]["length"],
        published=published_runs(),
        benchmarks=f"{R}/benchmarks",  # every timed job, for the whole run's time
        model_config={m: config[m] for m in MODELS if m in config},  # vs. their papers
        threads=TRAIN_THREADS,
    log:
        f"{R}/logs/site_pages.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/site_pages.py"


rule build_site:
    input:
        src=rules.site_pages.output.src,
    output:
        site=directory(f"{R}/site"),
    log:
        f"{R}/logs/build_site.log",
    conda:
        "../../environment.yml"
    shell:
        "mkdocs build --strict --config-file {input.src}/mkdocs.yml --site-dir"
        " $(realpath -m {output.site}) > {log} 2>&1"
