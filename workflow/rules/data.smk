# Data stage: the configured source -> 16 kHz pieces, manifest, split -> fixed-length clips.


rule download_wavegan_piano:
    output:
        archive=f"{R}/data/download/archive",
    params:
        url=config["data"]["wavegan_piano"]["url"],
        sha256=config["data"]["wavegan_piano"]["sha256"],
    log:
        f"{R}/logs/download_wavegan_piano.log",
    benchmark:
        f"{R}/benchmarks/download_wavegan_piano.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/download.py"


rule prepare_data:
    input:
        unpack(prepare_inputs),
    output:
        audio=directory(f"{R}/data/audio"),
        manifest=f"{R}/data/manifest.csv",
        report=f"{R}/data/report.json",
    params:
        data=config["data"],
        clips={"length": config["clips"]["length"]},  # a recording shorter than a clip is skipped
        download_dir=f"{R}/data/download",
    threads: workflow.cores
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        f"{R}/logs/prepare_data.log",
    conda:
        "../../environment.yml"
    benchmark:
        f"{R}/benchmarks/prepare_data.tsv"
    script:
        "../scripts/prepare_data.py"


rule make_clips:
    input:
        manifest=rules.prepare_data.output.manifest,
        audio=rules.prepare_data.output.audio,
    output:
        train=f"{R}/data/clips/train.npy",
        valid=f"{R}/data/clips/valid.npy",
        test=f"{R}/data/clips/test.npy",
        index=f"{R}/data/clips/index.csv",
    params:
        clips=config["clips"],
        silence_db=config["data"]["silence_db"],
    resources:
        mem_mb=4000,
    log:
        f"{R}/logs/make_clips.log",
    benchmark:
        f"{R}/benchmarks/make_clips.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/make_clips.py"


rule stft_moments:
    input:
        train=rules.make_clips.output.train,
    output:
        moments=f"{R}/data/stft_moments.npz",
    priority: 100  # the trainings wait on it
    log:
        f"{R}/logs/stft_moments.log",
    benchmark:
        f"{R}/benchmarks/stft_moments.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/stft_moments.py"


rule note_tokens:
    input:
        manifest=rules.prepare_data.output.manifest,
    output:
        tokens=f"{R}/data/note_tokens.npz",
    params:
        needed_by=needed_by("note_tokens"),  # named in the error if the corpus has no scores
    threads: workflow.cores
    priority: 100  # the trainings wait on it
    log:
        f"{R}/logs/note_tokens.log",
    benchmark:
        f"{R}/benchmarks/note_tokens.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/note_tokens.py"


rule piano_rolls:
    input:
        manifest=rules.prepare_data.output.manifest,
    output:
        rolls=f"{R}/data/piano_rolls.npz",
    params:
        needed_by=needed_by("piano_rolls"),  # named in the error if the corpus has no scores
    threads: workflow.cores
    priority: 100  # the trainings wait on it
    log:
        f"{R}/logs/piano_rolls.log",
    benchmark:
        f"{R}/benchmarks/piano_rolls.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/piano_rolls.py"
