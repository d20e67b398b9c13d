# SPDX-License-Identifier: GPL-2.0
# A Slurm cluster of virtual nodes (source after tests/vm/lib.sh): real slurmctld and
# slurmd, an exclusive partition "mck" with the McKernel SPANK plugin, and a non-root
# user "mckuser". The recipe is the one ../shared/DESIGN.md records for this
# environment. By default one node, "vnode", on loopback; SLURM_NODES="name=address
# ..." makes a cluster of virtual nodes wired by vmrun --link (the first node runs
# slurmctld; every node sources this with the same SLURM_NODES).
SLURM_USER=mckuser
SLURM_WORK=/home/$SLURM_USER
SITE_CONF=/etc/mckernel/slurm.conf
: "${SLURM_NODES:=vnode=127.0.0.1}"
SLURM_NODE_NAMES=$(for n in $SLURM_NODES; do echo "${n%%=*}"; done | paste -sd,)
SLURM_CTLD=${SLURM_NODE_NAMES%%,*}
# Which Slurm: the distribution's, or a self-built one (tests/slurm/run_src.sh sets
# MCK_SLURM_PREFIX and MCK_SPANK_PLUGIN, the plugin built against that Slurm).
if [ -n "${MCK_SLURM_PREFIX:-}" ]; then
	PATH=$MCK_SLURM_PREFIX/sbin:$MCK_SLURM_PREFIX/bin:$PATH
fi
SPANK_PLUGIN=${MCK_SPANK_PLUGIN:-$IHK_BUILD/lib/slurm/mckernel_spank.so}
# The running Slurm's release series, e.g. 22.05 (what the plugin says it was built for).
SLURM_SERIES=$(slurmd -V 2>/dev/null | sed -n 's/^slurm[^ ]* \([0-9]*\.[0-9]*\)\..*/\1/p' || true)

# slurm_site_config: plugstack.conf and the plugin's site configuration. This one
# takes everything from the build tree; a test of installed packages redefines it.
slurm_site_config() {
	echo "required $SPANK_PLUGIN config=$SITE_CONF" > /etc/slurm/plugstack.conf
	cat > $SITE_CONF <<CONF
# The test site: every path in the build tree.
linux_cores_per_numa = 1
default_mem = 512M
bin_dir = $IHK_BUILD/bin
module_dir = $IHK_BUILD/modules
image = $IHK_BUILD/lwk/mckernel.img
state_dir = /run/mckernel-slurm
boot_timeout = 60
CONF
	# The helper's scontrol must be the running Slurm's (an older client cannot
	# talk to a newer slurmctld).
	[ -z "${MCK_SLURM_PREFIX:-}" ] || echo "scontrol = $MCK_SLURM_PREFIX/bin/scontrol" >> $SITE_CONF
}

slurm_setup() {
	local me n node_lines=""
	me=$(hostname)
	# Every node by name; and a non-loopback address on a lone node, so that
	# getaddrinfo(AI_ADDRCONFIG) resolves anything at all.
	echo "127.0.0.1 localhost" > /etc/hosts
	for n in $SLURM_NODES; do
		echo "${n#*=} ${n%%=*}" >> /etc/hosts
		node_lines+="NodeName=${n%%=*} NodeAddr=${n#*=} CPUs=4 RealMemory=1000 Features=mck State=UNKNOWN"$'\n'
	done
	if ! ip link show eth0 >/dev/null 2>&1; then
		modprobe dummy 2>/dev/null || insmod "/lib/modules/$(uname -r)/kernel/drivers/net/dummy.ko"
		ip link add dummy0 type dummy
		sysctl -qw net.ipv6.conf.dummy0.disable_ipv6=1
		ip addr add 10.99.0.1/24 dev dummy0
		ip link set dummy0 up
	fi
	# cgroup v1 by hand (slurmd's v2 plugin wants systemd).
	mount -t tmpfs cgroup /sys/fs/cgroup
	for c in cpuset memory freezer devices; do
		mkdir -p /sys/fs/cgroup/$c
		mount -t cgroup -o $c $c /sys/fs/cgroup/$c
	done
	useradd -m -s /bin/bash $SLURM_USER
	# A self-built Slurm on the users' PATH too, as a site's profile puts it there:
	# with --export=NONE a job's environment is the user's login one.
	[ -z "${MCK_SLURM_PREFIX:-}" ] ||
		echo "PATH=$MCK_SLURM_PREFIX/sbin:$MCK_SLURM_PREFIX/bin:\$PATH" > /etc/profile.d/mck-slurm-src.sh
	mkdir -p /etc/slurm /etc/mckernel /var/spool/slurmd /var/spool/slurmctld /var/log /run/munge
	cat > /etc/slurm/slurm.conf <<CONF
ClusterName=vc
SlurmctldHost=$SLURM_CTLD
AuthType=auth/none
CredType=cred/none
SlurmUser=root
SlurmdUser=root
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
PrologFlags=Alloc
ReturnToService=2
SlurmdSpoolDir=/var/spool/slurmd
StateSaveLocation=/var/spool/slurmctld
SlurmctldLogFile=/var/log/slurmctld.log
SlurmdLogFile=/var/log/slurmd.log
SlurmdDebug=debug
PlugStackConfig=/etc/slurm/plugstack.conf
MpiDefault=none
${node_lines}PartitionName=mck Nodes=$SLURM_NODE_NAMES Default=YES OverSubscribe=EXCLUSIVE MaxTime=INFINITE State=UP
PartitionName=shared Nodes=$SLURM_NODE_NAMES OverSubscribe=NO MaxTime=INFINITE State=UP
CONF
	cat > /etc/slurm/cgroup.conf <<CONF
CgroupPlugin=cgroup/v1
IgnoreSystemd=yes
CONF
	# Every PMIx fence a barrier across the nodes: the tree Slurm uses for fences
	# that collect no data is no tree when the step has fewer nodes than
	# TreeWidth (docs/slurm-admin.md, "mpi.conf").
	echo "PMIxCollFence=ring" > /etc/slurm/mpi.conf
	# Defunct from 23.11 on (logged as an error there).
	[[ $SLURM_SERIES > 23.11 || $SLURM_SERIES == 23.11 ]] || echo "CgroupAutomount=no" >> /etc/slurm/cgroup.conf
	slurm_site_config
	[ "$me" != "$SLURM_CTLD" ] || slurmctld
	slurmd -N "$me"
	wait_nodes_idle "$me"
}

# rxe_up: Soft-RoCE (rdma_rxe) on this node's link, as rxe0, for the verbs jobs
# of the two-node cluster. crc32_generic first: the node cannot autoload it.
rxe_up() {
	local m
	for m in crc32_generic rdma_rxe ib_uverbs; do modprobe "$m" || fail "modprobe $m"; done
	rdma link add rxe0 type rxe netdev eth0 || fail "rdma link add rxe0"
}

# srun_output: what the tasks printed, without srun's notices that depend only on
# timing (slurmd tells srun "Prolog hung on node N" when a prolog, here the LWK's
# boot, runs longer than MessageTimeout - 2 seconds; srun says a job waited while
# the node was still busy with the last job's epilog; either way the job goes on)
# and without the plugin's line per step and node ("mck: N tasks, ...", whose
# numbers vary; has_step_line checks it).
srun_output() {
	grep -vE '^(srun: (Prolog hung on node |job [0-9]+ (queued and waiting for resources|has been allocated resources)$)|mck: [0-9,]+ tasks?, )' ||
		true
}

# has_step_line OUTPUT NODES TASKS: OUTPUT has the plugin's line for a step of
# TASKS tasks on a node once for each of NODES nodes.
has_step_line() {
	expect_eq "the step's line on each of $2 node(s)" "$2" "$(grep -cE "^mck: $3 tasks?, [0-9,]+ offloads?" <<<"$1")"
}

# wait_nodes_idle NODES: every node of NODES (comma-separated) is up and idle, or fail.
wait_nodes_idle() {
	local want
	want=$(tr , '\n' <<<"$1" | wc -l)
	for _ in $(seq 180); do
		[ "$(sinfo -h -N -n "$1" -o '%N %t' 2>/dev/null | sort -u | grep -c ' idle$')" -eq "$want" ] && return 0
		sleep 1
	done
	fail "Slurm nodes $1 did not come up: $(sinfo -N 2>&1)"
	tail -20 /var/log/slurmctld.log /var/log/slurmd.log 2>/dev/null
	exit 1
}

# as_user cmd...: run as the test user, in its home.
as_user() { (cd $SLURM_WORK && setpriv --reuid=$SLURM_USER --regid=$SLURM_USER --init-groups env HOME=$SLURM_WORK USER=$SLURM_USER PATH=$PATH "$@"); }

# node_state [NODE]: this node's (or NODE's) Slurm state.
node_state() { sinfo -h -n "${1:-$(hostname)}" -o %t | head -1; }

# wait_idle: no job left and every node back to idle (the epilogs finished), or fail.
wait_idle() {
	for _ in $(seq 120); do
		[ "$(squeue -h | wc -l)" -eq 0 ] && [ "$(sinfo -h -o %t | sort -u)" == idle ] && return 0
		sleep 0.5
	done
	fail "nodes not idle: $(sinfo -N -h -o '%N %t' | paste -sd' '); $(squeue)"
	grep -iE 'mckernel|mck-slurm|prolog|epilog|error' /var/log/slurmd.log | tail -30
}

# The node as it was: all CPUs online, no IHK device, no module, no state file.
assert_slurm_node_clean() {
	expect_eq "online CPUs" "$start_online" "$(online_cpus)"
	if ls /dev/mcd* /dev/mcos* >/dev/null 2>&1; then fail "IHK devices remain"; fi
	expect_eq "IHK modules loaded" 0 "$(grep -cE '^(ihk|ihk_smp_x86|mcctrl) ' /proc/modules || true)"
	expect_eq "state files" 0 "$(ls /run/mckernel-slurm/job-*.json 2>/dev/null | wc -l)"
	expect_eq "report directories" 0 "$(ls -d /run/mckernel-slurm.reports/job-* 2>/dev/null | wc -l)"
}
