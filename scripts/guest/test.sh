#!/bin/sh
# Harrier guest test (runs inside the QEMU guest, started by /init; see scripts/vm-test.sh).
# Writes captures, logs and "CHECK"/"FIGURE" lines into /mnt (the host share); the host
# decides pass/fail. Binaries: /capture (static), /workload (static), /harrier.ko.
set -u
R=/mnt/results.txt
: > $R
log() { echo "$*" | tee -a $R; }
export PATH=/bin:/sbin

ip link set lo up
mkdir -p /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup
# kmemleak: forget what boot left behind, so that only new leaks are reported at the end
if [ -e /sys/kernel/debug/kmemleak ]; then
    echo scan > /sys/kernel/debug/kmemleak; echo clear > /sys/kernel/debug/kmemleak
fi
log "INFO kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)"

# 1. load, device mode, the workload captured from inside a docker-like cgroup
insmod /harrier.ko; log "CHECK insmod=$?"
log "CHECK dev_mode=$(stat -c %a /dev/harrier)"
CID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
mkdir -p /sys/fs/cgroup/docker/$CID
timeout 300 /capture --driver kmod -w /mnt/out.scap -- /bin/sh -c \
    "echo \$\$ > /sys/fs/cgroup/docker/$CID/cgroup.procs && exec /workload all /tmp 7777" \
    > /mnt/capture-main.log 2>&1
log "CHECK main_capture=$?"
cat /mnt/capture-main.log

# 2. rmmod with a reader attached must be refused; the reader goes on undisturbed
/capture --driver kmod -w /tmp/attached.scap --duration 4 > /mnt/capture-attached.log 2>&1 &
READER=$!
sleep 2
if rmmod harrier 2>/dev/null; then log "CHECK rmmod_attached=unloaded"; else log "CHECK rmmod_attached=refused"; fi
# a second reader is refused (one reader at a time)
/capture --driver kmod -w /tmp/second.scap --duration 0.1 > /tmp/second.log 2>&1
log "CHECK second_reader=$(grep -q 'Device or resource busy' /tmp/second.log && echo ebusy || echo accepted)"
wait $READER; log "CHECK attached_capture=$?"
rmmod harrier; log "CHECK rmmod=$?"

# 2b. invalid ioctl input is rejected; the interest mask limits what is captured
insmod /harrier.ko
/capture --driver kmod -w /tmp/bad.scap --snaplen 70000 --duration 0.1 > /tmp/bad.log 2>&1
log "CHECK bad_snaplen=$(grep -q 'Invalid argument' /tmp/bad.log && echo einval || echo accepted)"
timeout 120 /capture --driver kmod -w /mnt/mask.scap --syscalls openat,execve -- /workload files /tmp \
    > /mnt/capture-mask.log 2>&1
log "CHECK mask_capture=$?"
rmmod harrier

# 3. getppid slowdown: module absent vs capturing everything (written to tmpfs)
N=100000
OFF=$(timeout 120 /workload getppid $N | sed 's/.*ns_per_call=//')
insmod /harrier.ko
timeout 300 /capture --driver kmod -w /tmp/perf.scap --compress none -- /workload getppid $N \
    > /mnt/capture-perf.log 2>&1
log "CHECK perf_capture=$?"
ON=$(grep ns_per_call /mnt/capture-perf.log | sed 's/.*ns_per_call=//')
rmmod harrier
log "FIGURE getppid_ns_off=$OFF getppid_ns_on=$ON"
grep 'capture: stats' /mnt/capture-perf.log | sed 's/^/FIGURE perf /' | tee -a $R

# 4. overload: 64 KiB rings and a consumer slowed down -> drops that must balance exactly
insmod /harrier.ko bufsize_kb=64
timeout 300 /capture --driver kmod -w /tmp/ovl.scap --compress none --read-delay-us 2000 -- \
    /workload getppid 50000 > /mnt/capture-overload.log 2>&1
log "CHECK overload_capture=$?"
rmmod harrier
grep 'capture: stats' /mnt/capture-overload.log | sed 's/^/FIGURE overload /' | tee -a $R

# 5. 20 insmod/rmmod cycles under a syscall load (load runs throughout)
/workload getppid 1000000000 > /dev/null &
LOAD1=$!
( while :; do ls / > /dev/null; cat /proc/self/status > /dev/null; done ) &
LOAD2=$!
ok=0
i=0
while [ $i -lt 20 ]; do
    i=$((i + 1))
    insmod /harrier.ko bufsize_kb=256 || break
    timeout 60 /capture --driver kmod -w /tmp/cycle.scap --compress none --duration 0.3 \
        >> /mnt/capture-cycles.log 2>&1 || { rmmod harrier; break; }
    rmmod harrier || break
    ok=$i
done
kill $LOAD1 $LOAD2
wait $LOAD1 $LOAD2 2>/dev/null
log "CHECK cycles=$ok"

# 6. leaks and the kernel log
if [ -e /sys/kernel/debug/kmemleak ]; then
    sleep 6
    echo scan > /sys/kernel/debug/kmemleak; echo scan > /sys/kernel/debug/kmemleak
    cat /sys/kernel/debug/kmemleak > /mnt/kmemleak.txt
    log "CHECK kmemleak_reports=$(grep -c '^unreferenced object' /mnt/kmemleak.txt)"
fi
dmesg > /mnt/dmesg.txt
log "HARRIER-GUEST-DONE"
