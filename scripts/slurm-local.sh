#!/usr/bin/env bash
# A single-node Slurm on this machine, for the tests of comparisons as job arrays (and to try
# `compare --launcher slurm` without a cluster). Debian's slurmctld, slurmd and munge
# (scripts/system-deps.sh installs them); run as root.
#
#   scripts/slurm-local.sh start DIR   configuration, state and logs in DIR; prints the
#                                      `export SLURM_CONF=…` line clients need
#   scripts/slurm-local.sh stop DIR    stops the daemons by their saved PIDs
#
# The settings that work here (Debian 12, no systemd): the controller and node on 127.0.0.1
# (the host name does not resolve otherwise); proctrack/linuxproc and task/none — with
# proctrack/cgroup tasks are reported COMPLETED without ever running, so tests check the
# runs' files, never the job state alone; munge's run folder owned by munge.
set -euo pipefail
cmd=${1:?usage: slurm-local.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: slurm-local.sh start|stop DIR}")
conf="$dir/slurm.conf"

stop() {
    # The step daemons of this node's jobs outlive slurmd when it goes first (the start refuses
    # to run beside other Slurm daemons, so every one here is this cluster's).
    local ours=0
    [[ -f $dir/slurmd.pid ]] && ours=1
    for pid in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
        [[ -f $pid ]] || continue
        kill "$(cat "$pid")" 2>/dev/null || true
    done
    # The daemons leave when told (slurmctld takes a few seconds, saving its state); wait so
    # the ports are free for the next start, then insist.
    for _ in $(seq 150); do
        alive=0
        for pid in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
            [[ -f $pid ]] && kill -0 "$(cat "$pid")" 2>/dev/null && alive=1
        done
        ((alive)) || break
        sleep 0.1
    done
    for pid in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
        [[ -f $pid ]] && kill -9 "$(cat "$pid")" 2>/dev/null || true
    done
    # They ignore SIGTERM while their job's step winds down.
    ((ours)) && pkill -9 -x slurmstepd 2>/dev/null || true
    rm -f "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid
}

if [[ $cmd == stop ]]; then
    stop
    exit 0
fi
[[ $cmd == start ]] || { echo "slurm-local: start or stop, not $cmd" >&2; exit 2; }
for tool in slurmctld slurmd munged sbatch squeue; do
    command -v "$tool" >/dev/null || PATH="$PATH:/usr/sbin"
    command -v "$tool" >/dev/null || {
        echo "slurm-local: $tool is missing (apt-get install slurmctld slurmd slurm-client munge)" >&2
        exit 1
    }
done
# One cluster per machine: the ports are fixed (6817, 6818).
if pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null; then
    echo "slurm-local: Slurm daemons are already running here ($(pgrep -d, -x 'slurmctld|slurmd')): stop them first" >&2
    exit 1
fi
mkdir -p "$dir"/{state,spool}
host=$(hostname -s)
mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
cat >"$conf" <<CONF
ClusterName=local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=600
JobCompType=jobcomp/none
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

# munge: its key (made when the package was installed) and a run folder it owns.
mkdir -p /run/munge
chown munge:munge /run/munge
if [[ ! -f /etc/munge/munge.key ]]; then
    mungekey --create 2>/dev/null || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
fi
# Started here (and then stopped here) only if none runs: its PID noted by root, since the
# munge user cannot write into DIR.
if ! pgrep -x munged >/dev/null; then
    runuser -u munge -- munged 2>>"$dir/munged.log"
    pgrep -n -x munged >"$dir/munged.pid"
fi
export SLURM_CONF="$conf"
slurmctld -f "$conf" -i
slurmd -f "$conf"
# The node takes a moment to register.
for _ in $(seq 100); do
    if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
        echo "export SLURM_CONF=$conf"
        exit 0
    fi
    sleep 0.1
done
echo "slurm-local: the node did not become idle in 10 s (logs in $dir)" >&2
sinfo >&2 || true
exit 1
