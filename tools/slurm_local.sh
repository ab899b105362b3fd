#!/usr/bin/env bash
# A one-node SLURM cluster on 127.0.0.1 in a scratch folder, for testing profiles/slurm.
#
#   tools/slurm_local.sh start DIR    # writes DIR/slurm.conf, starts munged, slurmctld, slurmd
#   export PATH=DIR/bin:$PATH         # srun, sbatch, squeue, ... that find this cluster
#   tools/slurm_local.sh stop DIR     # stops them (DIR stays, with the daemons' logs)
#
# Needs Debian's slurmctld, slurmd, slurm-client and munge (tools/install.sh --slurm installs
# them). Everything lives in DIR: munge key and socket, spool, state, pid and log files; the
# ports are picked free. Clients find the cluster through SLURM_CONF=DIR/slurm.conf. No
# accounting database: job state comes from squeue (MinJobAge keeps finished jobs listed for a
# day), which is how profiles/slurm asks the executor plugin to poll.
set -euo pipefail
action=${1:?start or stop} dir=${2:?scratch folder}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

stop() {
    for pidfile in slurmd.pid slurmctld.pid munged.pid; do
        [[ -f $dir/$pidfile ]] || continue
        pid=$(cat "$dir/$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/$pidfile"
    done
}

if [[ $action == stop ]]; then stop; exit 0; fi
[[ $action == start ]] || { echo "slurm_local.sh: unknown action '$action' (start or stop)" >&2; exit 2; }
for cmd in munged slurmctld slurmd sbatch squeue; do
    command -v "$cmd" >/dev/null || PATH=$PATH:/usr/sbin
    command -v "$cmd" >/dev/null || { echo "slurm_local.sh: '$cmd' not found: install slurmctld slurmd slurm-client munge (tools/install.sh --slurm)" >&2; exit 3; }
done
stop  # a previous cluster in the same folder

chmod 700 "$dir"
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 700 "$dir/munge"
[[ -f $dir/munge/munge.key ]] || { head -c 1024 /dev/urandom > "$dir/munge/munge.key"; chmod 400 "$dir/munge/munge.key"; }
# --force: munged refuses to run as root, and to trust a key outside /etc/munge, without it
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed"

host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
user=$(id -un)
cat > "$dir/slurm.conf" <<EOF
# A one-node test cluster written by tools/slurm_local.sh; not for production.
ClusterName=bachgen-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MinJobAge=86400
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf
# Client commands that find this cluster without SLURM_CONF: snakemake's jobstep executor
# clears every SLURM_* variable but the job's identity before its inner srun, so inside a
# job srun would look for /etc/slurm/slurm.conf. Put DIR/bin first on PATH.
mkdir -p "$dir/bin"
for cmd in srun sbatch squeue scancel sinfo sacct scontrol sacctmgr sshare; do
    real=$(command -v "$cmd" || true)
    [[ -n $real && $real != "$dir/bin/$cmd" ]] || continue
    printf '#!/bin/sh\nexport SLURM_CONF=%s\nexec %s "$@"\n' "$SLURM_CONF" "$real" > "$dir/bin/$cmd"
    chmod +x "$dir/bin/$cmd"
done
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do
    state=$(sinfo -h -N -o %t 2>/dev/null || true)
    [[ $state == idle ]] && { echo "slurm_local.sh: one-node cluster up ($host, $cpus CPUs, $mem_mb MB); export PATH=$dir/bin:\$PATH"; exit 0; }
    sleep 0.2
done
echo "slurm_local.sh: the node did not come up (sinfo: '${state:-no answer}'); logs in $dir" >&2
tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
stop
exit 4
