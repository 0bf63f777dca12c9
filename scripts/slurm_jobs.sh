#!/usr/bin/env bash
# Runs the jobs of a split city (gridplan split) as a Slurm job array, one array task per
# row of jobs.tsv. From the jobs folder:
#
#   sbatch --array=1-$(($(wc -l < jobs.tsv) - 1)) /path/to/gridplan/scripts/slurm_jobs.sh
#
# A failed task is rerun with the same --array index; each job writes only its own folder
# (ID/out), so a rerun replaces nothing else. Then: gridplan merge . --out ../city
#SBATCH --job-name=gridplan
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --output=slurm-%A_%a.log
set -euo pipefail

: "${SLURM_ARRAY_TASK_ID:?run this with sbatch --array (see the comment at the top)}"
line=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" jobs.tsv)
if [ -z "$line" ]; then
  echo "slurm_jobs.sh: jobs.tsv has no row $SLURM_ARRAY_TASK_ID" >&2
  exit 2
fi
IFS=$'\t' read -r id name households config out <<<"$line"
echo "district $id ($name, $households households)" >&2
exec gridplan plan "$config" --out "$out" --threads "${SLURM_CPUS_PER_TASK:-1}" --log-json "$id.jsonl"
