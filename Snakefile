# bachgen: raw Bach audio -> clips -> models -> samples -> metrics -> plots -> website.
# `snakemake --cores all` builds the site of the preset in config/config.yaml (quick);
# `--config preset=smoke` (or gpu, paper) picks another; outputs go to results/<preset>/.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/benchmark.smk"
include: "workflow/rules/site.smk"


rule all:
    input:
        rules.build_site.output.site,
        rules.metric_table.output.csv,
    default_target: True
