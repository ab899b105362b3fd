# Figures per model: waveforms and log-mel spectrograms of its clips beside a real one.


localrules:
    plot_model,
    plot_curves,


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
        eval=config["eval"],
    log:
        f"{R}/logs/plots/{{model}}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_model.py"


rule plot_curves:
    input:
        checkpoint=rules.train.output.checkpoint,
    output:
        curves=f"{R}/plots/{{model}}/curves.png",
    log:
        f"{R}/logs/plots/{{model}}_curves.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_curves.py"
