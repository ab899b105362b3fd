# Train and generate, generic over the {model} wildcard: the registry knows what each name is.
# Their resources are what a cluster job asks for (profiles/slurm): gpu, mem_mb, runtime
# (minutes), cpus_per_task.


rule train:
    input:
        unpack(model_needs),
        manifest=rules.prepare_data.output.manifest,
        index=rules.make_clips.output.index,
        train=rules.make_clips.output.train,
        test=rules.make_clips.output.test,
    output:
        checkpoint=directory(f"{R}/models/{{model}}/checkpoint"),
    params:
        cfg=model_config,
        state_dir=f"{R}/models/{{model}}/state",
        cache_dir=f"{R}/cache/xla",
    threads: TRAIN_THREADS
    priority: train_priority
    resources:
        gpu=model_gpus,
        mem_mb=8000,
        runtime=60,
        cpus_per_task=lambda wildcards, threads: threads,
    log:
        f"{R}/logs/train/{{model}}.log",
    conda:
        "../../environment.yml"
    benchmark:
        f"{R}/benchmarks/train/{{model}}.tsv"
    script:
        "../scripts/train.py"


rule generate:
    input:
        checkpoint=rules.train.output.checkpoint,
    output:
        samples=directory(f"{R}/samples/{{model}}"),
    params:
        cfg=model_config,
        n=config["generate"]["n_clips"],
        seed=config["generate"]["seed"],
        n_long=config["generate"]["n_long"],
        long_seconds=config["generate"]["long_seconds"],
    priority: UNBLOCKS
    resources:
        mem_mb=4000,
        runtime=30,
        cpus_per_task=1,
    log:
        f"{R}/logs/generate/{{model}}.log",
    conda:
        "../../environment.yml"
    benchmark:
        f"{R}/benchmarks/generate/{{model}}.tsv"
    script:
        "../scripts/generate.py"
